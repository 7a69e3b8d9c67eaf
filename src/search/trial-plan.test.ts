import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/load-config.ts';
import type { LeaderboardRow } from './run-record.ts';
import { createSearchSampler } from './search-sampler.ts';
import { resolveSearchSettings, trialDefaultsOf } from './search-settings.ts';
import { createStoredRun, type StoredRun } from './stored-run.ts';
import { sampleToFeaturesConfig } from './sample-to-features-config.ts';
import { countSampledTrials, planNewTrial, samplerHistory } from './trial-plan.ts';

function runOf(search: Record<string, unknown>): StoredRun {
  const config = parseConfig(
    { data: { path: 'x.csv' }, tasks: [{ name: 'churn', type: 'binary', label: { column: 'churn' } }, { name: 'buy', type: 'binary', label: { column: 'buy' } }], model: { dropout: 0.2, epochs: 30 }, features: { bins: 12 }, search },
    'test',
  );
  return createStoredRun(resolveSearchSettings(config, {}, { defaultParallel: 1 }), trialDefaultsOf(config, { datasetId: 'd1', tasks: config.tasks }), new Date('2026-12-06T00:00:00Z'));
}

/** Plans `count` trials in a row, each recorded with a score as if it had run. */
function plan(run: StoredRun, count: number): LeaderboardRow[] {
  const rows: LeaderboardRow[] = [];
  const sampler = createSearchSampler(run.settings, 0);
  for (let i = 0; i < count; i++) {
    const { row, job } = planNewTrial(run, rows, sampler);
    rows.push({ ...row, rungScores: [0.5 + i / 100], job } as LeaderboardRow);
  }
  return rows;
}

describe('planNewTrial: the fixed trials', () => {
  it('the baseline, then the config\'s own recipe and the linear model with all their epochs on the top rung, then sampled trials', () => {
    const run = runOf({ strategy: 'asha', trials: 3 });
    const rows = plan(run, 6);
    const [baseline, recipe, linear, first] = rows as [LeaderboardRow, LeaderboardRow, LeaderboardRow, LeaderboardRow];
    assert.equal(baseline.baseline, true);
    assert.equal(baseline.config.arch, 'single');
    assert.equal(recipe.trialId, 't001');
    assert.equal(recipe.defaultRecipe, true);
    assert.equal(recipe.baseline, false);
    assert.deepEqual(recipe.sample, {});
    assert.deepEqual(recipe.config, run.defaults.params, 'exactly the config\'s model section: what tandem train trains');
    const top = run.rungs.length - 1;
    assert.deepEqual((recipe as LeaderboardRow & { job: unknown }).job, { trialId: 't001', rung: top, untilEpoch: 30 });
    assert.equal(linear.trialId, 't002');
    assert.equal(linear.linear, true);
    assert.deepEqual({ arch: linear.config.arch, sharedUnits: linear.config.sharedUnits, towerUnits: linear.config.towerUnits, dropout: linear.config.dropout }, { arch: 'single', sharedUnits: [], towerUnits: [], dropout: 0 });
    assert.deepEqual([linear.config.epochs, linear.config.patience, linear.config.learningRate], [150, 20, run.defaults.params.learningRate], 'trained to convergence; the rest of the config\'s model section');
    assert.deepEqual((linear as LeaderboardRow & { job: unknown }).job, { trialId: 't002', rung: top, untilEpoch: 150 });
    const features = sampleToFeaturesConfig(linear.sample, run.defaults.features);
    assert.deepEqual([features.numericEncoding, features.categoricalEmbedding, features.treeLeaves, features.bins], ['standard', null, 0, 12], 'inputs a linear model reads best; the rest as configured');
    assert.equal(first.defaultRecipe, undefined);
    assert.equal(first.linear, undefined);
    assert.equal(first.config.epochs, run.settings.asha.maxEpochs, 'a sampled ASHA trial gets maxEpochs');
    assert.equal((first as LeaderboardRow & { job: { rung: number } }).job.rung, 0);
    assert.equal(countSampledTrials(rows), 3);
    assert.deepEqual(samplerHistory(rows).map((trial) => trial.sample), rows.slice(3).map((row) => row.sample), 'the sampler learns from sampled trials only');
  });

  it('every trial trains one copy: the config\'s ensembleSeeds and bagFolds (train only) are 1 in its params', () => {
    const config = parseConfig(
      { data: { path: 'x.csv' }, tasks: [{ name: 'churn', type: 'binary', label: { column: 'churn' } }], model: { ensembleSeeds: 3, bagFolds: 5 }, search: { trials: 2 } },
      'test',
    );
    const run = createStoredRun(resolveSearchSettings(config, {}, { defaultParallel: 1 }), trialDefaultsOf(config, { datasetId: 'd1', tasks: config.tasks }), new Date('2026-12-06T00:00:00Z'));
    for (const row of plan(run, 5)) assert.deepEqual([row.trialId, row.config.ensembleSeeds, row.config.bagFolds], [row.trialId, 1, 1]);
  });

  it('search.defaultTrial / linearTrial false leave those out; sampled trials draw the same either way', () => {
    const withBoth = plan(runOf({ trials: 2 }), 5);
    const withoutRecipe = plan(runOf({ trials: 2, defaultTrial: false }), 4);
    const withoutLinear = plan(runOf({ trials: 2, linearTrial: false }), 4);
    assert.ok(!withoutRecipe.some((row) => row.defaultRecipe === true));
    assert.ok(!withoutLinear.some((row) => row.linear === true));
    assert.deepEqual(withoutRecipe.slice(2).map((row) => row.sample), withBoth.slice(3).map((row) => row.sample));
    assert.deepEqual(withoutLinear.slice(2).map((row) => row.sample), withBoth.slice(3).map((row) => row.sample));
  });
});
