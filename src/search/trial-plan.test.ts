import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/load-config.ts';
import type { LeaderboardRow } from './run-record.ts';
import { createSearchSampler } from './search-sampler.ts';
import { resolveSearchSettings, trialDefaultsOf } from './search-settings.ts';
import { createStoredRun, type StoredRun } from './stored-run.ts';
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
  it('the baseline, then the config\'s own recipe with all its epochs on the top rung, then sampled trials', () => {
    const run = runOf({ strategy: 'asha', trials: 3 });
    const rows = plan(run, 5);
    const [baseline, recipe, first] = rows as [LeaderboardRow, LeaderboardRow, LeaderboardRow];
    assert.equal(baseline.baseline, true);
    assert.equal(baseline.config.arch, 'single');
    assert.equal(recipe.trialId, 't001');
    assert.equal(recipe.defaultRecipe, true);
    assert.equal(recipe.baseline, false);
    assert.deepEqual(recipe.sample, {});
    assert.deepEqual(recipe.config, run.defaults.params, 'exactly the config\'s model section: what tandem train trains');
    const top = run.rungs.length - 1;
    assert.deepEqual((recipe as LeaderboardRow & { job: unknown }).job, { trialId: 't001', rung: top, untilEpoch: 30 });
    assert.equal(first.defaultRecipe, undefined);
    assert.equal(first.config.epochs, run.settings.asha.maxEpochs, 'a sampled ASHA trial gets maxEpochs');
    assert.equal((first as LeaderboardRow & { job: { rung: number } }).job.rung, 0);
    assert.equal(countSampledTrials(rows), 3);
    assert.deepEqual(samplerHistory(rows).map((trial) => trial.sample), rows.slice(2).map((row) => row.sample), 'the sampler learns from sampled trials only');
  });

  it('search.defaultTrial false leaves the recipe out; sampled trials draw the same either way', () => {
    const withRecipe = plan(runOf({ trials: 2 }), 4);
    const without = plan(runOf({ trials: 2, defaultTrial: false }), 3);
    assert.ok(!without.some((row) => row.defaultRecipe === true));
    assert.deepEqual(without.slice(1).map((row) => row.sample), withRecipe.slice(2).map((row) => row.sample));
  });
});
