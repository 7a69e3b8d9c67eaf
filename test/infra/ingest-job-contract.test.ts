import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ingestResultKey } from '../../functions/ingest/ingest-on-batch.ts';
import type { IngestOutput, MeasuredWorkflowInput } from '../../functions/workflow-state.ts';
import { ingestJobCommand } from '../../infra/constructs/ingest-batch-job.ts';
import { loadTableConfig } from '../../src/config/load-config.ts';
import { readJson } from '../../src/store/json-object.ts';
import { openStore } from '../../src/store/open-store.ts';
import { renderWorkflowDefinition } from '../../workflows/render-definition.ts';
import { workflowStateNames as names } from '../../workflows/tandem-workflow.ts';
import { environmentWithoutTandem, runProcess, type ProcessResult } from '../helpers/run-process.ts';
import { tinyConfigFile } from '../helpers/train-tiny-model.ts';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** `command args` from the repository root, as the container runs it from its working directory. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return runProcess(command, args, { cwd: repositoryRoot, env });
}

/** The Batch ingest state's container overrides as the rendered definition gives them (`Value.$` paths). */
function ingestOverrides(): { Name: string; 'Value.$': string }[] {
  const state = renderWorkflowDefinition().States[names.ingestOnBatch] as { Parameters: { ContainerOverrides: { Environment: { Name: string; 'Value.$': string }[] } } };
  return state.Parameters.ContainerOverrides.Environment;
}

describe('ingest job contract: the job definition command plus the workflow\'s overrides ingests and leaves the result for the read-back step', () => {
  let folder = '';
  let storeUrl = '';
  let state: MeasuredWorkflowInput;

  before(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'tandem-ingest-contract-'));
    storeUrl = pathToFileURL(`${folder}/`).href;
    const { config } = await loadTableConfig(tinyConfigFile);
    const resultKey = ingestResultKey('contract-execution');
    state = { config, overrides: { trials: 2 }, rawInput: { files: [], rawBytes: 1, batchIngestMinBytes: 0, resultKey } };
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('runs the command with Ref::store filled in and TANDEM_INGEST / TANDEM_INGEST_RESULT resolved as the state gives them', async () => {
    // The two overrides: the whole state as JSON text, and the result key the measure step chose.
    const values: Record<string, string> = { 'States.JsonToString($)': JSON.stringify(state), '$.rawInput.resultKey': state.rawInput.resultKey };
    const env = { ...environmentWithoutTandem(), ...Object.fromEntries(ingestOverrides().map((entry) => [entry.Name, values[entry['Value.$']]])) };
    assert.equal(Object.keys(env).filter((key) => key.startsWith('TANDEM_INGEST')).length, 2);
    const [command, ...args] = ingestJobCommand.map((part) => part === 'Ref::store' ? storeUrl : part);
    const result = await run(command as string, args, env);
    assert.equal(result.code, 0, result.stderr);
    const store = openStore(storeUrl);
    const output = await readJson<IngestOutput>(store, 'datasets/ingest-results/contract-execution.json');
    assert.deepEqual(JSON.parse(result.stdout.trim()), { datasetId: output.datasetId, tasks: ['churn', 'security_xsell', 'spend'] });
    assert.deepEqual(output.overrides, { trials: 2 });
    assert.ok((await store.list(`datasets/${output.datasetId}/`)).includes(`datasets/${output.datasetId}/manifest.json`));
  });

  it('exits 2 naming what is missing: the state override, or the store', async () => {
    const entrypoint = ['--import', 'tsx', 'containers/trainer/ingest-entrypoint.ts'];
    const noInput = await run('node', [...entrypoint, '--store', storeUrl], { ...environmentWithoutTandem(), TANDEM_INGEST_RESULT: state.rawInput.resultKey });
    assert.equal(noInput.code, 2, noInput.stderr);
    assert.match(noInput.stderr, /WorkflowStepError: ingest job: TANDEM_INGEST is not set/);
    const noStore = await run('node', entrypoint, { ...environmentWithoutTandem(), TANDEM_INGEST: JSON.stringify(state) });
    assert.equal(noStore.code, 2);
    assert.match(noStore.stderr, /no store/);
  });
});
