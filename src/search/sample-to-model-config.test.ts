import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelSchema } from '../config/schema.ts';
import { sampleToModelConfig } from './sample-to-model-config.ts';
import { createRandomSampler } from './samplers/random-sampler.ts';
import { resolveSearchSpace, type Sample } from './search-space.ts';
import { catchBadInput } from '../../test/helpers/catch-bad-input.ts';

const tasks = ['churn', 'security_xsell', 'spend'];
const base = modelSchema.parse({ taskWeights: { aux: 0.5 }, patience: 3 });

function detailPaths(call: () => unknown): string[] {
  return catchBadInput(call).details.map((d) => d.path);
}

describe('sampleToModelConfig', () => {
  void it("sets an architecture's or strategy's own argument from its section.field parameter", () => {
    const config = sampleToModelConfig({ arch: 'mmoe', 'mmoe.experts': 6, weighting: 'gradnorm', 'gradnorm.alpha': 0.75 }, base, tasks);
    assert.equal(config.mmoe.experts, 6);
    assert.equal(config.gradnorm.alpha, 0.75);
    assert.equal(config.gradnorm.learningRate, base.gradnorm.learningRate);
    assert.deepEqual(config.ple, base.ple);
    assert.deepEqual(detailPaths(() => sampleToModelConfig({ 'mmoe.experts': 0 }, base, tasks)), ['search.space.mmoe.experts']);
    assert.match(catchBadInput(() => sampleToModelConfig({ 'mmoe.experts': 0 }, base, tasks)).message, /model\.mmoe\.experts 0/);
    assert.deepEqual(detailPaths(() => sampleToModelConfig({ 'mmoe.gates': 2 }, base, tasks)), ['search.space.mmoe.gates']);
  });

  void it('turns widths × depths into layer lists and copies the other settings', () => {
    const sample: Sample = {
      arch: 'single',
      weighting: 'fixed',
      sharedWidth: 64,
      sharedDepth: 3,
      towerWidth: 16,
      towerDepth: 0,
      dropout: 0.25,
      l2: 3e-5,
      learningRate: 2e-3,
      batchSize: 128,
      epochs: 25,
    };
    const config = sampleToModelConfig(sample, base, tasks);
    assert.deepEqual(config.sharedUnits, [64, 64, 64]);
    assert.deepEqual(config.towerUnits, []);
    assert.equal(config.arch, 'single');
    assert.equal(config.dropout, 0.25);
    assert.equal(config.l2, 3e-5);
    assert.equal(config.learningRate, 2e-3);
    assert.equal(config.batchSize, 128);
    assert.equal(config.epochs, 25);
    assert.equal(config.patience, 3, 'settings that are not searched keep base');
    assert.deepEqual(config.taskWeights, { aux: 0.5 }, 'no taskWeights in the sample: base kept');
  });

  void it('scales simplex weights so they sum to the number of weighted tasks (centre = 1 each)', () => {
    const centre = sampleToModelConfig({ taskWeights: { churn: 1 / 3, security_xsell: 1 / 3, spend: 1 / 3 } }, base, tasks);
    for (const task of tasks) assert.ok(Math.abs((centre.taskWeights[task] ?? NaN) - 1) < 1e-12);
    assert.equal(centre.taskWeights.aux, 0.5, 'a task outside the simplex keeps its base weight');
    const skewed = sampleToModelConfig({ taskWeights: { churn: 0.5, security_xsell: 0.3, spend: 0.2 } }, base, tasks);
    assert.ok(Math.abs((skewed.taskWeights.churn ?? NaN) - 1.5) < 1e-12);
    assert.ok(Math.abs((skewed.taskWeights.spend ?? NaN) - 0.6) < 1e-12);
  });

  void it('takes the missing half of a width × depth pair from base', () => {
    assert.deepEqual(sampleToModelConfig({ sharedDepth: 3 }, base, tasks).sharedUnits, [128, 128, 128]);
    assert.deepEqual(sampleToModelConfig({ towerWidth: 8 }, base, tasks).towerUnits, [8]);
  });

  void it('gives a config that passes modelSchema for random samples of the default and an extended space', () => {
    const space = resolveSearchSpace({ activation: { type: 'categorical', choices: ['relu', 'tanh'] }, patience: { type: 'int', low: 2, high: 8 } }, tasks);
    const sampler = createRandomSampler(7);
    for (let i = 0; i < 200; i++) {
      const sample = sampler.sample(space, []);
      const config = sampleToModelConfig(sample, base, tasks);
      assert.deepEqual(modelSchema.parse(config), config);
      assert.equal(config.sharedUnits.length, sample.sharedDepth);
      assert.equal(config.activation, sample.activation);
      if (sample.weighting === 'fixed') {
        const total = tasks.reduce((sum, task) => sum + (config.taskWeights[task] ?? NaN), 0);
        assert.ok(Math.abs(total - tasks.length) < 1e-9);
      }
    }
  });

  void it('names the search parameter behind an invalid model setting', () => {
    assert.deepEqual(detailPaths(() => sampleToModelConfig({ dropout: 1.5 }, base, tasks)), ['search.space.dropout']);
    assert.deepEqual(detailPaths(() => sampleToModelConfig({ sharedWidth: 0, sharedDepth: 2 }, base, tasks)), ['search.space.sharedWidth + search.space.sharedDepth']);
    assert.deepEqual(detailPaths(() => sampleToModelConfig({ arch: 'transformer' }, base, tasks)), ['search.space.arch']);
    assert.deepEqual(detailPaths(() => sampleToModelConfig({ momentum: 0.9 }, base, tasks)), ['search.space.momentum']);
    assert.deepEqual(detailPaths(() => sampleToModelConfig({ taskWeights: { churn: 0.5, nope: 0.5 } }, base, tasks)), ['search.space.taskWeights']);
    assert.deepEqual(detailPaths(() => sampleToModelConfig({ taskWeights: { churn: 0, spend: 0 } }, base, tasks)), ['search.space.taskWeights']);
  });
});
