import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildLinePath, buildStepPath, formatCoordinate } from './svg-path.ts';

describe('svg path data', () => {
  it('rounds coordinates to a tenth and never prints -0', () => {
    assert.equal(formatCoordinate(12.345), '12.3');
    assert.equal(formatCoordinate(-0.01), '0');
    assert.equal(formatCoordinate(7), '7');
  });

  it('draws a line through the points in order', () => {
    assert.equal(buildLinePath([[0, 10], [5.25, 4], [10, 0]]), 'M0,10L5.3,4L10,0');
  });

  it('breaks the line at missing points and turns a lone point into a dot', () => {
    assert.equal(buildLinePath([[0, 0], [1, 1], null, [3, 3], null, [5, 5], [6, 6]]), 'M0,0L1,1M3,3L3,3M5,5L6,6');
    assert.equal(buildLinePath([[2, 2], [Number.NaN, 1], [4, 4]]), 'M2,2L2,2M4,4L4,4');
    assert.equal(buildLinePath([]), '');
    assert.equal(buildLinePath([null]), '');
  });

  it('draws a staircase horizontally then vertically', () => {
    assert.equal(buildStepPath([[0, 10], [4, 6], [8, 2]]), 'M0,10L4,10L4,6L8,6L8,2');
    assert.equal(buildStepPath([]), '');
  });
});
