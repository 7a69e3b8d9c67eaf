import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { fillAleaUniform } from './alea-uniform.ts';
import { drawKeepMasks, SeededDropout } from './seeded-dropout.ts';

describe('seeded dropout masks', () => {
  it('fillAleaUniform draws exactly what tf.randomUniform(shape, 0, 1, float32, seed) draws', () => {
    for (const seed of [0, 1, 12345, 2 ** 31 - 2]) {
      const expected = tf.tidy(() => tf.randomUniform([4000], 0, 1, 'float32', seed).dataSync());
      const drawn = new Float32Array(4000);
      fillAleaUniform(seed, drawn);
      assert.deepEqual(drawn, expected, `seed ${seed}`);
    }
  });

  it('drawKeepMask gives the masks call applies, in the same stream, repeated between beginRepeat and endRepeat', () => {
    const ones = tf.ones([64, 8]);
    const viaCall = new SeededDropout({ rate: 0.3, seed: 9 });
    const viaMask = new SeededDropout({ rate: 0.3, seed: 9 });
    for (let k = 0; k < 3; k++) {
      const applied = viaCall.call(ones);
      const kept = Array.from(applied.dataSync(), (value) => Number(value !== 0));
      applied.dispose();
      assert.deepEqual(Array.from(viaMask.drawKeepMask([64, 8]) ?? []), kept, `call ${k}`);
    }
    viaMask.beginRepeat();
    const first = viaMask.drawKeepMask([64, 8]);
    assert.deepEqual(viaMask.drawKeepMask([64, 8]), first);
    viaMask.endRepeat();
    assert.notDeepEqual(viaMask.drawKeepMask([64, 8]), first);
    assert.equal(new SeededDropout({ rate: 0, seed: 1 }).drawKeepMask([2, 2]), undefined);
    ones.dispose();
  });

  it('drawKeepMasks draws interleaved what each layer would draw alone (streams of different lengths and rates)', () => {
    const shapes = [[64, 8], [64, 3], [16, 8]];
    const rates = [0.3, 0.5, 0.1];
    const together = shapes.map((_, i) => new SeededDropout({ rate: rates[i] as number, seed: 20 + i }));
    const alone = shapes.map((_, i) => new SeededDropout({ rate: rates[i] as number, seed: 20 + i }));
    for (let k = 0; k < 2; k++) {
      const masks = drawKeepMasks(together.map((layer, i) => ({ layer, shape: shapes[i] as number[] })));
      masks.forEach((mask, i) => assert.deepEqual(mask, alone[i]?.drawKeepMask(shapes[i] as number[]), `draw ${k}, layer ${i}`));
    }
  });
});
