import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { checkArchitectureCandidate } from '../../../test/helpers/check-architecture-candidate.ts';
import { modelSchema } from '../../config/schema.ts';
import type { TaskHead } from '../architecture.ts';
import { selectBackend } from '../backend.ts';
import { buildNetwork } from '../build-network.ts';
import { computeDiscriminatorLoss, computeOrthogonalityPenalty } from './adversarial.ts';

const heads: TaskHead[] = [
  { name: 'buy', type: 'binary', units: 1 },
  { name: 'plan', type: 'multiclass', units: 3 },
  { name: 'spend', type: 'regression', units: 1 },
];
const inputWidth = 5;

describe('adversarial', () => {
  before(async () => {
    await selectBackend();
  });

  it('adds the discriminator and orthogonality losses to the training graph only', () => {
    const before = tf.memory().numTensors;
    const params = modelSchema.parse({ arch: 'adversarial', normalization: 'none', sharedUnits: [8, 6], towerUnits: [4], adversarial: { discriminatorUnits: 5 } });
    const network = buildNetwork({ inputWidth, tasks: heads, params, targetScales: { spend: { mean: 10, std: 2 } } });
    try {
      assert.deepEqual(network.extraLosses.map((term) => term.loss.name), ['discriminator', 'orthogonality']);
      // 3 task outputs, then D's logits, then S and the 3 private encodings.
      assert.equal(network.training.outputs.length, 3 + 1 + 1 + 3);
      assert.deepEqual(network.extraLosses.map((term) => term.outputIndices), [[3], [4, 5, 6, 7]]);
      assert.equal(network.serving.outputs.length, 3);
      assert.ok(network.training.layers.some((layer) => layer.name.startsWith('discriminator')));
      assert.ok(network.training.layers.some((layer) => layer.getClassName() === 'TandemGradientReversal'));
      assert.deepEqual(network.serving.layers.filter((layer) => /discriminator|reversal/.test(layer.name) || layer.getClassName() === 'TandemGradientReversal'), []);
      // Shared weights are the shared encoder's only: not the private encoders', not the discriminator's.
      const shared = network.sharedVariables.map((v) => v.name);
      assert.equal(shared.length, 4, shared.join(', '));
      assert.ok(shared.every((name) => name.startsWith('shared_dense')), shared.join(', '));
      for (const task of heads) assert.ok(network.serving.getLayer(`${task.name}_private_dense1`) !== undefined);

      const rows = 6;
      const x = tf.randomNormal([rows, inputWidth], 0, 1, 'float32', 4);
      const outputs = network.training.predict(x) as tf.Tensor[];
      assert.deepEqual(outputs[3]?.shape, [rows, 3], 'D has one logit per task');
      assert.deepEqual(outputs[4]?.shape, [rows, 6], 'S');
      const targets = {
        labels: Object.fromEntries(heads.map((task) => [task.name, tf.zeros([rows]) as tf.Tensor1D])),
        masks: Object.fromEntries(heads.map((task) => [task.name, tf.ones([rows]) as tf.Tensor1D])),
      };
      for (const { loss, outputIndices } of network.extraLosses) {
        const value = tf.tidy(() => loss.compute(outputIndices.map((i) => outputs[i] as tf.Tensor), targets).dataSync()[0] as number);
        assert.ok(Number.isFinite(value) && value > 0, `${loss.name}: ${value}`);
      }
      tf.dispose([x, outputs, Object.values(targets.labels), Object.values(targets.masks)]);
    } finally {
      network.training.dispose();
      network.serving.dispose();
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('reverses the discriminator loss\'s gradient on the shared encoder only, not on the discriminator', () => {
    const before = tf.memory().numTensors;
    const params = modelSchema.parse({ arch: 'adversarial', normalization: 'none', sharedUnits: [6], towerUnits: [3], dropout: 0, adversarial: { discriminatorUnits: 4, adversaryWeight: 0.5 } });
    const network = buildNetwork({ inputWidth, tasks: heads, params, targetScales: {} });
    try {
      const term = network.extraLosses.find((t) => t.loss.name === 'discriminator')!;
      const discriminator = network.training.trainableWeights.filter((w) => w.name.startsWith('discriminator')).map((w) => w.read() as tf.Variable);
      const variables = [...network.sharedVariables, ...discriminator];
      const x = tf.randomNormal([8, inputWidth], 0, 1, 'float32', 5);
      const maskRows = [[1, 0, 1], [1, 1, 1], [0, 1, 0], [1, 0, 0], [0, 0, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1]];
      const maskMatrix = tf.tensor2d(maskRows);
      const masks = tf.tidy(() => Object.fromEntries(heads.map((task, k) => [task.name, maskMatrix.slice([0, k], [-1, 1]).reshape([-1]) as tf.Tensor1D])));
      const throughGraph = tf.variableGrads(() => {
        const outputs = network.training.apply(x, { training: true }) as tf.Tensor[];
        return term.loss.compute(term.outputIndices.map((i) => outputs[i] as tf.Tensor), { labels: {}, masks });
      }, variables);
      // The same loss with D applied to S directly: no reversal.
      const direct = tf.variableGrads(() => {
        const layer = (name: string, input: tf.Tensor) => network.training.getLayer(name).apply(input) as tf.Tensor;
        const logits = layer('discriminator_logits', layer('discriminator_hidden', layer('shared_dense0', x)));
        return computeDiscriminatorLoss(logits as tf.Tensor2D, maskMatrix as tf.Tensor2D).mul(0.5) as tf.Scalar;
      }, variables);
      assert.ok(Math.abs(throughGraph.value.dataSync()[0]! - direct.value.dataSync()[0]!) < 1e-6, 'same loss value');
      for (const variable of variables) {
        const [a, b] = [throughGraph.grads[variable.name], direct.grads[variable.name]] as [tf.Tensor, tf.Tensor];
        const sign = variable.name.startsWith('discriminator') ? 1 : -1;
        const gap = tf.tidy(() => a.sub(b.mul(sign)).abs().max().dataSync()[0]!);
        assert.ok(gap < 1e-6, `${variable.name}: gradient ${sign > 0 ? 'kept' : 'reversed'} (gap ${gap})`);
        assert.ok(tf.tidy(() => b.abs().max().dataSync()[0]!) > 0, `${variable.name}: a non-zero gradient`);
      }
      tf.dispose([x, maskMatrix, Object.values(masks), throughGraph.value, Object.values(throughGraph.grads), direct.value, Object.values(direct.grads)]);
    } finally {
      network.training.dispose();
      network.serving.dispose();
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('discriminator loss: cross-entropy against the uniform target over each row\'s labelled tasks', () => {
    const value = (logits: number[][], masks: number[][]) =>
      tf.tidy(() => computeDiscriminatorLoss(tf.tensor2d(logits), tf.tensor2d(masks)).dataSync()[0] as number);
    // Equal logits: each row's loss is log 3 whatever its labels.
    assert.ok(Math.abs(value([[0, 0, 0], [0, 0, 0]], [[1, 1, 1], [1, 0, 0]]) - Math.log(3)) < 1e-6);
    // Rows with no label are left out of the mean.
    assert.ok(Math.abs(value([[0, 0, 0], [9, -9, 0]], [[1, 1, 1], [0, 0, 0]]) - Math.log(3)) < 1e-6);
    assert.equal(value([[1, 2, 3]], [[0, 0, 0]]), 0);
    // A row labelled for tasks 0 and 1: −½(log p0 + log p1).
    const logits = [2, -1, 0.5];
    const logZ = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
    const expected = -0.5 * (logits[0]! - logZ + (logits[1]! - logZ));
    assert.ok(Math.abs(value([logits], [[1, 1, 0]]) - expected) < 1e-5);
    // A confident, correct discriminator on one-task rows has a loss near 0.
    assert.ok(value([[20, 0, 0], [0, 0, 20]], [[1, 0, 0], [0, 0, 1]]) < 1e-6);
  });

  it('orthogonality penalty: Σ_k mean squared correlation of shared and private units, 0 when uncorrelated', () => {
    const value = (s: number[][], privates: number[][][]) =>
      tf.tidy(() => computeOrthogonalityPenalty(tf.tensor2d(s), privates.map((p) => tf.tensor2d(p))).dataSync()[0] as number);
    // Centred columns [1, −1, 0, 0] and [0, 0, 1, −1] are uncorrelated.
    assert.ok(value([[1], [-1], [0], [0]], [[[0], [0], [1], [-1]]]) < 1e-12);
    // A private unit equal to (or the negative of) a shared one: correlation ±1, penalty 1 per task.
    assert.ok(Math.abs(value([[1], [2], [4]], [[[3], [5], [9]], [[-1], [-2], [-4]]]) - 2) < 1e-5);
    // Two shared units × one private unit: correlations 1 and 0 → mean square ½; scale and shift do not matter.
    const shared = [[1, 1], [2, -1], [3, -1], [4, 1]];
    assert.ok(Math.abs(value(shared, [[[10], [20], [30], [40]]]) - 0.5) < 1e-5);
    assert.ok(Math.abs(value(shared.map(([a, b]) => [100 * a! + 7, b!]), [[[10], [20], [30], [40]]]) - 0.5) < 1e-5);
    // A constant (dead) unit counts as uncorrelated, with no NaN in the value or the gradient.
    assert.ok(value([[0], [0], [0]], [[[1], [2], [3]]]) < 1e-12);
    const gradients = tf.tidy(() => {
      const dead = tf.tensor2d([[0, 1], [0, 2], [0, 4]]);
      const grad = tf.grad((s: tf.Tensor) => computeOrthogonalityPenalty(s as tf.Tensor2D, [tf.tensor2d([[1], [3], [2]])]))(dead);
      return Array.from(grad.dataSync());
    });
    assert.ok(gradients.every(Number.isFinite), `gradient ${gradients.join(', ')}`);
  });

  it('trains 2 epochs to finite metrics, reloads identically and leaks nothing', async () => {
    await checkArchitectureCandidate({ arch: 'adversarial' }, (candidate) => {
      const { training, serving, extraLosses, outputNames } = candidate.network;
      assert.equal(extraLosses.length, 2);
      assert.ok(training.outputs.length > outputNames.length, 'the training graph has the extra losses\' outputs');
      assert.equal(serving.outputs.length, outputNames.length);
      assert.ok(!serving.layers.some((layer) => layer.name.startsWith('discriminator')));
    });
  });
});
