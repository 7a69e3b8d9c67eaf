import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../src/errors/not-found-error.ts';
import { TandemError } from '../../src/errors/tandem-error.ts';
import { findStateMachineArn, rescoringStateMachineArnOutputKey, stateMachineArnFromStackOutputs, type DescribeStacksOutput } from '../../workflows/pipeline-stack-outputs.ts';

const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Workflow1A2B3C-xyz';

/** A DescribeStacks answer for one stack, as CloudFormation gives it. */
function answer(stackName: string, outputs: { OutputKey: string; OutputValue: string }[]): DescribeStacksOutput {
  return { Stacks: [{ StackName: stackName, StackStatus: 'UPDATE_COMPLETE', Outputs: outputs }] };
}

describe('the state machine ARN from the pipeline stack\'s outputs', () => {
  it('picks the StateMachineArn output of the named stack', () => {
    const output = answer('prod-Tandem-pipeline', [
      { OutputKey: 'NotificationsTopicArn', OutputValue: 'arn:aws:sns:eu-west-1:123456789012:t' },
      { OutputKey: 'StateMachineArn', OutputValue: arn },
    ]);
    assert.equal(stateMachineArnFromStackOutputs(output, 'prod-Tandem-pipeline'), arn);
  });

  it('picks the rescoring state machine\'s ARN by its output key, and names that key when it is missing', async () => {
    const rescoring = 'arn:aws:states:eu-west-1:123456789012:stateMachine:RescoringWorkflow9F8E-abc';
    const outputs = [{ OutputKey: 'StateMachineArn', OutputValue: arn }, { OutputKey: rescoringStateMachineArnOutputKey, OutputValue: rescoring }];
    assert.equal(stateMachineArnFromStackOutputs(answer('Tandem-pipeline', outputs), 'Tandem-pipeline', rescoringStateMachineArnOutputKey), rescoring);
    assert.equal(await findStateMachineArn('Tandem-pipeline', async (name) => answer(name, outputs), rescoringStateMachineArnOutputKey), rescoring);
    assert.throws(() => stateMachineArnFromStackOutputs(answer('Tandem-pipeline', outputs.slice(0, 1)), 'Tandem-pipeline', rescoringStateMachineArnOutputKey),
      /has no RescoringStateMachineArn output \(outputs: StateMachineArn\)/);
  });

  it('names the stack and the outputs it has when the ARN is not among them', () => {
    assert.throws(() => stateMachineArnFromStackOutputs(answer('Tandem-data', [{ OutputKey: 'RawBucketName', OutputValue: 'raw' }]), 'Tandem-data'),
      (error: Error) => error instanceof NotFoundError && /stack Tandem-data \(UPDATE_COMPLETE\) has no StateMachineArn output \(outputs: RawBucketName\)/.test(error.message));
    assert.throws(() => stateMachineArnFromStackOutputs({ Stacks: [] }, 'Tandem-pipeline'), /stack Tandem-pipeline not found/);
  });

  it('asks DescribeStacks for the stack and maps a missing stack and a failed request to named errors', async () => {
    const asked: string[] = [];
    const found = await findStateMachineArn('Tandem-pipeline', async (name) => {
      asked.push(name);
      return answer(name, [{ OutputKey: 'StateMachineArn', OutputValue: arn }]);
    });
    assert.equal(found, arn);
    assert.deepEqual(asked, ['Tandem-pipeline']);
    const missing = Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' });
    await assert.rejects(findStateMachineArn('Nope', () => Promise.reject(missing)), (error: Error) => error instanceof NotFoundError && /stack Nope does not exist/.test(error.message));
    const denied = Object.assign(new Error('not authorized to perform cloudformation:DescribeStacks'), { name: 'AccessDenied' });
    await assert.rejects(findStateMachineArn('Tandem-pipeline', () => Promise.reject(denied)),
      (error: Error) => error instanceof TandemError && !(error instanceof NotFoundError) && /DescribeStacks of Tandem-pipeline failed: AccessDenied/.test(error.message));
  });
});
