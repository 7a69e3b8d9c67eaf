import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { checkArchitectureCandidate } from '../../../test/helpers/check-architecture-candidate.ts';
import { modelSchema, type ModelConfig } from '../../config/schema.ts';
import type { TaskHead } from '../architecture.ts';
import { selectBackend } from '../backend.ts';
import { buildNetwork, type MultiTaskNetwork } from '../build-network.ts';
import { CrossStitchUnit } from '../layers/cross-stitch-unit.ts';

const heads: TaskHead[] = [
  { name: 'buy', type: 'binary', units: 1 },
  { name: 'plan', type: 'multiclass', units: 3 },
  { name: 'spend', type: 'regression', units: 1 },
];
const inputWidth = 5;

function build(overrides: Partial<ModelConfig>, tasks: readonly TaskHead[] = heads): MultiTaskNetwork {
  const params = modelSchema.parse({ arch: 'cross-stitch', sharedUnits: [8, 6], towerUnits: [4], ...overrides });
  return buildNetwork({ inputWidth, tasks, params, targetScales: { spend: { mean: 10, std: 2 } } });
}

function dispose(...networks: MultiTaskNetwork[]): void {
  for (const network of networks) {
    network.training.dispose();
    network.serving.dispose();
  }
}

/** Serving predictions of `network` on `x`, as nested arrays. */
function predict(network: MultiTaskNetwork, x: tf.Tensor): number[][][] {
  return tf.tidy(() => (network.serving.predict(x) as tf.Tensor[]).map((t) => t.arraySync() as number[][]));
}

function maxDifference(a: number[][][], b: number[][][]): number {
  return Math.max(...a.flatMap((output, k) => output.flatMap((row, r) => row.map((v, c) => Math.abs(v - (b[k]?.[r]?.[c] ?? Number.NaN))))));
}

describe('cross-stitch', () => {
  before(async () => {
    await selectBackend();
  });

  it('CrossStitchUnit starts at selfWeight on the diagonal and mixes columns as Σ_j α_ij · in_j', () => {
    const before = tf.memory().numTensors;
    const unit = new CrossStitchUnit({ name: 'unit', columns: 3, selfWeight: 0.7 });
    const columns = [tf.tensor2d([[1, 2]]), tf.tensor2d([[10, 20]]), tf.tensor2d([[100, 200]])];
    const out = unit.apply(columns) as tf.Tensor[];
    const alpha = unit.getWeights()[0] as tf.Tensor;
    assert.deepEqual(alpha.shape, [3, 3]);
    const expectedAlpha = [[0.7, 0.15, 0.15], [0.15, 0.7, 0.15], [0.15, 0.15, 0.7]];
    (alpha.arraySync() as number[][]).forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (expectedAlpha[i]?.[j] ?? 0)) < 1e-6)));
    const mixed = out.map((t) => t.arraySync() as number[][]);
    const expected = expectedAlpha.map((row) => [[0, 1].map((c) => row.reduce((sum, a, j) => sum + a * [[1, 2], [10, 20], [100, 200]][j]![c]!, 0))]);
    mixed.forEach((column, i) => column[0]!.forEach((v, c) => assert.ok(Math.abs(v - expected[i]![0]![c]!) < 1e-4, `out_${i}[${c}] = ${v}`)));
    assert.deepEqual(unit.computeOutputShape([[null, 2], [null, 2], [null, 2]]), [[null, 2], [null, 2], [null, 2]]);
    assert.deepEqual({ columns: unit.getConfig().columns, selfWeight: unit.getConfig().selfWeight }, { columns: 3, selfWeight: 0.7 });
    assert.ok(tf.serialization.SerializationMap.getMap().classNameMap[CrossStitchUnit.className] !== undefined, 'registered');
    tf.dispose([columns, out]);
    unit.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('with selfWeight 1 equals independent columns (the single architecture with the same weights)', () => {
    const before = tf.memory().numTensors;
    const stitched = build({ crossStitch: { selfWeight: 1 } });
    const mixed = build({ crossStitch: { selfWeight: 0.8 } });
    const single = build({ arch: 'single' });
    const x = tf.randomNormal([6, inputWidth], 0, 1, 'float32', 11);
    try {
      for (const layer of single.serving.layers) {
        if (layer.weights.length === 0) continue;
        const weights = layer.getWeights();
        for (const network of [stitched, mixed]) network.serving.getLayer(layer.name.replace('_bottom_', '_column_')).setWeights(weights);
      }
      const independent = predict(single, x);
      assert.deepEqual(independent.map((output) => [output.length, output[0]?.length]), [[6, 1], [6, 3], [6, 1]]);
      assert.ok(maxDifference(predict(stitched, x), independent) < 1e-5, 'identity stitching is independent columns');
      assert.ok(maxDifference(predict(mixed, x), independent) > 1e-4, 'selfWeight < 1 mixes the columns');
    } finally {
      x.dispose();
      dispose(stitched, mixed, single);
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('shares every column and stitch unit, not the towers; one task has no unit and nothing shared', () => {
    const network = build({});
    const alone = build({}, [heads[0] as TaskHead]);
    try {
      const names = network.sharedVariables.map((v) => v.name);
      for (const task of heads) for (const i of [0, 1]) assert.ok(names.some((name) => name.startsWith(`${task.name}_column_dense${i}/kernel`)), `${task.name} column ${i}`);
      for (const i of [0, 1]) assert.ok(names.some((name) => name.startsWith(`stitch${i}/alpha`)), `stitch${i} alpha`);
      assert.ok(!names.some((name) => name.includes('tower') || name.includes('logit')), names.join(', '));
      assert.ok(!alone.serving.layers.some((layer) => layer instanceof CrossStitchUnit));
      assert.deepEqual(alone.sharedVariables, []);
    } finally {
      dispose(network, alone);
    }
  });

  it('trains 2 epochs to finite metrics, learns α, and reloads to identical predictions', async () => {
    await checkArchitectureCandidate({ arch: 'cross-stitch', crossStitch: { selfWeight: 0.9 } }, ({ network }) => {
      const alpha = tf.tidy(() => (network.serving.getLayer('stitch0').getWeights()[0] as tf.Tensor).arraySync() as number[][]);
      const initial = (i: number, j: number) => (i === j ? 0.9 : 0.05);
      const change = Math.max(...alpha.flatMap((row, i) => row.map((v, j) => Math.abs(v - initial(i, j)))));
      assert.ok(change > 1e-3, `α moved by ${change}`);
      assert.ok(network.sharedVariables.some((v) => v.name.startsWith('buy_column_dense0/kernel')));
    });
  });
});
