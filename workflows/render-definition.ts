import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { buildRescoringWorkflow, buildTandemWorkflow, type TandemWorkflowProps } from './tandem-workflow.ts';

/** The Amazon States Language document of a state machine (the parts Tandem reads). */
export interface StateMachineDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, Record<string, unknown>>>;
  readonly [key: string]: unknown;
}

/** Options of {@link renderWorkflowDefinition}: the deploy-time settings that shape the definition. */
export interface RenderDefinitionOptions {
  /** The Map's MaxConcurrency. @default 4 */
  readonly maxConcurrency?: number;
  /** Raw input size from which ingestion runs on CPU Batch. @default defaultBatchIngestMinBytes */
  readonly batchIngestMinBytes?: number;
  /** Trials in a rung from which it runs in the Distributed Map. @default defaultDistributedMapMinTrials */
  readonly distributedMapMinTrials?: number;
  /**
   * The execution's time limit in hours (the deployed `workflowTimeoutHours`: TimeoutSeconds).
   * @default defaultWorkflowTimeoutHours (24)
   */
  readonly timeoutHours?: number;
  /** Parts of a rescoring scored at once. @default defaultRescoreConcurrency */
  readonly rescoreConcurrency?: number;
}

/**
 * Hours a run may take before Step Functions stops it (TIMED_OUT): the default of the deployed state machine
 * (`workflowTimeoutHours`) and of the definition `tandem run` executes locally, so the two stay one document.
 */
export const defaultWorkflowTimeoutHours = 24;

const account = '123456789012';
const region = 'us-east-1';

/** The placeholder ARN of a workflow Lambda in a rendered definition (the local runner binds state names, not ARNs). */
export function placeholderFunctionArn(name: string): string {
  return `arn:aws:lambda:${region}:${account}:function:tandem-${name}`;
}

/**
 * Synthesizes the workflow of {@link buildTandemWorkflow} in a throwaway stack with placeholder ARNs and returns its
 * definition as JSON: the document `cdk synth` deploys, less the account-specific ARNs. The local runner
 * (`tandem run`) executes exactly this document.
 */
export function renderWorkflowDefinition(options: RenderDefinitionOptions = {}): StateMachineDefinition {
  return renderDefinition(options, buildTandemWorkflow);
}

/**
 * The scheduled rescoring's state machine (`buildRescoringWorkflow`), rendered as {@link renderWorkflowDefinition}
 * renders the workflow: what `tandem run --rescore` executes and the pipeline stack deploys.
 */
export function renderRescoringDefinition(options: RenderDefinitionOptions = {}): StateMachineDefinition {
  return renderDefinition(options, buildRescoringWorkflow);
}

function renderDefinition(
  { maxConcurrency = 4, batchIngestMinBytes, distributedMapMinTrials, timeoutHours = defaultWorkflowTimeoutHours, rescoreConcurrency }: RenderDefinitionOptions,
  build: typeof buildTandemWorkflow,
): StateMachineDefinition {
  if (!Number.isInteger(timeoutHours) || timeoutHours < 1) throw new Error(`renderWorkflowDefinition: timeoutHours must be a whole number of hours >= 1, got ${timeoutHours}`);
  const app = new App();
  const stack = new Stack(app, 'TandemWorkflowRender');
  const fn = (name: string): lambda.IFunction => lambda.Function.fromFunctionArn(stack, `${name}Function`, placeholderFunctionArn(name));
  const props: TandemWorkflowProps = {
    ingestFunction: fn('ingest'),
    planFunction: fn('plan'),
    promoteRungFunction: fn('promote-rung'),
    selectFunction: fn('select'),
    promoteFunction: fn('promote'),
    notifyFunction: fn('notify'),
    jobQueueArn: `arn:aws:batch:${region}:${account}:job-queue/tandem-gpu`,
    jobDefinitionArn: `arn:aws:batch:${region}:${account}:job-definition/tandem-trainer:1`,
    cpuJobQueueArn: `arn:aws:batch:${region}:${account}:job-queue/tandem-cpu`,
    ingestJobDefinitionArn: `arn:aws:batch:${region}:${account}:job-definition/tandem-ingest:1`,
    rescoreFunction: fn('rescore'),
    scoringJobDefinitionArn: `arn:aws:batch:${region}:${account}:job-definition/tandem-score:1`,
    ...(rescoreConcurrency === undefined ? {} : { rescoreConcurrency }),
    maxConcurrency,
    ...(batchIngestMinBytes === undefined ? {} : { batchIngestMinBytes }),
    ...(distributedMapMinTrials === undefined ? {} : { distributedMapMinTrials }),
  };
  const machine = new sfn.StateMachine(stack, 'Workflow', {
    definitionBody: sfn.DefinitionBody.fromChainable(build(stack, props)),
    timeout: Duration.hours(timeoutHours),
  });
  const resource = stack.resolve((machine.node.defaultChild as sfn.CfnStateMachine).definitionString) as unknown;
  return JSON.parse(resolveIntrinsic(resource)) as StateMachineDefinition;
}

/** Resolves the `Fn::Join` of a synthesized definition string, filling pseudo parameters with placeholders. */
function resolveIntrinsic(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const join = record['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return (join[1] as unknown[]).map(resolveIntrinsic).join(join[0]);
    }
    const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': region, 'AWS::AccountId': account, 'AWS::URLSuffix': 'amazonaws.com' };
    const ref = record.Ref;
    if (typeof ref === 'string' && pseudo[ref] !== undefined) return pseudo[ref];
  }
  throw new Error(`cannot render this part of the state machine definition: ${JSON.stringify(value)}`);
}
