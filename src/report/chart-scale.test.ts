import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeNiceDomain, computeNiceTicks, computeTickStep, createLinearScale, formatTick, stepDecimals } from './chart-scale.ts';

describe('createLinearScale', () => {
  it('maps the domain onto the range, also backwards (a y axis) and beyond the ends', () => {
    const x = createLinearScale([0, 10], [50, 550]);
    assert.equal(x(0), 50);
    assert.equal(x(5), 300);
    assert.equal(x(12), 650);
    const y = createLinearScale([0.5, 1], [300, 20]);
    assert.equal(y(0.5), 300);
    assert.equal(y(1), 20);
    assert.equal(y(0.75), 160);
    assert.deepEqual(y.domain, [0.5, 1]);
    assert.deepEqual(y.range, [300, 20]);
  });

  it('puts every value in the middle of the range when the domain has no width', () => {
    const flat = createLinearScale([3, 3], [0, 100]);
    assert.equal(flat(3), 50);
    assert.equal(flat(-7), 50);
  });
});

describe('ticks', () => {
  it('chooses 1, 2 or 5 times a power of ten', () => {
    assert.equal(computeTickStep(0, 1, 5), 0.2);
    assert.equal(computeTickStep(0, 10, 5), 2);
    assert.equal(computeTickStep(0, 100, 10), 10);
    assert.equal(computeTickStep(0.61, 0.86, 5), 0.05);
    assert.equal(computeTickStep(0, 0.0007, 5), 0.0001);
  });

  it('gives round values inside the span with no floating-point noise', () => {
    assert.deepEqual(computeNiceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(computeNiceTicks(0.61, 0.86), [0.65, 0.7, 0.75, 0.8, 0.85]);
    assert.deepEqual(computeNiceTicks(0.1, 0.7, 6), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    assert.deepEqual(computeNiceTicks(1, 6, 5), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(computeNiceTicks(-3, 3, 3), [-2, 0, 2]);
    assert.deepEqual(computeNiceTicks(5, 1, 4), [1, 2, 3, 4, 5], 'reversed ends give the same ticks');
  });

  it('degrades to one tick or none for a zero or non-finite span', () => {
    assert.deepEqual(computeNiceTicks(0.7, 0.7), [0.7]);
    assert.deepEqual(computeNiceTicks(Number.NaN, 1), []);
  });

  it('prints labels with the decimals the step needs', () => {
    assert.equal(stepDecimals(0.05), 2);
    assert.equal(stepDecimals(0.2), 1);
    assert.equal(stepDecimals(5), 0);
    assert.equal(stepDecimals(1e-7), 7);
    const ticks = computeNiceTicks(0.61, 0.86);
    assert.deepEqual(ticks.map((t) => formatTick(t, ticks)), ['0.65', '0.70', '0.75', '0.80', '0.85']);
    assert.equal(formatTick(20, [0, 10, 20]), '20');
  });
});

describe('computeNiceDomain', () => {
  it('widens the values to round ends and ignores missing values', () => {
    assert.deepEqual(computeNiceDomain([0.612, null, 0.851, undefined, Number.NaN, 0.7]), [0.6, 0.9]);
    assert.deepEqual(computeNiceDomain([2.1, 0.45], { include: [0] }), [0, 2.5]);
  });

  it('gives a small span around a single value and the fallback for none', () => {
    const [low, high] = computeNiceDomain([0.8]);
    assert.ok(low < 0.8 && high > 0.8, `${low}..${high}`);
    assert.deepEqual(computeNiceDomain([0]), [-0.6, 0.6]);
    assert.deepEqual(computeNiceDomain([null, undefined]), [0, 1]);
    assert.deepEqual(computeNiceDomain([], { fallback: [2, 4] }), [2, 4]);
  });
});
