import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMetric, formatParamValue, formatSigned, formatSignedPercent } from './format-number.ts';

describe('number formats of the report', () => {
  it('prints metrics with fixed decimals and n/a for missing values', () => {
    assert.equal(formatMetric(0.851190476), '0.8512');
    assert.equal(formatMetric(null), 'n/a');
    assert.equal(formatMetric(Number.NaN), 'n/a');
  });

  it('signs differences with a true minus, and ± for what rounds to zero', () => {
    assert.equal(formatSigned(0.0123), '+0.0123');
    assert.equal(formatSigned(-0.004), '−0.0040');
    assert.equal(formatSigned(-0.00001), '±0.0000');
    assert.equal(formatSigned(undefined), 'n/a');
    assert.equal(formatSignedPercent(-0.1346), '−13.46 %');
  });

  it('prints hyperparameters compactly', () => {
    assert.equal(formatParamValue(0.000123), '1.23e-4');
    assert.equal(formatParamValue(0.12345), '0.123');
    assert.equal(formatParamValue(256), '256');
    assert.equal(formatParamValue('relu'), 'relu');
    assert.equal(formatParamValue([64, 32]), '[64,32]');
  });
});
