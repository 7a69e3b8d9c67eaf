import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveSearchSettings } from '../../cli/local-search.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { ingestDataset } from '../../src/data/ingest-dataset.ts';
import { selectBackend } from '../../src/model/backend.ts';
import type { LeaderboardRow } from '../../src/search/run-record.ts';
import { runSearch } from '../../src/search/run-search.ts';
import { runTrial } from '../../src/search/run-trial.ts';
import { trialDefaultsOf } from '../../src/search/search-settings.ts';
import type { StoredRun, TrialLogEvent } from '../../src/search/stored-run.ts';
import type { TrialSpec } from '../../src/search/trial-spec.ts';
import { FileStore } from '../../src/store/file-store.ts';
import { runWorkflowLocally } from '../../workflows/run-locally.ts';
import { tinyWorkflowConfig } from '../helpers/tiny-workflow-config.ts';

/** A run's files as the driver left them in a file:// store. */
async function readRun(storeDir: string, runId: string): Promise<{ run: StoredRun; leaderboard: LeaderboardRow[]; events: TrialLogEvent[] }> {
  const read = async <T>(file: string): Promise<T> => JSON.parse(await readFile(path.join(storeDir, 'runs', runId, file), 'utf8')) as T;
  return { run: await read('run.json'), leaderboard: await read('leaderboard.json'), events: await read('trial-log.json') };
}

/** Trial ids from best to worst validation combined score (ties by id). */
function ranking(leaderboard: readonly LeaderboardRow[]): string[] {
  return [...leaderboard]
    .sort((a, b) => (b.metrics?.validation.combinedScore ?? -Infinity) - (a.metrics?.validation.combinedScore ?? -Infinity) || (a.trialId < b.trialId ? -1 : 1))
    .map((row) => row.trialId);
}

describe('one search, two drivers: `tandem search` and the workflow (`tandem run`) agree', () => {
  let dir: string;
  let configFile: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-parity-'));
    configFile = path.join(dir, 'tandem.config.json');
    await writeFile(configFile, JSON.stringify(tinyWorkflowConfig()));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('same seed and tiny config: the same trials with the same sampled parameters, metrics, ranking and winner', async () => {
    const { config } = await loadConfig(configFile);
    const backend = await selectBackend();
    // One rung (random search): the baseline, the default recipe, the linear model and two sampled trials. Both drivers train each trial with the trial
    // entrypoint their workers run (here in this process, one at a time, to keep the test fast; `tandem search` and
    // `tandem run` start a `tandem trial` process per trial instead), on the same backend.
    const overrides = { strategy: 'random', trials: 2, parallel: 1, seed: 11 } as const;
    const train = async (store: FileStore, spec: TrialSpec): Promise<void> => {
      await runTrial(store, spec, { backend });
    };

    // `tandem search`: the CLI's settings and defaults, then runSearch.
    const searchStore = new FileStore(path.join(dir, 'search-store'));
    const { manifest } = await ingestDataset(config, searchStore);
    const searched = await runSearch({
      store: searchStore,
      start: { settings: resolveSearchSettings(config, overrides), defaults: trialDefaultsOf(config, manifest) },
      launch: (spec) => train(searchStore, spec),
    });
    // `tandem run`: the rendered state machine, its Lambda steps, and each Batch trial resolved from its reference.
    const runStore = new FileStore(path.join(dir, 'run-store'));
    const ran = await runWorkflowLocally({ store: runStore, input: { config, overrides }, maxConcurrency: 1, launchTrial: (spec) => train(runStore, spec) });
    const local = await readRun(searchStore.root, searched.run.runId);
    const workflow = await readRun(runStore.root, ran.output.runId);

    // The same settings and defaults, but for the parallelism each driver was given and the time budget (none here).
    assert.deepEqual(workflow.run.settings, local.run.settings);
    assert.deepEqual(workflow.run.defaults, local.run.defaults);
    assert.equal(workflow.run.status, 'completed');
    assert.equal(local.run.status, 'completed');

    // The same trials, each with the same draw and the same model parameters.
    assert.deepEqual(workflow.leaderboard.map((row) => row.trialId), ['t000', 't001', 't002', 't003', 't004']);
    assert.deepEqual(workflow.leaderboard.map((row) => row.trialId), local.leaderboard.map((row) => row.trialId));
    for (const [index, row] of workflow.leaderboard.entries()) {
      const twin = local.leaderboard[index] as LeaderboardRow;
      assert.deepEqual(row.sample, twin.sample, `${row.trialId}: sampled parameters`);
      assert.deepEqual(row.config, twin.config, `${row.trialId}: model parameters`);
      assert.equal(row.baseline, twin.baseline);
      assert.equal(row.status, twin.status);
      assert.equal(row.epochs, twin.epochs);
      assert.equal(row.attempts, twin.attempts);
    }
    assert.notDeepEqual(local.leaderboard[1]?.sample, local.leaderboard[2]?.sample, 'two different draws');

    // Training is seeded by the trial's parameters and runs on the same backend: the same metrics, hence the same
    // ranking, winner and Pareto front.
    for (const [index, row] of workflow.leaderboard.entries()) assert.deepEqual(row.metrics, local.leaderboard[index]?.metrics, `${row.trialId}: metrics`);
    assert.deepEqual(searched.leaderboard, local.leaderboard, 'runSearch returns what it wrote');
    assert.deepEqual(ranking(workflow.leaderboard), ranking(local.leaderboard));
    assert.equal(workflow.run.bestTrialId, local.run.bestTrialId);
    assert.equal(workflow.run.baselineTrialId, local.run.baselineTrialId);
    assert.deepEqual(workflow.run.paretoFront, local.run.paretoFront);
    assert.equal(workflow.run.totalEpochs, local.run.totalEpochs);

    // The same trial log, but for timestamps and the order of events (parallel workers finish in any order).
    const shape = (events: readonly TrialLogEvent[]): string[] => events.map(({ at: _at, ...event }) => JSON.stringify(event)).sort();
    assert.deepEqual(shape(workflow.events), shape(local.events));
  });
});
