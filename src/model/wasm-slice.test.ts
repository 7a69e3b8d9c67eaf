import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { createSeededRandom } from '../random/seeded-random.ts';
import { selectBackend } from './backend.ts';
import { copySlice, wasmSliceMark } from './wasm-slice.ts';

/** The block by its definition: each target element's source index from its own coordinates. */
function expectedSlice(source: ArrayLike<number>, shape: number[], start: number[], extent: number[]): number[] {
  const out: number[] = [];
  const total = extent.reduce((product, d) => product * d, 1);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let offset = 0;
    let stride = 1;
    const coordinates: number[] = [];
    for (let d = extent.length - 1; d >= 0; d--) {
      coordinates[d] = rest % (extent[d] as number);
      rest = Math.floor(rest / (extent[d] as number));
    }
    for (let d = shape.length - 1; d >= 0; d--) {
      offset += ((start[d] as number) + (coordinates[d] as number)) * stride;
      stride *= shape[d] as number;
    }
    out.push(source[offset] as number);
  }
  return out;
}

describe('wasm slice', () => {
  before(async () => {
    await selectBackend('wasm');
  });

  it('copySlice: random blocks of ranks 1–4, whole trailing dimensions joined into runs', () => {
    const stream = createSeededRandom(7);
    const random = (): number => stream.next();
    for (let trial = 0; trial < 200; trial++) {
      const rank = 1 + Math.floor(random() * 4);
      const shape = Array.from({ length: rank }, () => 1 + Math.floor(random() * 5));
      const start = shape.map((d) => (random() < 0.4 ? 0 : Math.floor(random() * d)));
      const extent = shape.map((d, i) => (random() < 0.4 && start[i] === 0 ? d : 1 + Math.floor(random() * (d - (start[i] as number)))));
      const source = Float32Array.from({ length: shape.reduce((product, d) => product * d, 1) }, (_, i) => i);
      const target = new Float32Array(extent.reduce((product, d) => product * d, 1));
      copySlice(source, shape, start, extent, target);
      assert.deepEqual(Array.from(target), expectedSlice(source, shape, start, extent), `shape ${shape.join('×')}, start ${start.join(',')}, extent ${extent.join(',')}`);
    }
  });

  it('tf.slice on wasm: the installed kernel gives the block for float32, int32 and bool, and leaks nothing', () => {
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal((tf.getKernel('Slice', 'wasm')?.kernelFunc as unknown as Record<symbol, unknown>)[wasmSliceMark], true, 'selectBackend installed it');
    const before = tf.memory().numTensors;
    const values = Array.from({ length: 4 * 6 * 5 }, (_, i) => i - 30);
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const x = tf.tensor(values.map((v) => (dtype === 'bool' ? Number(v % 3 === 0) : v)), [4, 6, 5], dtype);
      const cases: [number[], number[]][] = [
        [[0, 0, 0], [4, 6, 5]],
        [[1, 0, 0], [2, 6, 5]],
        [[0, 2, 0], [4, 3, 5]],
        [[3, 5, 4], [1, 1, 1]],
        [[1, 1, 2], [3, 4, 2]],
      ];
      const source = x.dataSync();
      for (const [start, extent] of cases) {
        const sliced = tf.slice(x, start, extent);
        assert.equal(sliced.dtype, dtype);
        assert.deepEqual(Array.from(sliced.dataSync()), expectedSlice(source, [4, 6, 5], start, extent), `${dtype} ${start.join(',')} ${extent.join(',')}`);
        sliced.dispose();
      }
      // A network input's columns (ColumnSlice's use), with -1 for "to the end".
      const rows = x.reshape([4, 30]);
      const columns = tf.slice(rows, [0, 7], [-1, 11]);
      assert.deepEqual(columns.shape, [4, 11]);
      assert.deepEqual(Array.from(columns.dataSync()), expectedSlice(source, [4, 30], [0, 7], [4, 11]));
      tf.dispose([x, rows, columns]);
    }
    assert.equal(tf.memory().numTensors, before);
  });
});
