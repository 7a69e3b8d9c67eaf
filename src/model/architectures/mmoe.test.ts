import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { checkArchitectureCandidate } from '../../../test/helpers/check-architecture-candidate.ts';
import { modelSchema } from '../../config/schema.ts';
import type { TaskHead } from '../architecture.ts';
import { selectBackend } from '../backend.ts';
import { buildNetwork } from '../build-network.ts';
import { MixtureOfExperts } from '../layers/mixture-of-experts.ts';

const heads: TaskHead[] = [
  { name: 'buy', type: 'binary', units: 1 },
  { name: 'plan', type: 'multiclass', units: 3 },
  { name: 'spend', type: 'regression', units: 1 },
];
const inputWidth = 5;

describe('mmoe', () => {
  before(async () => {
    await selectBackend();
  });

  it('mixes shared experts with a softmax gate per task into outputs of the right shapes', () => {
    const before = tf.memory().numTensors;
    const params = modelSchema.parse({ arch: 'mmoe', normalization: 'none', mmoe: { experts: 3 }, sharedUnits: [8, 6], towerUnits: [4] });
    const network = buildNetwork({ inputWidth, tasks: heads, params, targetScales: { spend: { mean: 10, std: 2 } } });
    try {
      const x = tf.randomNormal([7, inputWidth], 0, 1, 'float32', 3);
      const training = network.training.predict(x) as tf.Tensor[];
      assert.deepEqual(training.map((t) => t.shape), [[7, 1], [7, 3], [7, 1]]);
      const serving = network.serving.predict(x) as tf.Tensor[];
      assert.deepEqual(serving.map((t) => t.shape), [[7, 1], [7, 3], [7, 1]]);
      for (const sum of tf.tidy(() => (serving[1] as tf.Tensor).sum(1).dataSync())) assert.ok(Math.abs(sum - 1) < 1e-6, 'class probabilities sum to 1');

      const gates = heads.map((task) => network.serving.getLayer(`${task.name}_gate`).apply(x) as tf.Tensor2D);
      for (const gate of gates) {
        assert.deepEqual(gate.shape, [7, 3]);
        assert.ok(gate.dataSync().every((g) => g > 0 && g < 1));
        for (const sum of tf.tidy(() => gate.sum(1).dataSync())) assert.ok(Math.abs(sum - 1) < 1e-6, `gate rows sum to 1, got ${sum}`);
      }
      assert.notDeepEqual(gates[0]?.arraySync(), gates[1]?.arraySync(), 'each task has its own gate');

      // The task's tower reads exactly Σ_e gate_e · expert_e.
      const experts = [0, 1, 2].map((e) => tf.tidy(() => network.serving.getLayer(`expert${e}_dense1`).apply(network.serving.getLayer(`expert${e}_dense0`).apply(x)) as tf.Tensor2D));
      const expected = tf.tidy(() => tf.addN(experts.map((expert, e) => expert.mul((gates[0] as tf.Tensor2D).slice([0, e], [-1, 1])))));
      const mixed = network.serving.getLayer('buy_mixture').apply([gates[0] as tf.Tensor, ...experts]) as tf.Tensor;
      assert.ok(tf.tidy(() => mixed.sub(expected).abs().max().dataSync())[0]! < 1e-6);

      const names = network.sharedVariables.map((v) => v.name);
      assert.equal(names.length, 3 * 2 * 2, `the experts' kernels and biases, got ${names.join(', ')}`);
      assert.ok(names.every((name) => /^expert\d_dense\d\/(kernel|bias)/.test(name)), names.join(', '));
      tf.dispose([x, training, serving, gates, experts, expected, mixed]);
    } finally {
      network.training.dispose();
      network.serving.dispose();
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('MixtureOfExperts sums the experts weighted by the gate, and round-trips its config', () => {
    const layer = new MixtureOfExperts({ name: 'mix', experts: 2 });
    const out = tf.tidy(() => {
      const gate = tf.tensor2d([[0.25, 0.75], [1, 0]]);
      const a = tf.tensor2d([[1, 2], [3, 4]]);
      const b = tf.tensor2d([[5, 6], [7, 8]]);
      return layer.apply([gate, a, b]) as tf.Tensor;
    });
    assert.deepEqual(out.arraySync(), [[4, 5], [3, 4]]);
    out.dispose();
    const config = layer.getConfig();
    assert.equal(config.experts, 2);
    const revived = tf.serialization.SerializationMap.getMap().classNameMap[MixtureOfExperts.className];
    assert.ok(revived !== undefined, 'registered for deserialisation');
    assert.deepEqual(layer.computeOutputShape([[null, 2], [null, 4], [null, 4]]), [null, 4]);
    assert.throws(() => layer.computeOutputShape([[null, 3], [null, 4], [null, 4]]), /gate needs 2 units/);
  });

  it('trains 2 epochs to finite metrics, shares its experts, and reloads to identical predictions', async () => {
    await checkArchitectureCandidate({ arch: 'mmoe', mmoe: { experts: 3 } }, ({ network }) => {
      const names = network.sharedVariables.map((v) => v.name);
      for (let e = 0; e < 3; e++) assert.ok(names.some((name) => name.startsWith(`expert${e}_dense0/kernel`)), `expert${e} kernel is shared`);
      assert.ok(!names.some((name) => name.includes('tower') || name.includes('gate')), 'towers and gates are task-specific');
    });
  });
});
