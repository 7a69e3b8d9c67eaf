import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickCurveIndices } from './curve-downsampling.ts';

void describe('curve-downsampling', () => {
  void it('keeps every point of a short curve', () => {
    assert.deepEqual(pickCurveIndices(3, 10), [0, 1, 2]);
  });

  void it('spreads points evenly and keeps both ends', () => {
    assert.deepEqual(pickCurveIndices(10, 4), [0, 3, 6, 9]);
    const indices = pickCurveIndices(100_001, 200);
    assert.equal(indices.length, 200);
    assert.equal(indices[0], 0);
    assert.equal(indices.at(-1), 100_000);
    for (let k = 1; k < indices.length; k++) assert.ok((indices[k] as number) > (indices[k - 1] as number));
  });

  void it('rejects fewer than two points', () => {
    assert.throws(() => pickCurveIndices(10, 1), /maxPoints must be an integer >= 2/);
  });
});
