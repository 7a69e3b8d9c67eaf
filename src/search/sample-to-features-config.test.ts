import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { featuresSchema, modelSchema } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { createRandomSampler } from './samplers/random-sampler.ts';
import { sampleToFeaturesConfig } from './sample-to-features-config.ts';
import { sampleToModelConfig } from './sample-to-model-config.ts';
import { defaultSearchSpace, resolveSearchSpace } from './search-space.ts';
import type { StoredRun } from './stored-run.ts';
import { trialSpecOf } from './trial-spec.ts';

const base = featuresSchema.parse({ maxCategories: 20 });

describe('feature search dimensions', () => {
  it('are in the default space: numeric encoding and embedding width (null = one-hot)', () => {
    const space = defaultSearchSpace(['a', 'b']);
    assert.deepEqual(space['features.numericEncoding'], { type: 'categorical', choices: ['standard', 'quantile', 'ple'] });
    assert.deepEqual(space['features.categoricalEmbedding'], { type: 'categorical', choices: [null, 4, 8, 16] });
    // features.bins is not searched by default but may be added, e.g. only when ple is drawn.
    const custom = resolveSearchSpace({ 'features.bins': { type: 'categorical', choices: [8, 32], when: { param: 'features.numericEncoding', in: ['ple'] } } }, ['a']);
    assert.equal(custom['features.bins']?.type, 'categorical');
  });

  it('set the trial features section and leave the model config alone', () => {
    const sample = { arch: 'mmoe', 'features.numericEncoding': 'ple', 'features.bins': 8, 'features.categoricalEmbedding': 4 };
    assert.deepEqual(sampleToFeaturesConfig(sample, base), { ...base, numericEncoding: 'ple', bins: 8, categoricalEmbedding: 4 });
    assert.deepEqual(sampleToFeaturesConfig({ arch: 'single' }, base), base);
    const model = sampleToModelConfig(sample, modelSchema.parse({}), ['a']);
    assert.equal(model.arch, 'mmoe');
    assert.ok(!('features' in model));
  });

  it('name the search parameter when a value is no valid features setting', () => {
    assert.throws(
      () => sampleToFeaturesConfig({ 'features.numericEncoding': 'log' }, base),
      (error: unknown) => error instanceof BadInputError && /search\.space\.features\.numericEncoding/.test(error.message),
    );
  });

  it('flow from each sampled row into its trial spec, so a trial is fitted with its own encoding', () => {
    const space = resolveSearchSpace({ 'features.numericEncoding': { type: 'categorical', choices: ['quantile', 'ple'] } }, ['a']);
    const sampler = createRandomSampler(5);
    const run = { runId: 'r1', defaults: { datasetId: 'd1', name: 'n', tasks: [], params: modelSchema.parse({}), features: base, selection: {} } } as unknown as StoredRun;
    const encodings = Array.from({ length: 12 }, (_, i) => {
      const sample = sampler.sample(space, []);
      const row = { trialId: `t${i}`, sample, config: sampleToModelConfig(sample, run.defaults.params, ['a']) } as unknown as Parameters<typeof trialSpecOf>[1];
      const spec = trialSpecOf(run, row, 3);
      assert.equal(spec.features.numericEncoding, sample['features.numericEncoding']);
      assert.equal(spec.features.categoricalEmbedding, sample['features.categoricalEmbedding']);
      assert.equal(spec.features.maxCategories, 20, 'the rest of the features section is the run default');
      return spec.features.numericEncoding;
    });
    assert.deepEqual(new Set(encodings), new Set(['quantile', 'ple']));
  });
});

describe('sampleToFeaturesConfig on a run stored before the encodings', () => {
  it('fills the new settings with their defaults', () => {
    const old = { maxCategories: 50, minCategoryCount: 2, maxNonNumericShare: 0.01 } as unknown as Parameters<typeof sampleToFeaturesConfig>[1];
    assert.deepEqual(sampleToFeaturesConfig({ arch: 'single' }, old), featuresSchema.parse({}));
  });
});
