import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { modelSchema, type ModelConfig } from '../config/schema.ts';
import { createSeededRandom } from '../random/seeded-random.ts';
import { predictNetwork } from '../train/predict-network.ts';
import type { TaskHead } from './architecture.ts';
import { selectBackend } from './backend.ts';
import { buildNetwork } from './build-network.ts';
import { compileNetwork } from './compiled-network.ts';
import { buildEnsembleNetwork } from './ensemble-network.ts';
import { deserializeNetwork, serializeNetwork } from './serialize-network.ts';

const inputWidth = 6;
const rows = 29;
const heads: TaskHead[] = [
  { name: 'churn', type: 'binary', units: 1 },
  { name: 'plan', type: 'multiclass', units: 3 },
  { name: 'spend', type: 'regression', units: 1, scale: { mean: 40, std: 12 } },
];
const outputNames = heads.map((head) => head.name);

function members(arch: ModelConfig['arch'], k: number): tf.LayersModel[] {
  return Array.from({ length: k }, (_, i) => {
    const params = modelSchema.parse({ arch, sharedUnits: [8], towerUnits: [4], seed: 100 + i });
    const network = buildNetwork({ inputWidth, tasks: heads, params, targetScales: { spend: { mean: 40, std: 12 } } });
    network.training.dispose();
    return network.serving;
  });
}

function inputMatrix(): Float32Array {
  const random = createSeededRandom(3);
  return Float32Array.from({ length: rows * inputWidth }, () => (random.next() - 0.5) * 4);
}

describe('buildEnsembleNetwork', () => {
  before(async () => {
    await selectBackend();
  });

  for (const arch of ['shared-bottom', 'mmoe'] as const) {
    it(`averages the members per task, and save → load keeps it (${arch}, 3 members)`, async () => {
      const parts = members(arch, 3);
      const x = inputMatrix();
      const before = tf.memory().numTensors;
      const ensemble = await buildEnsembleNetwork(parts);
      const loaded = await deserializeNetwork(await serializeNetwork(ensemble));
      try {
        const memberPredictions = await Promise.all(parts.map((part) => predictNetwork(part, x, rows, inputWidth, outputNames)));
        const saved = await predictNetwork(loaded, x, rows, inputWidth, outputNames);
        assert.deepEqual(loaded.outputNames, outputNames, 'outputs keep the task names');
        assert.equal(loaded.inputs.length, 1, 'one input, shared by the members');
        for (const name of outputNames) {
          const values = saved[name] as Float32Array;
          assert.equal(values.length, (memberPredictions[0]?.[name] as Float32Array).length);
          values.forEach((value, i) => {
            const mean = memberPredictions.reduce((sum, p) => sum + (p[name] as Float32Array)[i]!, 0) / parts.length;
            // 1e-6 relative: a float32 regression value near 40 has a spacing of 4e-6.
            assert.ok(Math.abs(value - mean) <= 1e-6 * Math.max(1, Math.abs(mean)), `${name}[${i}]: ${value} vs mean ${mean}`);
          });
        }
        // The members differ, or the test would prove nothing.
        assert.notDeepEqual(memberPredictions[0]?.churn, memberPredictions[1]?.churn);
        // The compiled serving path runs the Average layers too, to TensorFlow.js's figures.
        const compiled = compileNetwork(loaded).compiled;
        assert.ok(compiled !== undefined, 'an ensemble compiles');
        compiled.predict(x, rows).forEach((values, k) => {
          const want = saved[outputNames[k] as string] as Float32Array;
          values.forEach((value, i) => assert.ok(Math.abs(value - want[i]!) <= 1e-5 * Math.max(1, Math.abs(want[i]!)), `compiled ${outputNames[k]}[${i}]: ${value} vs ${want[i]}`));
        });
      } finally {
        ensemble.dispose();
        loaded.dispose();
      }
      assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
      for (const part of parts) part.dispose();
    });
  }

  it('weights members per output (a member counted w times), a lone member included, and save → load keeps the weights', async () => {
    const parts = members('shared-bottom', 3);
    const x = inputMatrix();
    const weights = { churn: [2, 1, 0], plan: [0, 0, 1], spend: [1, 1, 1] };
    const ensemble = await buildEnsembleNetwork(parts, weights);
    const loaded = await deserializeNetwork(await serializeNetwork(ensemble));
    try {
      const memberPredictions = await Promise.all(parts.map((part) => predictNetwork(part, x, rows, inputWidth, outputNames)));
      const saved = await predictNetwork(loaded, x, rows, inputWidth, outputNames);
      for (const name of outputNames) {
        const w = weights[name as keyof typeof weights];
        const total = w.reduce((a, b) => a + b, 0);
        (saved[name] as Float32Array).forEach((value, i) => {
          const mean = memberPredictions.reduce((sum, p, m) => sum + (w[m] as number) * (p[name] as Float32Array)[i]!, 0) / total;
          assert.ok(Math.abs(value - mean) <= 1e-6 * Math.max(1, Math.abs(mean)), `${name}[${i}]: ${value} vs weighted mean ${mean}`);
        });
      }
      assert.ok(!loaded.layers.some((layer) => layer.name.startsWith('m0_plan') || layer.name.startsWith('m2_churn')), 'towers weighted 0 are left out');
      const plain = await buildEnsembleNetwork(parts);
      const unweighted = await predictNetwork(plain, x, rows, inputWidth, outputNames);
      plain.dispose();
      assert.notDeepEqual(saved.churn, unweighted.churn, 'the weights change the average');
    } finally {
      ensemble.dispose();
      loaded.dispose();
    }
    await assert.rejects(buildEnsembleNetwork(parts, { churn: [1, 0, 0], plan: [1, 0, 0], spend: [1, 0, 0] }), /member 1, 2 has weight 0 in every output/);
    await assert.rejects(buildEnsembleNetwork(parts, { churn: [0, 0, 0] }), /not all 0/);
    await assert.rejects(buildEnsembleNetwork(parts, { churn: [1, 1] }), /3 non-negative integers/);
    await assert.rejects(buildEnsembleNetwork(parts, { nope: [1, 1, 1] }), /lack: "nope"/);
    for (const part of parts) part.dispose();
  });

  it('refuses members with another input width', async () => {
    const [a] = members('shared-bottom', 1);
    const b = buildNetwork({ inputWidth: inputWidth + 1, tasks: heads, params: modelSchema.parse({ sharedUnits: [8], towerUnits: [4] }), targetScales: {} });
    await assert.rejects(buildEnsembleNetwork([a as tf.LayersModel, b.serving]), /same preprocessor|other inputs/);
    await assert.rejects(buildEnsembleNetwork([a as tf.LayersModel]), /at least 2/);
    a?.dispose();
    b.training.dispose();
    b.serving.dispose();
  });
});
