import { NotFoundError } from '../src/errors/not-found-error.ts';
import { TandemError } from '../src/errors/tandem-error.ts';

/** The pipeline stack's output that holds the state machine ARN (`tandem run --remote STACK` reads it). */
export const stateMachineArnOutputKey = 'StateMachineArn';

/** The pipeline stack's output that holds the rescoring state machine's ARN (`tandem run --rescore --remote STACK`). */
export const rescoringStateMachineArnOutputKey = 'RescoringStateMachineArn';

/** The pipeline stack's name in a deployment with the default `stackPrefix` and no `stage`. */
export const defaultPipelineStackName = 'Tandem-pipeline';

/** The parts of CloudFormation's DescribeStacks output read here (the SDK's `DescribeStacksCommandOutput` fits it). */
export interface DescribeStacksOutput {
  readonly Stacks?: readonly {
    readonly StackName?: string | undefined;
    readonly StackStatus?: string | undefined;
    readonly Outputs?: readonly { readonly OutputKey?: string | undefined; readonly OutputValue?: string | undefined }[] | undefined;
  }[] | undefined;
}

/** Calls DescribeStacks for one stack name (CloudFormation answers a missing stack with a ValidationError). */
export type DescribeStacks = (stackName: string) => Promise<DescribeStacksOutput>;

/**
 * Picks a state machine ARN out of a DescribeStacks answer for the pipeline stack `stackName`: the workflow's
 * (`StateMachineArn`) or, with `outputKey`, another (`RescoringStateMachineArn`).
 *
 * @throws NotFoundError naming the stack when it is not in the answer or has no such output (a stack deployed before
 *   the output existed, or another stack's name).
 */
export function stateMachineArnFromStackOutputs(output: DescribeStacksOutput, stackName: string, outputKey: string = stateMachineArnOutputKey): string {
  const stack = output.Stacks?.find((candidate) => candidate.StackName === stackName) ?? (output.Stacks?.length === 1 ? output.Stacks[0] : undefined);
  if (stack === undefined) {
    throw new NotFoundError(`stack ${stackName} not found: deploy the pipeline stack (cdk deploy) or pass the state machine ARN`, { value: stackName });
  }
  const arn = stack.Outputs?.find((candidate) => candidate.OutputKey === outputKey)?.OutputValue;
  if (arn === undefined || arn === '') {
    const keys = (stack.Outputs ?? []).map((candidate) => candidate.OutputKey).join(', ') || 'none';
    throw new NotFoundError(
      `stack ${stackName} (${stack.StackStatus ?? 'status unknown'}) has no ${outputKey} output (outputs: ${keys}); is it the Tandem pipeline stack, deployed with this version?`,
      { value: stackName },
    );
  }
  return arn;
}

/**
 * The ARN of the state machine the pipeline stack `stackName` deployed (the workflow's, or the one `outputKey` names),
 * read from its outputs with `describeStacks`.
 *
 * @throws NotFoundError when the stack does not exist or lacks the output; TandemError when the request fails.
 */
export async function findStateMachineArn(stackName: string, describeStacks: DescribeStacks, outputKey: string = stateMachineArnOutputKey): Promise<string> {
  let output: DescribeStacksOutput;
  try {
    output = await describeStacks(stackName);
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    if (name === 'ValidationError' && /does not exist/.test(message)) {
      throw new NotFoundError(`stack ${stackName} does not exist in this account and region: deploy the pipeline stack, check the region (AWS_REGION), or pass the state machine ARN`, { cause: error, value: stackName });
    }
    throw new TandemError(`DescribeStacks of ${stackName} failed: ${name}: ${message}`, { cause: error, value: stackName });
  }
  return stateMachineArnFromStackOutputs(output, stackName, outputKey);
}
