import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NotifyOutput, WorkflowInput } from '../functions/workflow-state.ts';
import { parseConfig } from '../src/config/load-config.ts';
import { NotFoundError } from '../src/errors/not-found-error.ts';
import { TandemError } from '../src/errors/tandem-error.ts';
import { catchBadInput, catchBadInputAsync } from '../test/helpers/catch-bad-input.ts';
import { startStepFunctionsServer, tandemExecutionHistory, type StepFunctionsServer } from '../test/helpers/step-functions-server.ts';
import { defaultExecutionName, parseStateMachineArn, runWorkflowRemotely } from './run-remotely.ts';

const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:TandemWorkflow';
const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' };
const trials = ['t000', 't001', 't002'];
const notify: NotifyOutput = { runId: 'r-remote', bestTrialId: 't001', bestModelId: 'm-1', championId: 'm-1', promoted: true, reason: 'no champion yet', message: 'run r-remote: m-1 is the new champion (no champion yet)' };
const batchCause = JSON.stringify({
  JobName: 't002',
  JobId: 'job-t002',
  Status: 'FAILED',
  StatusReason: 'Essential container in task exited',
  Container: { ExitCode: 137, Reason: 'OutOfMemoryError: Container killed due to memory usage', Environment: [{ Name: 'TANDEM_TRIAL', Value: '{...}' }] },
});
const ingestFailure = { error: 'BadInputError', cause: JSON.stringify({ errorType: 'BadInputError', errorMessage: 's3://shop/telco.csv: no such object', trace: ['at ingest'] }) };

function workflowInput(dataPath = 's3://shop/telco.csv'): WorkflowInput {
  const config = parseConfig(
    { name: 'fixture', data: { path: dataPath, id: 'customer_id' }, tasks: [{ name: 'churn', type: 'binary', label: { column: 'churned', positive: ['Yes'] } }] },
    'test config',
  );
  return { config, overrides: { trials: 3, strategy: 'asha' } };
}

