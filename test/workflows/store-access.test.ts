import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runIngestStep } from '../../functions/ingest/ingest-step.ts';
import { notifyOutcome } from '../../functions/notify/notify-outcome.ts';
import { planTrials } from '../../functions/plan/plan-trials.ts';
import { promoteChampion } from '../../functions/promote/promote-champion.ts';
import { promoteRung } from '../../functions/promote-rung/promote-rung.ts';
import { planClosing } from '../../functions/select/plan-closing.ts';
import { selectWinner } from '../../functions/select/select-winner.ts';
import type { PromoteOutput, WorkflowInput, WorkflowOverrides } from '../../functions/workflow-state.ts';
import { trainerPrefixes } from '../../infra/constructs/gpu-trainer-batch.ts';
import { workflowStepNames, workflowStoreAccess, type StoreAccess, type WorkflowStepName } from '../../infra/constructs/workflow-functions.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { selectBackend, type BackendName } from '../../src/model/backend.ts';
import { runTrial } from '../../src/search/run-trial.ts';
import type { StoredRun } from '../../src/search/stored-run.ts';
import { resolveTrialInput } from '../../src/search/trial-ref.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { FileStore } from '../../src/store/file-store.ts';
import { tinyConfigFile } from '../helpers/train-tiny-model.ts';

/** Who touched the store: a workflow step's Lambda, or a trial in the trainer container. */
type Actor = WorkflowStepName | 'trainer';

/** One store call as S3 would authorise it: reads (GetObject, HeadObject, ListBucket on a prefix) and writes. */
interface StoreCall {
  readonly actor: Actor;
  readonly kind: 'read' | 'write';
  readonly operation: 'get' | 'getIfExists' | 'exists' | 'list' | 'put' | 'delete';
  /** The object key, or for `list` the prefix S3Store sends (`<prefix>/`). */
  readonly key: string;
}

/**
 * A real store that records which actor made each call. It leaves out `localPath`, as S3Store does, so every access
 * goes through get/list/put/delete — the calls the IAM policy sees on AWS.
 */
function recordingStore(inner: BlobStore): { store: BlobStore; calls: StoreCall[]; as: <T>(actor: Actor, work: () => Promise<T>) => Promise<T> } {
  const calls: StoreCall[] = [];
  let actor: Actor | undefined;
  const record = (kind: StoreCall['kind'], operation: StoreCall['operation'], key: string): void => {
    if (actor === undefined) throw new Error(`store ${operation} of "${key}" outside any step`);
    calls.push({ actor, kind, operation, key });
  };
  const store: BlobStore = {
    uri: inner.uri,
    get: (key) => (record('read', 'get', key), inner.get(key)),
    getIfExists: (key) => (record('read', 'getIfExists', key), inner.getIfExists(key)),
    exists: (key) => (record('read', 'exists', key), inner.exists(key)),
    // S3Store lists `<prefix without trailing slashes>/`: that is the s3:prefix the ListBucket condition checks.
    list: (prefix) => (record('read', 'list', `${prefix.replace(/\/+$/, '')}/`), inner.list(prefix)),
    put: (key, body) => (record('write', 'put', key), inner.put(key, body)),
    // A streamed put is PutObject (or a multipart upload, under the same s3:PutObject) as far as IAM sees it.
    putStream: (key, body) => (record('write', 'put', key), inner.putStream(key, body)),
    delete: (key) => (record('write', 'delete', key), inner.delete(key)),
  };
  // The steps run one after another (as the state machine runs them), so one current actor is enough.
  const as = async <T>(who: Actor, work: () => Promise<T>): Promise<T> => {
    actor = who;
    try {
      return await work();
    } finally {
      actor = undefined;
    }
  };
  return { store, calls, as };
}

/**
 * The workflow's steps in the order the state machine runs them, each bound as workflows/run-locally.ts binds it,
 * with the Map's trials trained in process (what the trainer container runs: it resolves the trial's reference from
 * the store, then trains it) and the Map's output (each trial's reference) handed to promote-rung.
 */
async function runWorkflowSteps(
  recorder: ReturnType<typeof recordingStore>,
  input: WorkflowInput,
  backend: BackendName,
): Promise<PromoteOutput> {
  const { store, as } = recorder;
  const ingested = await as('ingest', () => runIngestStep(store, input));
  let rung = await as('plan', () => planTrials(store, ingested));
  for (;;) {
    for (const ref of rung.trials) await as('trainer', async () => runTrial(store, await resolveTrialInput(store, ref), { backend }));
    const current = rung;
    // The Map returns the id of each trial that trained.
    rung = await as('promote-rung', () => promoteRung(store, { ...current, results: current.trials.map((ref) => ref.trialId) }));
    if (!rung.done) continue;
    // No rung left: the closing's plan (the select function), whose fold copies go through the Map once, as trials do.
    const done = rung;
    rung = await as('select', () => planClosing(store, { action: 'plan-closing', runId: done.runId, state: done }));
    if (rung.done) break;
  }
  const { runId } = rung;
  const selected = await as('select', () => selectWinner(store, { runId }));
  const promoted = await as('promote', () => promoteChampion(store, selected));
  await as('notify', () => notifyOutcome(() => undefined, promoted));
  return promoted;
}

const under = (key: string, prefixes: readonly string[]): boolean => prefixes.some((prefix) => key.startsWith(prefix));

