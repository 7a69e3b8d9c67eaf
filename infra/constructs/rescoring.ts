import { type CfnElement, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { rescoringStateMachineArnOutputKey } from '../../workflows/pipeline-stack-outputs.ts';
import { buildRescoringWorkflow, rescoreMapLabel, type TandemWorkflowProps } from '../../workflows/tandem-workflow.ts';
import { grantScoringInputRead } from './scoring-batch-job.ts';
import { acknowledgeStorePrefixWildcards, type StoreBucketExport } from './store-bucket-export.ts';
import { TandemFunction } from './tandem-function.ts';

/**
 * The store prefixes of the rescore function: it reads the champion pointer (to pin the model of a scheduled
 * rescoring), and reads, lists, writes and deletes only under `scores/` (the day's earlier scores, the manifest).
 */
export const rescoreStoreAccess = { read: ['champions/', 'scores/'], write: ['scores/'] } as const;

/** Props of {@link RescoreFunction}. */
export interface RescoreFunctionProps {
  readonly storeBucket: s3.IBucket;
  readonly storeBucketExport: StoreBucketExport;
  readonly rawBucket: s3.IBucket;
  /** The scheduled config's `scoring.input`: the one prefix it may list. @default - none */
  readonly scoringInput?: string;
}

/** The rescoring's Lambda (`functions/rescore`): plans the parts of the customer base and writes the manifest. */
export class RescoreFunction extends Construct {
  readonly step: TandemFunction;

  constructor(scope: Construct, id: string, props: RescoreFunctionProps) {
    super(scope, id);
    const store = props.storeBucket;
    this.step = new TandemFunction(this, 'rescore', {
      entry: 'functions/rescore/index.ts',
      environment: { TANDEM_STORE: `s3://${store.bucketName}/`, TANDEM_BACKEND: 'wasm' },
      timeout: Duration.minutes(5),
      memorySize: 1024,
      // The step shares src/serve/rescore-base.ts (and so its DuckDB import) with the scoring job.
      withDuckDb: true,
    });
    const fn = this.step.function;
    const { read, write } = rescoreStoreAccess;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: read.map((prefix) => store.arnForObjects(`${prefix}*`)) }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [store.bucketArn], conditions: { StringLike: { 's3:prefix': read.map((prefix) => `${prefix}*`) } } }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: write.map((prefix) => store.arnForObjects(`${prefix}*`)) }));
    acknowledgeStorePrefixWildcards(fn, props.storeBucketExport, [...read, ...write],
      'The rescore step reads the champion pointer and writes a day\'s scores manifest under keys derived at run time; the wildcard is limited to one store prefix and to named actions');
    grantScoringInputRead(fn, props.scoringInput, props.rawBucket,
      'The rescore step lists the objects of the configured scoring.input prefix; read-only and limited to that prefix');
  }
}

/** Props of {@link RescoringMachine}. */
export interface RescoringMachineProps {
  /** The workflow's props: the rescoring runs the same branch as after a promotion. */
  readonly workflow: TandemWorkflowProps;
  /** The execution input of a scheduled rescoring: `{ config }` as the retraining schedule sends it. */
  readonly input: Record<string, unknown>;
  /** The config's `scoring.schedule`; none: the schedule is created disabled. */
  readonly schedule?: string | undefined;
  /** False when the deployment has no config of its own (the schedule then starts nothing). @default true */
  readonly scheduleEnabled?: boolean;
  /** Hours a rescoring may take. @default 12 */
  readonly timeoutHours?: number;
}

/**
 * The rescoring on its own schedule, without retraining: a second state machine running the workflow's rescoring
 * branch (`buildRescoringWorkflow`) with the project's champion, started by an EventBridge schedule that is enabled
 * only when the scheduled config has `scoring.schedule` (and the deployment a config of its own). Its ARN is the
 * stack's `RescoringStateMachineArn` output, which `tandem run --rescore --remote STACK` reads to start it by hand.
 */
export class RescoringMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: RescoringMachineProps) {
    super(scope, id);
    const { timeoutHours = 12 } = props;
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      definitionBody: sfn.DefinitionBody.fromChainable(buildRescoringWorkflow(this, props.workflow)),
      timeout: Duration.hours(timeoutHours),
      tracingEnabled: true,
    });
    const enabled = (props.scheduleEnabled ?? true) && props.schedule !== undefined;
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: enabled ? 'Scheduled Tandem rescoring of the customer base (no retraining)' : 'Scheduled Tandem rescoring (disabled: set scoring.schedule in the deployed config)',
      schedule: scheduler.ScheduleExpression.expression(props.schedule ?? 'rate(1 day)'),
      enabled,
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, { input: scheduler.ScheduleTargetInput.fromObject(props.input), retryAttempts: 2 }),
    });
    // A fixed output name, whatever this construct's path, for the CLI to look up.
    new CfnOutput(this, 'StateMachineArn', {
      value: this.stateMachine.stateMachineArn,
      description: 'The rescoring without retraining: tandem run --rescore --remote <this stack\'s name> (or this ARN) starts it',
    }).overrideLogicalId(rescoringStateMachineArnOutputKey);
    const stack = Stack.of(this);
    const machine = this.stateMachine;
    Validations.of(machine).acknowledge({ id: 'AwsSolutions-SF1', reason: 'The rescoring\'s failures surface in its execution history and the scoring jobs\' logs; its runs are short and scheduled.' });
    Validations.of(machine).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'Step Functions needs X-Ray actions (no resource-level permissions) and events:PutTargets on its managed rule for the Batch .sync integration.' });
    Validations.of(machine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job-definition/*]',
      reason: 'BatchSubmitJob grants SubmitJob on job definitions by name; each deploy of the image makes a new revision.',
    });
    const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${stack.getLogicalId(machine.node.defaultChild as CfnElement)}"}]}]}`;
    Validations.of(machine).acknowledge({ id: `AwsSolutions-IAM5[Resource::${executions}:*]`, reason: 'The parts\' Distributed Map describes and stops the child executions it starts, within this state machine.' });
    Validations.of(machine).acknowledge({ id: `AwsSolutions-IAM5[Resource::${executions}/${rescoreMapLabel}:*]`, reason: 'The parts\' Distributed Map may redrive its labelled child executions, within this state machine.' });
    const rescore = props.workflow.rescoreFunction.node.defaultChild as CfnElement | undefined;
    if (rescore !== undefined) {
      Validations.of(machine).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(rescore)}.Arn>:*]`, reason: 'LambdaInvoke grants lambda:InvokeFunction on the function and its versions (ARN:*).' });
    }
  }
}