describe('runWorkflowRemotely against a Step Functions endpoint on loopback', () => {
  let server: StepFunctionsServer;
  before(async () => {
    server = await startStepFunctionsServer({
      stateMachineArns: [arn],
      pageSize: 4,
      script: (input) => {
        const { config } = input as WorkflowInput;
        const text = JSON.stringify(input);
        if (config.name === 'endless') return { events: tandemExecutionHistory({ input: text, trials }), visibleAfterDescribe: new Array<number>(100_000).fill(2), end: { status: 'ABORTED' } };
        if (config.name === 'broken') return { events: tandemExecutionHistory({ input: text, trials, ingestFailure }), visibleAfterDescribe: [1, 5], end: { status: 'FAILED', ...ingestFailure } };
        const events = tandemExecutionHistory({ input: text, trials, failingTrial: 't002', trialCause: batchCause, output: JSON.stringify(notify) });
        return { events, visibleAfterDescribe: [3, 14, 37, events.length - 2, events.length], end: { status: 'SUCCEEDED', output: JSON.stringify(notify) } };
      },
    });
  });
  after(() => server.close());

  it('starts the execution with the workflow input, follows its history page by page without repeats, and returns the output', async () => {
    const lines: string[] = [];
    const input = workflowInput();
    const run = await runWorkflowRemotely({ stateMachineArn: arn, input, name: 'fixture-run-1', clientConfig: { endpoint: server.endpoint, credentials }, pollIntervalMs: 5, log: (line) => lines.push(line) });

    const start = server.requests.filter((request) => request.operation === 'StartExecution');
    assert.equal(start.length, 1);
    assert.equal(start[0]?.body.stateMachineArn, arn);
    assert.equal(start[0]?.body.name, 'fixture-run-1');
    assert.deepEqual(JSON.parse(String(start[0]?.body.input)), JSON.parse(JSON.stringify(input)));
    assert.ok(server.requests.every((request) => request.signedRegion === 'eu-west-1'), 'the client signs for the ARN\'s region');

    const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:TandemWorkflow:fixture-run-1';
    assert.equal(run.executionArn, executionArn);
    assert.equal(run.status, 'SUCCEEDED');
    assert.deepEqual(run.output, notify);
    assert.deepEqual(run.states, [
      'Ingest', 'PlanTrials', 'RungTrials', 'RunTrial', 'RunTrial', 'RunTrial', 'TrialFailed', 'PromoteRung', 'MoreRungs', 'SelectWinner', 'PromoteChampion', 'Notify',
    ]);

    // Five polls; pages of four events mean nextToken was followed, and after the first poll no read went back to the start.
    const describes = server.requests.filter((request) => request.operation === 'DescribeExecution');
    assert.equal(describes.length, 5);
    const history = server.requests.filter((request) => request.operation === 'GetExecutionHistory');
    assert.ok(history.some((request) => typeof request.body.nextToken === 'string'), 'a later page was asked for with nextToken');
    assert.ok(history.every((request) => request.body.executionArn === executionArn && request.body.includeExecutionData === true));
    // Each poll is a DescribeExecution and the history reads after it: after the first, none goes back to event 1.
    const polls: number[][] = [];
    for (const request of server.requests) {
      if (request.operation === 'DescribeExecution') polls.push([]);
      else if (request.operation === 'GetExecutionHistory') polls.at(-1)?.push(...(request.returnedEventIds ?? []));
    }
    assert.deepEqual(polls[0], [3, 2, 1]);
    assert.ok(polls.slice(1).every((ids) => !ids.includes(1)), 'later polls read only the new end of the history');

    assert.deepEqual(lines.slice(0, 2), [
      `started execution fixture-run-1 of ${arn}`,
      `  https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${executionArn}`,
    ]);
    const progress = lines.slice(2);
    for (const expected of [
      'entered Ingest',
      'entered PlanTrials',
      'RungTrials: rung 0 started with 3 trials',
      't000 started (to epoch 3)',
      't000 finished',
      't002 attempt failed: States.TaskFailed: Essential container in task exited: OutOfMemoryError: Container killed due to memory usage (exit code 137)',
      't002 failed for good: States.TaskFailed: Essential container in task exited: OutOfMemoryError: Container killed due to memory usage (exit code 137)',
      'RungTrials: rung 0 ended: 2 trials completed, 1 failed',
      'entered MoreRungs',
      'entered Notify',
      'execution SUCCEEDED after 12m 34s',
    ]) {
      assert.equal(progress.filter((line) => line === expected).length, expected.startsWith('t002 attempt') ? 2 : 1, `${expected}\n--- got:\n${progress.join('\n')}`);
    }
    assert.equal(new Set(progress.filter((line) => line.endsWith('started (to epoch 3)'))).size, 3);
    assert.ok(progress.indexOf('entered Ingest') < progress.indexOf('RungTrials: rung 0 started with 3 trials'));
    assert.equal(progress.at(-1), 'execution SUCCEEDED after 12m 34s');
  });

  it('throws a TandemError naming the execution, its status, error and cause when it fails', async () => {
    const lines: string[] = [];
    const input = { ...workflowInput(), config: { ...workflowInput().config, name: 'broken' } };
    const error = await runWorkflowRemotely({ stateMachineArn: arn, input, name: 'broken-1', clientConfig: { endpoint: server.endpoint, credentials }, pollIntervalMs: 5, log: (line) => lines.push(line) }).then(
      () => assert.fail('expected the run to fail'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof TandemError && !(error instanceof NotFoundError), String(error));
    assert.equal(error.exitCode, 1);
    assert.equal(error.message, 'execution arn:aws:states:eu-west-1:123456789012:execution:TandemWorkflow:broken-1 FAILED: BadInputError: s3://shop/telco.csv: no such object');
    assert.ok(lines.includes('Ingest failed: BadInputError: s3://shop/telco.csv: no such object'), lines.join('\n'));
    assert.ok(lines.includes('execution FAILED after 12m 34s'));
  });

  it('stops following when the signal fires, naming the execution that goes on', async () => {
    const following = new AbortController();
    const input = { ...workflowInput(), config: { ...workflowInput().config, name: 'endless' } };
    const log = (line: string): void => {
      if (line.startsWith('entered Ingest')) setTimeout(() => following.abort(), 20);
    };
    await assert.rejects(
      runWorkflowRemotely({ stateMachineArn: arn, input, name: 'endless-1', clientConfig: { endpoint: server.endpoint, credentials }, pollIntervalMs: 5, log, signal: following.signal }),
      (error: unknown) => error instanceof TandemError && /^stopped following arn:aws:states:eu-west-1:123456789012:execution:TandemWorkflow:endless-1; it goes on running/.test(error.message),
    );
  });

  it('names the state machine when it does not exist', async () => {
    const missing = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Nope';
    await assert.rejects(
      runWorkflowRemotely({ stateMachineArn: missing, input: workflowInput(), clientConfig: { endpoint: server.endpoint, credentials }, pollIntervalMs: 5 }),
      (error: unknown) => error instanceof NotFoundError && error.message.includes(missing),
    );
  });

  it('refuses a malformed ARN, a local data path and a bad name before any request', async () => {
    const before = server.requests.length;
    const options = { clientConfig: { endpoint: server.endpoint, credentials }, pollIntervalMs: 5 };
    for (const bad of ['TandemWorkflow', 'arn:aws:lambda:eu-west-1:123456789012:function:TandemWorkflow', 'arn:aws:states:eu-west-1:1234:stateMachine:TandemWorkflow', 'arn:aws:states:eu-west-1:123456789012:execution:TandemWorkflow:x']) {
      const error = await catchBadInputAsync(() => runWorkflowRemotely({ ...options, stateMachineArn: bad, input: workflowInput() }));
      assert.match(error.message, /not a state machine ARN/);
      assert.ok(error.message.includes(bad));
    }
    const local = await catchBadInputAsync(() => runWorkflowRemotely({ ...options, stateMachineArn: arn, input: workflowInput('/home/me/telco.csv') }));
    assert.match(local.message, /data\.path "\/home\/me\/telco\.csv"/);
    assert.deepEqual(local.details.map((detail) => detail.path), ['data.path']);
    await catchBadInputAsync(() => runWorkflowRemotely({ ...options, stateMachineArn: arn, input: workflowInput(), name: 'has spaces' }));
    assert.equal(server.requests.length, before);
  });
});

describe('state machine ARNs and execution names', () => {
  it('takes the region, account and name from an ARN in any partition, with or without a qualifier', () => {
    assert.deepEqual(parseStateMachineArn(arn), { partition: 'aws', region: 'eu-west-1', account: '123456789012', name: 'TandemWorkflow' });
    assert.equal(parseStateMachineArn('arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:T:prod').region, 'us-gov-west-1');
    assert.equal(parseStateMachineArn('arn:aws-cn:states:cn-north-1:123456789012:stateMachine:T').partition, 'aws-cn');
    assert.deepEqual(catchBadInput(() => parseStateMachineArn('')).details.map((detail) => detail.path), ['stateMachineArn']);
  });

  it('makes readable, distinct execution names that Step Functions accepts', () => {
    const at = new Date('2026-03-01T02:00:00.123Z');
    const name = defaultExecutionName('telco', at);
    assert.match(name, /^telco-20260301T020000Z-[0-9a-f]{6}$/);
    assert.notEqual(defaultExecutionName('telco', at), name);
    assert.ok(defaultExecutionName('x'.repeat(200), at).length <= 80);
  });
});