describe('store access of each workflow step (the IAM table, checked at run time)', () => {
  let dir: string;
  let recorder: ReturnType<typeof recordingStore>;
  const outcomes: PromoteOutput[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-store-access-'));
    recorder = recordingStore(new FileStore(path.join(dir, 'store')));
    const backend = await selectBackend();
    const { config: loaded } = await loadConfig(tinyConfigFile);
    // Tiny networks and a two-rung ASHA (1 → 2 epochs) on the 40-row fixture, so both runs take seconds.
    const config = {
      ...loaded,
      model: { ...loaded.model, epochs: 2, sharedUnits: [8], towerUnits: [4], batchSize: 16, patience: 3 },
      // ensembleTopK: select averages the best trials, which reads models/ and datasets/ (and writes models/ if kept);
      // members must share the preprocessor, so the feature encodings are left out of the space.
      search: {
        ...loaded.search,
        asha: { eta: 2, minEpochs: 1, maxEpochs: 2 },
        ensembleTopK: 2,
        // The closing re-trains its trials as fold copies: trainer jobs the closing's plan hands to the Map.
        ensembleFolds: 2,
        space: { 'features.numericEncoding': null, 'features.bins': null, 'features.categoricalEmbedding': null },
      },
    };
    // The first run finds no champion and promotes; the second (random search, the dataset already ingested) has
    // its winner compared with that champion, which is what reads datasets/ and models/.
    const runs: WorkflowOverrides[] = [{ strategy: 'asha', trials: 2 }, { strategy: 'random', trials: 1 }];
    for (const overrides of runs) outcomes.push(await runWorkflowSteps(recorder, { config, overrides }, backend));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('ran the paths that touch the store most: a first promotion, then a comparison with the champion', () => {
    assert.equal(outcomes[0]?.promoted, true, outcomes[0]?.reason);
    assert.notEqual(outcomes[1]?.reason, 'no champion yet');
    const promoteReads = recorder.calls.filter((call) => call.actor === 'promote' && call.kind === 'read').map((call) => call.key);
    assert.ok(promoteReads.some((key) => key.startsWith(`models/${outcomes[0]?.championId ?? '?'}/`)), 'the second promote loaded the champion');
  });

  for (const step of workflowStepNames) {
    it(`${step} reads and writes only under its prefixes, and uses every prefix it is granted`, () => {
      const access: StoreAccess = workflowStoreAccess[step];
      const calls = recorder.calls.filter((call) => call.actor === step);
      const reads = calls.filter((call) => call.kind === 'read');
      const writes = calls.filter((call) => call.kind === 'write');
      assert.deepEqual(reads.filter((call) => !under(call.key, access.read)), [], `${step} read outside ${JSON.stringify(access.read)}`);
      assert.deepEqual(writes.filter((call) => !under(call.key, access.write)), [], `${step} wrote outside ${JSON.stringify(access.write)}`);
      assert.deepEqual(access.read.filter((prefix) => !reads.some((call) => call.key.startsWith(prefix))), [], `${step} is granted reads it never makes`);
      // select saves an ensemble (under models/) only when it beats its members on validation.
      const optional = step === 'select' && !keptEnsemble() ? ['models/'] : [];
      const unused = access.write.filter((prefix) => !optional.includes(prefix) && !writes.some((call) => call.key.startsWith(prefix)));
      assert.deepEqual(unused, [], `${step} is granted writes it never makes`);
    });
  }

  /** Whether a select step saved an ensemble model (the run files record the attempt either way). */
  const keptEnsemble = (): boolean => recorder.calls.some((call) => call.actor === 'select' && call.kind === 'write' && call.key.startsWith('models/'));

  it('select tried an ensemble of the best trials in each run (search.ensembleTopK), as tandem search does', async () => {
    for (const outcome of outcomes) {
      const run = JSON.parse((await readFile(path.join(dir, 'store', 'runs', outcome.runId, 'run.json'))).toString()) as StoredRun;
      assert.ok(run.ensemble !== undefined, `run ${outcome.runId} records its ensemble attempt`);
      assert.ok(run.ensemble.members.length >= 1 && run.ensemble.members.length <= 2);
      if (run.ensemble.kept) assert.equal(run.bestTrialId, 'ensemble');
    }
  });

  it('the cross-fitted closing\'s fold copies were trained by the trainer, and select trained none', async () => {
    const copies = recorder.calls.filter((call) => call.kind === 'write' && /\/folds-2\/\d+\/metrics\.json$/.test(call.key));
    assert.ok(copies.length >= 4, `fold copies of at least two trials: ${copies.map((call) => call.key).join(', ')}`);
    assert.deepEqual(copies.filter((call) => call.actor !== 'trainer'), []);
    const folds = await Promise.all(outcomes.map(async (outcome) => (JSON.parse((await readFile(path.join(dir, 'store', 'runs', outcome.runId, 'run.json'))).toString()) as StoredRun).ensemble?.folds));
    assert.ok(folds.includes(2), `a closing judged its trials out of fold: ${JSON.stringify(folds)}`);
  });

  it('the trainer (a trial) stays within its prefixes', () => {
    const calls = recorder.calls.filter((call) => call.actor === 'trainer');
    assert.ok(calls.length > 0);
    assert.deepEqual(calls.filter((call) => !under(call.key, call.kind === 'read' ? trainerPrefixes.read : trainerPrefixes.write)), []);
  });
});
