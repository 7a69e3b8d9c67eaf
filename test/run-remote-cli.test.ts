import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowInput } from '../functions/workflow-state.ts';
import { runCliInProcess, type CliRun } from './helpers/run-cli-in-process.ts';
import { startStepFunctionsServer, tandemExecutionHistory, type StepFunctionsServer } from './helpers/step-functions-server.ts';
import { useFakeAwsCredentials } from './helpers/fake-aws-credentials.ts';

const arn = 'arn:aws:states:us-east-2:123456789012:stateMachine:TandemWorkflow';
const notify = { runId: 'r-cli', bestTrialId: 't000', bestModelId: 'm-9', championId: 'm-9', promoted: true, reason: 'no champion yet', message: 'run r-cli: m-9 is the new champion (no champion yet)' };

/** `tandem <argv>` in this process, with an environment of its own and a stop signal that never comes. */
function tandem(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return runCliInProcess(argv, env, new Promise<void>(() => undefined));
}

describe('tandem run --remote', () => {
  let dir: string;
  let server: StepFunctionsServer;
  let env: NodeJS.ProcessEnv;
  let restoreCredentials = (): void => undefined;
  const writeConfig = async (file: string, data: Record<string, unknown>): Promise<string> => {
    const config = { name: 'cli', data, tasks: [{ name: 'churn', type: 'binary', label: { column: 'churned', positive: ['Yes'] } }] };
    await writeFile(path.join(dir, file), JSON.stringify(config));
    return path.join(dir, file);
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-remote-'));
    server = await startStepFunctionsServer({
      stateMachineArns: [arn],
      pageSize: 5,
      script: (input) => {
        const events = tandemExecutionHistory({ input: JSON.stringify(input), trials: ['t000', 't001'], output: JSON.stringify(notify) });
        return { events, visibleAfterDescribe: [4, 20, events.length], end: { status: 'SUCCEEDED', output: JSON.stringify(notify) } };
      },
    });
    env = { TANDEM_SFN_ENDPOINT: server.endpoint };
    restoreCredentials = useFakeAwsCredentials();
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
    restoreCredentials();
  });

  it('starts the deployed state machine with the config and overrides, follows it, and prints one JSON document', async () => {
    const config = await writeConfig('s3.config.json', { path: 's3://shop/customers.csv', id: 'customer_id' });
    const { code, stdout, stderr } = await tandem(['run', '--remote', arn, '--config', config, '--trials', '4', '--strategy', 'asha', '--poll', '0.01', '--json'], env);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    const executionArn = String(result.executionArn);
    assert.match(executionArn, /^arn:aws:states:us-east-2:123456789012:execution:TandemWorkflow:cli-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    assert.deepEqual(result, {
      executionArn,
      status: 'SUCCEEDED',
      runId: 'r-cli',
      championId: 'm-9',
      promoted: true,
      bestModelId: 'm-9',
      reason: 'no champion yet',
      states: ['Ingest', 'PlanTrials', 'RungTrials', 'RunTrial', 'RunTrial', 'PromoteRung', 'MoreRungs', 'SelectWinner', 'PromoteChampion', 'Notify'],
    });

    const start = server.requests.find((request) => request.operation === 'StartExecution');
    assert.equal(start?.body.stateMachineArn, arn);
    assert.equal(start?.signedRegion, 'us-east-2');
    const input = JSON.parse(String(start?.body.input)) as WorkflowInput;
    assert.equal(input.config.data.kind === 'table' ? input.config.data.path : undefined, 's3://shop/customers.csv');
    assert.deepEqual(input.config.tasks.map((task) => task.name), ['churn']);
    assert.deepEqual(input.overrides, { trials: 4, strategy: 'asha' });
    assert.equal(executionArn.endsWith(`:${String(start?.body.name)}`), true);

    assert.match(stderr, /^started execution cli-/);
    assert.match(stderr, /\nentered Ingest\n/);
    assert.match(stderr, /\nRungTrials: rung 0 started with 2 trials\n/);
    assert.match(stderr, /\nt001 finished\n/);
    assert.match(stderr, /\nexecution SUCCEEDED after 12m 34s\n$/);
  });

  it('prints the champion message on stdout without --json, with --data as the S3 table', async () => {
    const config = await writeConfig('local.config.json', { path: 'customers.csv' });
    const { code, stdout } = await tandem(['run', '--remote', arn, '--config', config, '--data', 's3://shop/v2.csv', '--poll', '0.01'], env);
    assert.equal(code, 0);
    assert.equal(stdout, `${notify.message}\n`);
    const starts = server.requests.filter((request) => request.operation === 'StartExecution');
    const input = JSON.parse(String(starts.at(-1)?.body.input)) as WorkflowInput;
    assert.equal(input.config.data.kind === 'table' ? input.config.data.path : undefined, 's3://shop/v2.csv');
    assert.equal(input.overrides, undefined);
  });

  it('exits 2 without a request for local data, a bad ARN, and flags that do not apply remotely', async () => {
    const before = server.requests.length;
    const local = await tandem(['run', '--remote', arn, '--config', await writeConfig('local.config.json', { path: 'customers.csv' }), '--poll', '0.01'], env);
    assert.equal(local.code, 2);
    assert.match(local.stderr, /data\.path ".*customers\.csv"/);
    const events = await tandem(
      ['run', '--remote', arn, '--config', await writeConfig('events.config.json', { kind: 'events', customers: 's3://shop/customers.csv', sessions: 'raw/sessions.csv', orders: 'raw/orders.csv', cutoff: '2024-06-01' })],
      env,
    );
    assert.equal(events.code, 2);
    assert.match(events.stderr, /data\.sessions: .*\n.*data\.orders: /);
    const badArn = await tandem(['run', '--remote', 'arn:aws:states:TandemWorkflow'], env);
    assert.equal(badArn.code, 2);
    assert.match(badArn.stderr, /not a state machine ARN: "arn:aws:states:TandemWorkflow"/);
    // Anything else is a pipeline stack name to look up; this one cannot be one.
    const badStack = await tandem(['run', '--remote', 'Tandem pipeline'], env);
    assert.equal(badStack.code, 2);
    assert.match(badStack.stderr, /expected a state machine ARN or a CloudFormation stack name/);
    for (const flags of [['--parallel', '4'], ['--store', 's3://b/p'], ['--data', 'local.csv']]) {
      const refused = await tandem(['run', '--remote', arn, '--config', await writeConfig('s3.config.json', { path: 's3://shop/customers.csv' }), ...flags], env);
      assert.equal(refused.code, 2, flags.join(' '));
      assert.ok(refused.stderr.includes(flags[0] as string), refused.stderr);
    }
    assert.equal((await tandem(['run', '--poll', '1'], env)).code, 2);
    assert.equal(server.requests.length, before);
  });
});
