import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { modelSchema, type ModelConfig } from '../config/schema.ts';
import { selectBackend } from '../model/backend.ts';
import { buildNetwork } from '../model/build-network.ts';
import { SeededDropout } from '../model/seeded-dropout.ts';
import { computeMaskedTaskLoss, type TaskLossName } from '../model/task-loss.ts';
import { createSeededRandom } from '../random/seeded-random.ts';
import { fusedMaskedTaskLosses } from './fused-task-losses.ts';
import type { TrainingBatch } from './training-batch.ts';
import { createTrainingStep } from './training-step.ts';
import type { TrainTask } from './train-task.ts';

const width = 6;
const rows = 32;
const tasks: TrainTask[] = [
  { name: 'buy', type: 'binary', units: 1, loss: 'bce', weight: 1, auxiliary: false, lossOptions: { classWeights: { positive: 1.5, negative: 0.75 } } },
  { name: 'spend', type: 'regression', units: 1, loss: 'huber', weight: 1, auxiliary: false },
  { name: 'churn', type: 'binary', units: 1, loss: 'focal', weight: 1, auxiliary: false },
];

/** A seeded batch with every third label missing. */
function batch(seed: number): TrainingBatch {
  const random = createSeededRandom(seed);
  const x = Float32Array.from({ length: rows * width }, () => random.normal());
  const targets = Object.fromEntries(
    tasks.map((task) => {
      const y = Float32Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 0 : task.type === 'binary' ? Number(random.next() < 0.4) : 3 * random.normal()));
      return [task.name, { y, mask: Float32Array.from({ length: rows }, (_, i) => Number(i % 3 !== 0)) }];
    }),
  );
  return { rows, width, x, targets };
}

/** Trains `steps` steps with the fused or the tfjs-layers graph; returns the step outputs and the final weights. */
function train(params: ModelConfig, fusedGraph: boolean, steps: number): { outputs: number[][]; weights: Float32Array[] } {
  const network = buildNetwork({ inputWidth: width, tasks, params, targetScales: {} });
  network.training.layers.forEach((layer, i) => layer instanceof SeededDropout && layer.reseed(100 + i));
  const weighting = { variables: [], combineLosses: (losses: tf.Scalar[]) => tf.addN(losses) as tf.Scalar, effectiveWeights: () => ({}), saveState: () => ({}), restoreState: () => undefined, dispose: () => undefined };
  const step = createTrainingStep({ network, trained: tasks.map((task, output) => ({ task, output })), weighting, params, fusedGraph });
  try {
    const outputs = Array.from({ length: steps }, (_, k) => {
      const result = step.run(batch(k));
      const values = Array.from(result.dataSync());
      result.dispose();
      return values;
    });
    return { outputs, weights: network.training.getWeights().map((weight) => Float32Array.from(weight.dataSync())) };
  } finally {
    step.dispose();
    network.training.dispose();
    network.serving.dispose();
  }
}

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((worst, value, i) => Math.max(worst, Math.abs(value - (b[i] as number))), 0);

describe('fused training graph', () => {
  before(async () => {
    await selectBackend('wasm');
  });

  for (const [arch, extra] of [
    ['shared-bottom', {}],
    ['mmoe', { mmoe: { experts: 3 } }],
    ['ple', { ple: { levels: 2, sharedExperts: 1, taskExperts: 1 } }],
    ['shared-bottom', { normalization: 'layer', activation: 'elu' }],
    // Layer normalisation → relu → dropout as one fused operation (the default recipe's hidden layers).
    ['shared-bottom', { normalization: 'layer', activation: 'relu' }],
    ['mmoe', { normalization: 'layer', activation: 'relu', mmoe: { experts: 3 } }],
  ] as const) {
    it(`${arch} ${JSON.stringify(extra)}: the fused step gives the tfjs-layers step's losses and weights within 1e-5, and leaks nothing`, () => {
      const params = modelSchema.parse({ arch, seed: 3, sharedUnits: [16, 8], towerUnits: [4], dropout: 0.2, l2: 1e-3, weightDecay: 1e-3, learningRate: 0.01, ...extra });
      const tensorsBefore = tf.memory().numTensors;
      const fused = train(params, true, 4);
      const plain = train(params, false, 4);
      assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked');
      fused.outputs.forEach((values, k) => assert.ok(maxDifference(values, plain.outputs[k] as number[]) <= 1e-5, `step ${k}: ${values} vs ${plain.outputs[k]}`));
      fused.weights.forEach((values, i) => assert.ok(maxDifference(values, plain.weights[i] as Float32Array) <= 1e-5, `weight ${i}`));
      // The updates did move the weights (the comparison is not of two untouched networks).
      const initial = buildNetwork({ inputWidth: width, tasks, params, targetScales: {} });
      const moved = initial.training.getWeights().some((weight, i) => maxDifference(weight.dataSync(), fused.weights[i] as Float32Array) > 1e-3);
      initial.training.dispose();
      initial.serving.dispose();
      assert.ok(moved, 'weights moved');
    });
  }

  it('on the cpu backend too (float64 bias and gate sums, as its Sum kernel): shared-bottom and mmoe within 1e-5', async () => {
    await selectBackend('cpu');
    try {
      for (const arch of ['shared-bottom', 'mmoe'] as const) {
        const params = modelSchema.parse({ arch, seed: 4, sharedUnits: [8], towerUnits: [4], dropout: 0.2, learningRate: 0.01, mmoe: { experts: 2 } });
        const fused = train(params, true, 3);
        const plain = train(params, false, 3);
        fused.weights.forEach((values, i) => assert.ok(maxDifference(values, plain.weights[i] as Float32Array) <= 1e-5, `${arch} weight ${i}`));
      }
    } finally {
      await selectBackend('wasm');
    }
  });

  it('fused masked losses (bce with class weights, mse, huber) and their gradients match computeMaskedTaskLoss within 1e-6 (relative)', () => {
    const random = createSeededRandom(5);
    const output = tf.tensor2d(Float32Array.from({ length: rows }, () => 4 * random.normal()), [rows, 1]);
    const { y: binary, mask } = batch(1).targets.buy as { y: Float32Array; mask: Float32Array };
    const values = Float32Array.from({ length: rows }, () => 2 * random.normal());
    const cases: { loss: TaskLossName; y: Float32Array; options?: { classWeights: { positive: number; negative: number } } }[] = [
      { loss: 'bce', y: binary },
      { loss: 'bce', y: binary, options: { classWeights: { positive: 2, negative: 0.6 } } },
      { loss: 'mse', y: values },
      { loss: 'huber', y: values },
    ];
    for (const { loss, y, options } of cases) {
      const fused = tf.valueAndGrad((z: tf.Tensor) => fusedMaskedTaskLosses([{ loss, ...(options === undefined ? {} : { options }), output: z, y, mask }])[0] as tf.Scalar)(output);
      const reference = tf.valueAndGrad((z: tf.Tensor) => computeMaskedTaskLoss(loss, z.reshape([-1]) as tf.Tensor1D, tf.tensor1d(y), tf.tensor1d(mask), options))(output);
      const expected = reference.value.dataSync()[0]!;
      assert.ok(Math.abs(fused.value.dataSync()[0]! - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${loss} value`);
      assert.ok(maxDifference(fused.grad.dataSync(), reference.grad.dataSync()) <= 1e-6, `${loss} gradient`);
      assert.ok(maxDifference(fused.grad.dataSync(), new Float32Array(rows)) > 1e-4, `${loss} gradient is not zero`);
      tf.dispose([fused.value, fused.grad, reference.value, reference.grad]);
    }
    output.dispose();
  });
});
