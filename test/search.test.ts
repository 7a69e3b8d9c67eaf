import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTableConfig } from '../src/config/load-config.ts';
import { ingestTable } from '../src/data/ingest-table.ts';
import type { LeaderboardRow } from '../src/search/run-record.ts';
import { runSearch } from '../src/search/run-search.ts';
import { resolveSearchSpace } from '../src/search/search-space.ts';
import type { SearchSettings, StoredRun, TrialLogEvent } from '../src/search/stored-run.ts';
import { ensembleTrialId } from '../src/search/search-ensemble.ts';
import { runTrialProcess } from '../src/search/trial-process.ts';
import { FileStore } from '../src/store/file-store.ts';
import { trialWorkerCommand } from '../cli/trial-worker-command.ts';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';
import { tinyConfigFile } from './helpers/train-tiny-model.ts';

const root = path.resolve(import.meta.dirname, '..');

describe('tandem search', () => {
  let dir: string;
  let resumedRunId: string | undefined;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-search-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('ASHA: a worker killed with SIGKILL mid-trial is recorded as failed and retried; the search completes with a winner and Δm', async () => {
    const store = new FileStore(path.join(dir, 'asha'));
    const { config } = await loadTableConfig(tinyConfigFile);
    const { manifest } = await ingestTable(config, store);
    const settings: SearchSettings = {
      strategy: 'asha',
      trials: 4,
      parallel: 2,
      seed: 3,
      startupTrials: 2,
      asha: { eta: 2, minEpochs: 2, maxEpochs: 4 },
      space: resolveSearchSpace(undefined, ['churn', 'security_xsell', 'spend']),
    };
    let killed = false;
    const { run, leaderboard } = await runSearch({
      store,
      start: { settings, defaults: { name: 'fixture', datasetId: manifest.datasetId, tasks: manifest.tasks, params: config.model, features: config.features, selection: config.selection } },
      launch: (spec, onStart) => runTrialProcess(spec, trialWorkerCommand(store.uri, undefined), onStart),
      onLaunch: (trialId, pid) => {
        if (trialId === 't001' && !killed) {
          killed = true;
          process.kill(pid, 'SIGKILL');
        }
      },
    });
    assert.equal(run.status, 'completed');
    assert.deepEqual(run.rungs, [2, 4]);
    const log = JSON.parse(await readFile(path.join(dir, 'asha', 'runs', run.runId, 'trial-log.json'), 'utf8')) as TrialLogEvent[];
    const killedEvent = log.find((event) => event.trialId === 't001' && event.event === 'failed');
    assert.match(killedEvent?.error ?? '', /SIGKILL/);
    const t001 = leaderboard.find((row) => row.trialId === 't001') as LeaderboardRow;
    assert.ok(t001.attempts >= 2, 'retried');
    assert.notEqual(t001.status, 'failed');
    assert.ok(leaderboard.some((row) => row.status === 'completed' && !row.baseline), 'at least one trial trained to the top rung');
    assert.ok(leaderboard.every((row) => ['completed', 'pruned', 'failed'].includes(row.status)));
    const baseline = leaderboard.find((row) => row.baseline) as LeaderboardRow;
    assert.equal(baseline.config.arch, 'single');
    assert.equal(baseline.metrics?.test.deltaM, 0);
    const best = leaderboard.find((row) => row.trialId === run.bestTrialId) as LeaderboardRow;
    assert.equal(best.status, 'completed');
    assert.ok(best.modelId !== null);
    assert.equal(best.taskWeightHistory?.length, best.epochs, 'the winner carries its task weights, one entry per epoch');
    assert.ok(best.diagnostics !== undefined && typeof best.diagnostics.labelCorrelation === 'object');
    for (const row of leaderboard) assert.ok(Array.isArray(row.taskWeightHistory), `${row.trialId} carries taskWeightHistory`);
    for (const row of leaderboard) {
      if (row.status === 'completed') assert.ok((row.metrics?.validation.combinedScore ?? -1) <= (best.metrics?.validation.combinedScore ?? -1));
    }
    assert.ok(run.paretoFront.length >= 1);
  });

  it('search.ensembleFolds: the closing trains its fold copies as trial workers, as many at once as trials', async () => {
    const store = new FileStore(path.join(dir, 'folds'));
    const { config } = await loadTableConfig(tinyConfigFile);
    const { manifest } = await ingestTable(config, store);
    const settings: SearchSettings = {
      strategy: 'random',
      trials: 2,
      parallel: 2,
      seed: 7,
      startupTrials: 2,
      asha: { eta: 2, minEpochs: 2, maxEpochs: 4 },
      space: resolveSearchSpace(undefined, ['churn', 'security_xsell', 'spend']),
      ensembleTopK: 4,
      ensembleFolds: 2,
    };
    const copies: string[] = [];
    let running = 0;
    let most = 0;
    const { run } = await runSearch({
      store,
      start: { settings, defaults: { name: 'fixture', datasetId: manifest.datasetId, tasks: manifest.tasks, params: { ...config.model, epochs: 3 }, features: config.features, selection: config.selection } },
      launch: async (spec, onStart) => {
        if (spec.fold === undefined) return runTrialProcess(spec, trialWorkerCommand(store.uri, undefined), onStart);
        copies.push(`${spec.trialId}/${String(spec.fold.index)}`);
        most = Math.max(most, ++running);
        try {
          await runTrialProcess(spec, trialWorkerCommand(store.uri, undefined), onStart);
        } finally {
          running--;
        }
      },
    });
    assert.equal(run.status, 'completed');
    const trials = [...new Set(copies.map((copy) => copy.split('/')[0]))];
    assert.ok(trials.length >= 2, `the shortlist's trials were re-trained: ${copies.join(', ')}`);
    assert.deepEqual([...copies].sort(), trials.flatMap((trial) => [`${trial}/0`, `${trial}/1`]).sort(), 'two fold copies of each, once');
    assert.equal(most, 2, 'two copies trained at once, as the search ran two trials at once');
    assert.equal(run.ensemble?.folds, 2);
    for (const trial of trials) {
      const predictions = JSON.parse(await readFile(path.join(dir, 'folds', 'runs', run.runId, 'trials', trial as string, 'folds-2', '1', 'predictions.json'), 'utf8')) as { rows: number; outputs: Record<string, number[]> };
      assert.ok(predictions.rows > 0 && (predictions.outputs.churn?.length ?? 0) === predictions.rows, 'the copy predicted its fold');
    }
  });

  it('a search killed with SIGKILL resumes with --resume without retraining the trials that had finished', async () => {
    const storeDir = path.join(dir, 'resume');
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), path.join(root, 'bin/tandem.ts'), 'search', '--config', tinyConfigFile, '--store', storeDir, '--strategy', 'random', '--trials', '5', '--parallel', '1', '--seed', '5'],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Kill the whole search once two trials have finished.
    let runId: string | undefined;
    let finishedBefore: string[] = [];
    for (let waited = 0; waited < 120_000 && finishedBefore.length < 2; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const runs = await import('node:fs/promises').then((fs) => fs.readdir(path.join(storeDir, 'runs')).catch(() => [] as string[]));
      runId = runs[0];
      if (runId === undefined) continue;
      const log = await readFile(path.join(storeDir, 'runs', runId, 'trial-log.json'), 'utf8').then((text) => JSON.parse(text) as TrialLogEvent[]).catch(() => []);
      finishedBefore = log.filter((event) => event.event === 'finished').map((event) => event.trialId);
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(runId !== undefined && finishedBefore.length >= 2, 'two trials finished before the kill');
    const killedAt = new Date().toISOString();
    const logBefore = JSON.parse(await readFile(path.join(storeDir, 'runs', runId, 'trial-log.json'), 'utf8')) as TrialLogEvent[];

    const resumed = await runCliInProcess(['search', '--store', storeDir, '--resume', runId, '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    // The closing's ensembles are scored in this process: on the backend the trials use, never TensorFlow.js's plain-JS default.
    assert.match(resumed.stderr.split('\n')[1] ?? '', /^search closing: TensorFlow\.js \S+ backend (wasm|tensorflow)\b/);
    const result = JSON.parse(resumed.stdout) as { runId: string; leaderboard: LeaderboardRow[]; bestTrialId: string | null; status: string };
    assert.equal(result.runId, runId);
    assert.equal(result.status, 'completed');
    assert.equal(result.leaderboard.length, 8, 'the baseline, the default recipe, the linear model and the 5 trials');
    assert.ok(result.leaderboard.every((row) => row.status === 'completed'));
    const log = JSON.parse(await readFile(path.join(storeDir, 'runs', runId, 'trial-log.json'), 'utf8')) as TrialLogEvent[];
    assert.deepEqual(log.slice(0, logBefore.length), logBefore, 'the log is only appended to');
    const relaunched = log.filter((event) => event.at >= killedAt && event.event === 'launched').map((event) => event.trialId);
    for (const trialId of finishedBefore) assert.ok(!relaunched.includes(trialId), `${trialId} finished before the kill and was not trained again`);
    const run = JSON.parse(await readFile(path.join(storeDir, 'runs', runId, 'run.json'), 'utf8')) as StoredRun;
    assert.equal(run.bestTrialId, result.bestTrialId);
    resumedRunId = runId;
  });

  it('a search killed after writing a new trial to the leaderboard but before its launch reached the log trains that trial on --resume', async () => {
    assert.ok(resumedRunId !== undefined, 'the previous test left a run');
    const folder = path.join(dir, 'resume', 'runs', resumedRunId);
    // The state a SIGKILL between the leaderboard write and the trial-log write leaves (SPEC §8 write order).
    const { last, result } = await resumeWithLastRowAs(path.join(dir, 'resume'), resumedRunId, (row) => ({
      ...row,
      status: 'running',
      metrics: null,
      epochs: 0,
      rung: -1,
      rungScores: [],
      modelId: null,
      attempts: 1,
    }));
    const row = result.leaderboard.find((candidate) => candidate.trialId === last.trialId) as LeaderboardRow;
    assert.equal(row.status, 'completed', `${last.trialId} was trained on resume`);
    assert.equal(row.epochs, last.epochs);
    const relog = JSON.parse(await readFile(path.join(folder, 'trial-log.json'), 'utf8')) as TrialLogEvent[];
    assert.deepEqual(
      relog.filter((event) => event.trialId === last.trialId).map((event) => event.event),
      ['launched', 'finished'],
    );
  });

  it('a finished run holding a kept ensemble row resumes as its trials alone: the row is neither counted nor kept', async () => {
    assert.ok(resumedRunId !== undefined, 'the first resume test left a run');
    // The last trial never started (gone from leaderboard and log), and a closing's `ensemble` row stands in its place.
    const { before, last, result } = await resumeWithLastRowAs(path.join(dir, 'resume'), resumedRunId, (_, leaderboard) => ({
      ...(leaderboard[0] as LeaderboardRow),
      trialId: ensembleTrialId,
      sample: {},
    }));
    const ids = before.map((row) => row.trialId);
    assert.deepEqual(result.leaderboard.map((row) => row.trialId), ids, `${last.trialId} planned again, nothing counted in its place`);
    assert.ok(result.leaderboard.every((row) => row.status === 'completed'));
  });

  it('a finished run closes again with --ensemble-top-k on --resume: no trial retrained, the setting stored with the run', async () => {
    assert.ok(resumedRunId !== undefined, 'the first resume test left a run');
    const storeDir = path.join(dir, 'resume');
    const folder = path.join(storeDir, 'runs', resumedRunId);
    const runBefore = await readFile(path.join(folder, 'run.json'), 'utf8');
    // Folds without an ensemble: refused before anything is written.
    const refused = await runCliInProcess(['search', '--store', storeDir, '--resume', resumedRunId, '--ensemble-folds', '2']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /--ensemble-folds 2 needs an ensemble to judge out of fold: set --ensemble-top-k/);
    assert.equal(await readFile(path.join(folder, 'run.json'), 'utf8'), runBefore);

    const logBefore = JSON.parse(await readFile(path.join(folder, 'trial-log.json'), 'utf8')) as TrialLogEvent[];
    const closed = await runCliInProcess(['search', '--store', storeDir, '--resume', resumedRunId, '--ensemble-top-k', '3', '--json']);
    assert.equal(closed.code, 0, closed.stderr);
    assert.match(closed.stderr.split('\n')[0] ?? '', /; closing with an ensemble of up to 3 trials$/);
    const log = JSON.parse(await readFile(path.join(folder, 'trial-log.json'), 'utf8')) as TrialLogEvent[];
    assert.equal(log.filter((event) => event.event === 'launched').length, logBefore.filter((event) => event.event === 'launched').length, 'no trial launched');
    const run = JSON.parse(await readFile(path.join(folder, 'run.json'), 'utf8')) as StoredRun;
    assert.equal(run.settings.ensembleTopK, 3);
    assert.ok(run.ensemble !== undefined, 'the closing tried an ensemble');
    assert.ok(run.ensemble.members.length <= 3);
  });
});

/**
 * Leaves a finished run as a stopped search would have: the leaderboard's last row replaced by `replace(last,
 * leaderboard)`, that trial's events gone from the log, the run `running`; then resumes it with the CLI.
 */
async function resumeWithLastRowAs(
  storeDir: string,
  runId: string,
  replace: (last: LeaderboardRow, leaderboard: readonly LeaderboardRow[]) => LeaderboardRow,
): Promise<{ before: LeaderboardRow[]; last: LeaderboardRow; result: { leaderboard: LeaderboardRow[] } }> {
  const folder = path.join(storeDir, 'runs', runId);
  const before = JSON.parse(await readFile(path.join(folder, 'leaderboard.json'), 'utf8')) as LeaderboardRow[];
  const last = before.at(-1) as LeaderboardRow;
  await writeFile(path.join(folder, 'leaderboard.json'), JSON.stringify([...before.slice(0, -1), replace(last, before)]));
  const log = JSON.parse(await readFile(path.join(folder, 'trial-log.json'), 'utf8')) as TrialLogEvent[];
  await writeFile(path.join(folder, 'trial-log.json'), JSON.stringify(log.filter((event) => event.trialId !== last.trialId)));
  const run = JSON.parse(await readFile(path.join(folder, 'run.json'), 'utf8')) as StoredRun;
  await writeFile(path.join(folder, 'run.json'), JSON.stringify({ ...run, status: 'running' }));
  const resumed = await runCliInProcess(['search', '--store', storeDir, '--resume', runId, '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  return { before, last, result: JSON.parse(resumed.stdout) as { leaderboard: LeaderboardRow[] } };
}
