import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTableConfig } from '../src/config/load-config.ts';
import { loadDataset } from '../src/data/load-dataset.ts';
import { computeAuc } from '../src/metrics/roc-auc.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { readModelCard } from '../src/registry/champion.ts';
import type { LeaderboardRow } from '../src/search/run-record.ts';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../src/model/backend.ts';
import { runTrial } from '../src/search/run-trial.ts';
import { closeSearchWithEnsemble, ensembleTrialId } from '../src/search/search-ensemble.ts';
import { resolveSearchSettings, trialDefaultsOf } from '../src/search/search-settings.ts';
import { createStoredRun, type StoredRun } from '../src/search/stored-run.ts';
import { FileStore } from '../src/store/file-store.ts';
import { readJson } from '../src/store/json-object.ts';
import type { Preprocessor } from '../src/features/preprocessor.ts';
import { selectLabelled, splitLabels } from '../src/train/encoded-split.ts';
import { predictRows } from '../src/train/predict-network.ts';
import { tinyConfigFile, trainTinyModel } from './helpers/train-tiny-model.ts';

describe('search.ensembleTopK', () => {
  let dir: string;
  let store: FileStore;
  let run: StoredRun;
  /** Rows as a finished search leaves them, each a real saved tiny model. */
  const rows: LeaderboardRow[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-search-ensemble-'));
    store = new FileStore(path.join(dir, 'store'));
    const { config } = await loadTableConfig(tinyConfigFile);
    const trials: { seed: number; numericEncoding: 'standard' | 'quantile' }[] = [
      { seed: 1, numericEncoding: 'standard' },
      { seed: 2, numericEncoding: 'standard' },
      { seed: 3, numericEncoding: 'quantile' },
    ];
    for (const [i, trial] of trials.entries()) {
      const result = await trainTinyModel(store, { seed: trial.seed }, { features: { numericEncoding: trial.numericEncoding } });
      const card = await readModelCard(store, result.modelId);
      rows.push({
        trialId: `t${i}`,
        config: card.training.params,
        sample: { 'features.numericEncoding': trial.numericEncoding },
        metrics: result.metrics,
        status: 'completed',
        epochs: result.epochsRun,
        rung: 0,
        rungScores: [],
        modelId: result.modelId,
        attempts: 1,
        baseline: false,
      });
    }
    const { manifest } = await loadDataset(store, (await readModelCard(store, (rows[0] as LeaderboardRow).modelId as string)).datasetId);
    const settings = resolveSearchSettings({ ...config, search: { ...config.search, ensembleTopK: 3 } }, {}, { defaultParallel: 1 });
    run = createStoredRun(settings, trialDefaultsOf(config, manifest), new Date());
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('averages trials whatever their preprocessor, and selects the ensemble whenever it averages several', async () => {
    const closed = await closeSearchWithEnsemble(store, run, rows, false);
    const ensemble = closed.run.ensemble;
    assert.ok(ensemble !== undefined, 'an ensemble was tried');
    assert.ok(ensemble.members.length >= 1 && ensemble.members.length <= 3);
    // The tiny fixture's selection takes all three; t2 reads rank-Gaussian inputs, the others standard ones.
    assert.ok(ensemble.members.some((member) => member.id === 't2'), 'the quantile-encoded trial is a candidate like any other');
    const winnerOfTrials = [...rows].sort((a, b) => (b.metrics?.validation.combinedScore ?? 0) - (a.metrics?.validation.combinedScore ?? 0))[0];
    assert.equal(ensemble.kept, ensemble.members.length > 1, 'selection that averages several trials is kept');
    if (ensemble.kept) {
      assert.equal(closed.run.bestTrialId, ensembleTrialId);
      const row = closed.leaderboard.find((r) => r.trialId === ensembleTrialId);
      assert.equal(row?.modelId, ensemble.modelId);
      assert.equal(row?.metrics?.validation.combinedScore, ensemble.validationCombinedScore);
      assert.equal((await readModelCard(store, ensemble.modelId as string)).ensemble?.kind, 'trials');
      const preprocessor = await readJson<Preprocessor>(store, `models/${ensemble.modelId}/preprocessor.json`);
      assert.equal(preprocessor.parts?.length, 2, 'one joined preprocessor: the standard and the quantile one');
    } else {
      assert.equal(closed.run.bestTrialId, winnerOfTrials?.trialId);
      assert.equal(ensemble.modelId, undefined);
    }
  });

  it('closing again a run that holds a kept ensemble (a finished search resumed) averages trials only', async () => {
    const first = await closeSearchWithEnsemble(store, run, rows, false);
    const previous = first.leaderboard.find((row) => row.trialId === ensembleTrialId);
    assert.ok(previous !== undefined, 'the tiny fixture keeps an ensemble of its three trials');
    const again = await closeSearchWithEnsemble(store, first.run, first.leaderboard, false);
    assert.ok(again.run.ensemble?.members.every((member) => member.id !== ensembleTrialId), 'the old ensemble is not a member');
    assert.deepEqual(again.run.ensemble?.members.map((member) => member.id), first.run.ensemble?.members.map((member) => member.id));
    assert.equal(again.leaderboard.filter((row) => row.trialId === ensembleTrialId).length, 1, 'one ensemble row, the new one');
    assert.notEqual(again.run.ensemble?.modelId, previous.modelId);
  });

  it('never selects an average of identical models (it cannot beat its member)', async () => {
    const twin = { ...(rows[0] as LeaderboardRow), trialId: 't0-twin' };
    const closed = await closeSearchWithEnsemble(store, { ...run, settings: { ...run.settings, ensembleTopK: 2 } }, [rows[0] as LeaderboardRow, twin], false);
    assert.equal(closed.run.ensemble?.kept, false);
    assert.ok(closed.run.bestTrialId === 't0' || closed.run.bestTrialId === 't0-twin');
    assert.equal(closed.leaderboard.some((row) => row.trialId === ensembleTrialId), false);
    // Cross-fitted, the same: one distinct trial picked is nothing to re-train.
    const lines: string[] = [];
    const crossFitted = await closeSearchWithEnsemble(store, { ...run, settings: { ...run.settings, ensembleTopK: 2, ensembleFolds: 3 } }, [rows[0] as LeaderboardRow, twin], false, { log: (line) => lines.push(line) });
    assert.equal(crossFitted.run.ensemble?.kept, false);
    assert.deepEqual(lines, [], 'no fold copies trained');
  });

  it('search.ensembleFolds under the search\'s budget: no copy starts after it, and a trial without all its copies is left out', async () => {
    // A clock that moves one minute per copy trained; the budget ends after two copies (one trial's two folds).
    let minutes = 0;
    const now = (): Date => new Date(minutes * 60_000);
    const started: string[] = [];
    const lines: string[] = [];
    const closed = await closeSearchWithEnsemble(store, { ...run, settings: { ...run.settings, ensembleFolds: 2 } }, rows, false, {
      deadline: 2 * 60_000,
      now,
      log: (line) => lines.push(line),
      trainCopy: async (spec) => {
        started.push(`${spec.trialId}/${String(spec.fold.index)}`);
        await runTrial(store, spec, { backend: tf.getBackend() as BackendName });
        minutes++;
      },
    });
    assert.equal(started.length, 2, `two copies started before the budget ended: ${started.join(', ')}`);
    assert.deepEqual(started.map((copy) => copy.split('/')[1]), ['0', '1'], 'both folds of the first trial');
    assert.ok(lines.some((line) => /the search's budget left t\d(, t\d)* without all 2 fold copies/.test(line)), lines.join('\n'));
    // One trial with all its copies is nothing to judge out of fold: the closing on validation answers.
    assert.equal(closed.run.ensemble?.folds, undefined);
  });

  it('search.ensembleFolds: a trial whose fold copy fails twice is left out of the selection, not the search\'s failure', async () => {
    const attempts: string[] = [];
    const lines: string[] = [];
    let broken: string | undefined;
    const closed = await closeSearchWithEnsemble(store, { ...run, settings: { ...run.settings, ensembleFolds: 2 } }, rows, false, {
      log: (line) => lines.push(line),
      trainCopy: async (spec) => {
        attempts.push(`${spec.trialId}/${String(spec.fold.index)}`);
        // The first trial that needs training (the budget test left one trial's copies in the store) always crashes.
        broken ??= spec.trialId;
        if (spec.trialId === broken) throw new Error('worker killed');
        await runTrial(store, spec, { backend: tf.getBackend() as BackendName });
      },
    });
    assert.deepEqual(attempts.filter((copy) => copy.startsWith(`${broken ?? '?'}/`)), [`${broken ?? '?'}/0`, `${broken ?? '?'}/0`], 'tried twice, its other fold never started');
    assert.ok(lines.includes(`ensemble: ${broken ?? '?'} left out: a fold copy failed twice`), lines.join('\n'));
    assert.ok(!(closed.run.ensemble?.members ?? []).some((member) => member.id === broken && closed.run.ensemble?.folds === 2));
  });

  it('search.ensembleFolds 3: re-trains the chosen trials as fold copies, weighs them out of fold, serves their copies', async () => {
    const lines: string[] = [];
    const closed = await closeSearchWithEnsemble(store, { ...run, settings: { ...run.settings, ensembleFolds: 3 } }, rows, false, { log: (line) => lines.push(line) });
    const ensemble = closed.run.ensemble;
    assert.ok(ensemble !== undefined);
    assert.equal(ensemble.folds, 3);
    assert.ok(lines.some((line) => /trial t\d re-trained as 3 fold copies \(1\/\d/.test(line)), lines.join('\n'));
    const plan = /^ensemble: (\d+) fold copies of (\d+) trials to train( \((\d+) already in the store\))?, (under a minute|about \d+ min|about [\d.]+ h) with 1 at a time \(their trials' epochs took (\d+) s\)$/.exec(lines[0] ?? '');
    assert.ok(plan !== null, `the first line says what is to be trained: ${lines.join('\n')}`);
    // No copy with 3 folds is in the store yet (the tests above used 2): all of each shortlisted trial's are to train.
    assert.equal(plan[3], undefined);
    assert.equal(Number(plan[1]), Number(plan[2]) * 3);
    assert.equal(lines.filter((line) => line.includes('re-trained as 3 fold copies')).length, Number(plan[2]), 'one progress line per trial announced');
    assert.ok(ensemble.kept, 'the tiny fixture averages several of its trials');
    assert.equal(closed.run.bestTrialId, ensembleTrialId);
    for (const weights of Object.values(ensemble.weights ?? {})) assert.equal(weights.length, ensemble.members.length, 'one weight per trial');
    const model = await loadModel(store, ensemble.modelId as string);
    try {
      assert.equal(model.card.ensemble?.folds, 3);
      const graphMembers = new Set(model.network.layers.map((layer) => /^m(\d+)_/.exec(layer.name)?.[1]).filter((index) => index !== undefined));
      assert.equal(graphMembers.size, ensemble.members.length * 3, 'each chosen trial served as its three copies');
      // Test metrics are the served graph's; validation metrics the out-of-fold predictions' (each copy trained on
      // two thirds of the validation rows, so the graph's own view of them is in-sample and differs).
      const { splits } = await loadDataset(store, model.card.datasetId);
      const taskNames = model.card.tasks.map((task) => task.name);
      const auc = async (split: 'validation' | 'test'): Promise<number> => {
        const predicted = await predictRows(model.network, splits[split], model.preprocessor, taskNames);
        const labels = splitLabels(splits[split], taskNames).labels;
        const picked = selectLabelled(predicted[taskNames[0] as string] as Float32Array, labels[taskNames[0] as string] as Float32Array);
        return computeAuc(picked.predictions, picked.labels) as number;
      };
      const first = taskNames[0] as string;
      assert.ok(Math.abs((model.card.metrics.test.tasks[first]?.auc ?? Number.NaN) - (await auc('test'))) < 1e-6, 'test AUC of the served average');
      assert.notEqual(model.card.metrics.validation.tasks[first]?.auc, await auc('validation'), 'validation AUC out of fold, not in-sample');
    } finally {
      model.network.dispose();
    }
    // Closed again (a resumed run): every copy is in the store with its predictions, so none trains again and the
    // choice is the same.
    const trained: string[] = [];
    const again = await closeSearchWithEnsemble(store, { ...run, settings: { ...run.settings, ensembleFolds: 3 } }, rows, false, {
      trainCopy: async (spec) => {
        trained.push(`${spec.trialId}/${String(spec.fold.index)}`);
      },
    });
    assert.deepEqual(trained, []);
    assert.deepEqual(again.run.ensemble?.weights, ensemble.weights);
    assert.deepEqual(again.run.ensemble?.members.map((member) => member.id), ensemble.members.map((member) => member.id));
  });

  it('is off by default: the run closes as before', async () => {
    const { ensembleTopK: _, ...settings } = run.settings;
    const closed = await closeSearchWithEnsemble(store, { ...run, settings }, rows, false);
    assert.equal(closed.run.ensemble, undefined);
    assert.equal(closed.leaderboard.length, rows.length);
  });
});
