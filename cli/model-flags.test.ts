import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelSchema } from '../src/config/schema.ts';
import { catchBadInput } from '../test/helpers/catch-bad-input.ts';
import { modelFlags, resolveModelParams } from './model-flags.ts';

const base = modelSchema.parse({ mmoe: { experts: 3 } });

describe('model flags', () => {
  it('offer every architecture and weighting argument as --<section>-<field>', () => {
    for (const flag of ['mmoe-experts', 'ple-levels', 'ple-shared-experts', 'cross-stitch-self-weight', 'adversarial-adversary-weight', 'gradnorm-alpha', 'dwa-temperature', 'dtp-gamma']) {
      assert.ok(modelFlags[flag], flag);
    }
  });

  it('set one field of a section and keep the others from the config', () => {
    const params = resolveModelParams(base, { arch: 'ple', 'ple-levels': '3', weighting: 'dwa', 'dwa-temperature': '0.5' });
    assert.equal(params.arch, 'ple');
    assert.deepEqual(params.ple, { ...base.ple, levels: 3 });
    assert.equal(params.dwa.temperature, 0.5);
    assert.equal(params.mmoe.experts, 3);
  });

  it('name the flag of a bad value', () => {
    const error = catchBadInput(() => resolveModelParams(base, { 'mmoe-experts': '0' }));
    assert.match(error.message, /^--mmoe-experts: /);
    assert.match(catchBadInput(() => resolveModelParams(base, { 'gradnorm-alpha': 'x' })).message, /--gradnorm-alpha: "x" is not a number/);
    assert.match(catchBadInput(() => resolveModelParams(base, { weighting: 'magic' })).message, /^--weighting: /);
  });

  it('set hidden-layer normalisation and class-imbalance handling, and name the flag of a bad choice', () => {
    const params = resolveModelParams(base, { normalization: 'batch', imbalance: 'focal', 'focal-gamma': '1.5' });
    assert.equal(params.normalization, 'batch');
    assert.equal(params.imbalance, 'focal');
    assert.equal(params.focalGamma, 1.5);
    assert.deepEqual([base.normalization, base.imbalance, base.focalGamma], ['layer', 'none', 2]);
    assert.match(catchBadInput(() => resolveModelParams(base, { normalization: 'group' })).message, /^--normalization: /);
    assert.match(catchBadInput(() => resolveModelParams(base, { imbalance: 'smote' })).message, /^--imbalance: /);
    assert.match(catchBadInput(() => resolveModelParams(base, { 'focal-gamma': '-1' })).message, /^--focal-gamma: /);
  });

  it('turn wide & deep on and off with --wide true|false, and refuse any other word', () => {
    assert.equal(base.wide, false);
    assert.equal(resolveModelParams(base, { wide: 'true' }).wide, true);
    assert.equal(resolveModelParams({ ...base, wide: true }, { wide: 'FALSE' }).wide, false);
    assert.match(catchBadInput(() => resolveModelParams(base, { wide: 'yes' })).message, /^--wide: "yes" is not true or false/);
  });
});
