import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { featuresSchema } from '../src/config/schema.ts';
import { catchBadInput } from '../test/helpers/catch-bad-input.ts';
import { resolveFeaturesConfig } from './feature-flags.ts';

const base = featuresSchema.parse({ maxCategories: 10, numericEncoding: 'quantile', categoricalEmbedding: 8 });

describe('feature flags', () => {
  it('override the config features section and keep the rest', () => {
    assert.deepEqual(resolveFeaturesConfig(base, { 'numeric-encoding': 'ple', bins: '8', 'categorical-embedding': 'none' }), {
      ...base,
      numericEncoding: 'ple',
      bins: 8,
      categoricalEmbedding: null,
    });
    assert.equal(resolveFeaturesConfig(featuresSchema.parse({}), { 'categorical-embedding': '4' }).categoricalEmbedding, 4);
    assert.deepEqual(resolveFeaturesConfig(base, { 'tree-leaves': '0', 'tree-depth': '2' }), { ...base, treeLeaves: 0, treeDepth: 2 });
    assert.deepEqual(resolveFeaturesConfig(base, { 'tree-scores': 'no' }), { ...base, treeScores: false });
    assert.deepEqual(resolveFeaturesConfig({ ...base, treeScores: false }, { 'tree-scores': 'Yes' }), { ...base, treeScores: true });
    assert.deepEqual(resolveFeaturesConfig(base, { 'tree-max-leaves': '31', 'tree-leaf-inputs': 'no' }), { ...base, treeMaxLeaves: 31, treeLeafInputs: false });
    assert.deepEqual(resolveFeaturesConfig(base, { 'tree-max-leaves': 'none' }), { ...base, treeMaxLeaves: null });
    assert.deepEqual(resolveFeaturesConfig(base, {}), base);
  });

  it('name the flag of a bad value', () => {
    assert.match(catchBadInput(() => resolveFeaturesConfig(base, { 'numeric-encoding': 'log' })).message, /^--numeric-encoding: /);
    assert.match(catchBadInput(() => resolveFeaturesConfig(base, { 'categorical-embedding': 'wide' })).message, /^--categorical-embedding: /);
    assert.match(catchBadInput(() => resolveFeaturesConfig(base, { bins: '1' })).message, /^--bins: /);
    assert.match(catchBadInput(() => resolveFeaturesConfig(base, { 'tree-leaves': '-1' })).message, /^--tree-leaves: /);
    assert.match(catchBadInput(() => resolveFeaturesConfig(base, { 'tree-depth': '9' })).message, /^--tree-depth: /);
    assert.match(catchBadInput(() => resolveFeaturesConfig(base, { 'tree-scores': 'maybe' })).message, /^--tree-scores: /);
    assert.match(catchBadInput(() => resolveFeaturesConfig(base, { 'tree-max-leaves': '1' })).message, /^--tree-max-leaves: /);
    // Neither leaves nor scores: the trees would give nothing.
    assert.match(catchBadInput(() => resolveFeaturesConfig(base, { 'tree-leaf-inputs': 'no', 'tree-scores': 'no' })).message, /^--tree-leaf-inputs: .*treeScores/);
  });
});
