// `tandem run --rescore --remote`: the deployed rescoring state machine started and followed through the Step
// Functions API, against the loopback Step Functions server (test/helpers/step-functions-server.ts).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowInput } from '../functions/workflow-state.ts';
import { workflowStateNames as names } from '../workflows/tandem-workflow.ts';
import { runCliInProcess, type CliRun } from './helpers/run-cli-in-process.ts';
import { startStepFunctionsServer, type FakeHistoryEvent, type StepFunctionsServer } from './helpers/step-functions-server.ts';
import { useFakeAwsCredentials } from './helpers/fake-aws-credentials.ts';

const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:RescoringWorkflow9F8E';
const summary = { manifestKey: 'scores/shop/date=2026-03-04/_manifest.json', modelId: 'm-7', date: '2026-03-04', parts: 2, rows: 1500, rejected: 3 };

/** The history of one rescoring as AWS records it: plan (Lambda) → Choice → Distributed Map run → manifest (Lambda) → Succeed. */
function rescoringHistory(input: string): FakeHistoryEvent[] {
  const events: FakeHistoryEvent[] = [];
  const add = (type: string, details: Record<string, unknown> = {}): void => void events.push({ id: events.length + 1, previousEventId: events.length, type, ...details });
  const entered = (type: string, name: string, stateInput: string): void => add(type, { stateEnteredEventDetails: { name, input: stateInput } });
  const lambda = (name: string, stateInput: string, output: string): void => {
    entered('TaskStateEntered', name, stateInput);
    add('TaskScheduled', { taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'eu-west-1', parameters: '{}' } });
    add('TaskStarted', { taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } });
    add('TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output } });
    add('TaskStateExited', { stateExitedEventDetails: { name, output } });
  };
  const planned = JSON.stringify({ config: JSON.parse(input).config, rescoring: { configured: true, parts: [{ part: 0 }, { part: 1 }] } });
  add('ExecutionStarted', { executionStartedEventDetails: { input, roleArn: 'arn:aws:iam::123456789012:role/RescoringRole' } });
  lambda(names.planRescoring, input, planned);
  entered('ChoiceStateEntered', names.chooseRescoreParts, planned);
  add('ChoiceStateExited', { stateExitedEventDetails: { name: names.chooseRescoreParts, output: planned } });
  entered('MapStateEntered', names.rescoreParts, planned);
  add('MapRunStarted', { mapRunStartedEventDetails: { mapRunArn: `${arn.replace(':stateMachine:', ':mapRun:')}/TandemRescore:1` } });
  add('MapRunSucceeded');
  add('MapStateExited', { stateExitedEventDetails: { name: names.rescoreParts, output: planned } });
  lambda(names.writeScoresManifest, planned, JSON.stringify(summary));
  entered('SucceedStateEntered', names.rescoringDone, '{}');
  add('ExecutionSucceeded', { executionSucceededEventDetails: { output: '{}' } });
  return events;
}

describe('tandem run --rescore --remote', () => {
  let dir: string;
  let server: StepFunctionsServer;
  let env: NodeJS.ProcessEnv;
  let restoreCredentials = (): void => undefined;
  const writeConfig = async (file: string, scoring: Record<string, unknown> | undefined): Promise<string> => {
    const config = { name: 'shop', data: { path: 'customers.csv' }, tasks: [{ name: 'churn', type: 'binary', label: { column: 'churned', positive: ['Yes'] } }], ...(scoring === undefined ? {} : { scoring }) };
    await writeFile(path.join(dir, file), JSON.stringify(config));
    return path.join(dir, file);
  };
  const tandem = (argv: readonly string[]): Promise<CliRun> => runCliInProcess(argv, env, new Promise<void>(() => undefined));

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-rescore-remote-'));
    server = await startStepFunctionsServer({
      stateMachineArns: [arn],
      script: (input) => {
        const events = rescoringHistory(JSON.stringify(input));
        const output = JSON.stringify({ ...(input as object), rescoring: summary });
        return { events, visibleAfterDescribe: [3, events.length], end: { status: 'SUCCEEDED', output } };
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

  it('starts the rescoring state machine with { config } (local training data is fine), follows it and reports the manifest', async () => {
    const config = await writeConfig('s3.config.json', { input: 's3://raw/exports/customers/', partitionBySegment: true });
    const { code, stdout, stderr } = await tandem(['run', '--rescore', '--remote', arn, '--config', config, '--poll', '0.01', '--json']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as { executionArn: string; status: string; rescoring: unknown; states: string[] };
    assert.match(result.executionArn, /:execution:RescoringWorkflow9F8E:shop-rescore-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    assert.equal(result.status, 'SUCCEEDED');
    assert.deepEqual(result.rescoring, summary);
    assert.deepEqual(result.states, [names.planRescoring, names.chooseRescoreParts, names.rescoreParts, names.writeScoresManifest, names.rescoringDone]);
    const start = server.requests.find((request) => request.operation === 'StartExecution');
    assert.equal(start?.body.stateMachineArn, arn);
    const input = JSON.parse(String(start?.body.input)) as WorkflowInput & Record<string, unknown>;
    assert.deepEqual(Object.keys(input), ['config'], 'no search overrides: the rescoring trains nothing');
    assert.deepEqual(input.config.scoring, { input: 's3://raw/exports/customers/', partitionBySegment: true });
    assert.match(stderr, /^started execution shop-rescore-/);
    assert.match(stderr, /\nRescoreParts: scoring 2 parts\n/);
    assert.match(stderr, /\nRescoreParts: map run succeeded\n/);

    const text = await tandem(['run', '--rescore', '--remote', arn, '--config', config, '--poll', '0.01']);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, 'rescored 1500 rows in 2 part(s) with m-7 → scores/shop/date=2026-03-04/_manifest.json\n');
  });

  it('exits 2 without a request: no scoring section, a local scoring.input, or a flag of the retraining', async () => {
    const before = server.requests.length;
    const none = await tandem(['run', '--rescore', '--remote', arn, '--config', await writeConfig('none.config.json', undefined)]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--rescore needs a `scoring` section/);
    const local = await tandem(['run', '--rescore', '--remote', arn, '--config', await writeConfig('local.config.json', { input: 'exports/customers.csv' })]);
    assert.equal(local.code, 2);
    assert.match(local.stderr, /scoring\.input "exports\/customers\.csv"/);
    const config = await writeConfig('ok.config.json', { input: 's3://raw/exports/' });
    for (const flags of [['--trials', '4'], ['--seed', '1'], ['--store', 's3://b/p'], ['--parallel', '2'], ['--data', 's3://raw/new.csv']]) {
      const refused = await tandem(['run', '--rescore', '--remote', arn, '--config', config, ...flags]);
      assert.equal(refused.code, 2, flags.join(' '));
      assert.ok(refused.stderr.includes(`--${(flags[0] as string).slice(2)} does not apply with --remote`), refused.stderr);
    }
    assert.equal(server.requests.length, before);
  });
});
