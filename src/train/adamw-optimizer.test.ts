import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createSeededRandom } from '../random/seeded-random.ts';
import { createAdamW } from './adamw-optimizer.ts';

/** Two variables (a kernel `[3, 4]` and a bias `[4]`) and `count` steps of seeded gradients for them. */
function fixture(count: number, seed = 7) {
  const random = createSeededRandom(seed);
  const values = (n: number) => Float32Array.from({ length: n }, () => random.normal());
  const initial = [values(12), values(4)];
  // Every call starts from the same values.
  const make = (prefix: string) => [
    tf.variable(tf.tensor(initial[0] as Float32Array, [3, 4]), true, `${prefix}/kernel`),
    tf.variable(tf.tensor(initial[1] as Float32Array, [4]), true, `${prefix}/bias`),
  ];
  const steps = Array.from({ length: count }, () => [values(12), values(4)]);
  const gradients = (variables: tf.Variable[], k: number) =>
    Object.fromEntries(variables.map((v, i) => [v.name, tf.tensor((steps[k] as Float32Array[])[i] as Float32Array, v.shape)]));
  return { make, gradients };
}

const maxDifference = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => a.sub(b).abs().max().dataSync()[0] as number);

describe('AdamW optimizer', () => {
  for (const mode of ['host', 'tensor'] as const) {
    it(`${mode}: follows tf.train.adam (host: to 1e-7, tensor: 1e-5) when weightDecay is 0, and leaks no tensor`, () => {
      const { make, gradients } = fixture(5);
      const ours = make(`ours_${mode}`);
      const theirs = make(`theirs_${mode}`);
      const before = tf.memory().numTensors;
      const adamW = createAdamW({ variables: ours, learningRate: 0.05, mode });
      const adam: tf.Optimizer = tf.train.adam(0.05);
      for (let k = 0; k < 5; k++) {
        const ourGrads = gradients(ours, k);
        const theirGrads = gradients(theirs, k);
        adamW.applyGradients(ourGrads).dispose();
        adam.applyGradients(theirGrads);
        tf.dispose([...Object.values(ourGrads), ...Object.values(theirGrads)]);
      }
      // The host update rounds as tf.train.adam does; the tensor update folds its bias corrections differently.
      ours.forEach((variable, i) => assert.ok(maxDifference(variable, theirs[i] as tf.Variable) <= (mode === 'host' ? 1e-7 : 1e-5), `variable ${i}`));
      // Moved: five steps of lr 0.05 change the weights by far more than the tolerance.
      assert.equal(adamW.iterations, 5);
      adamW.dispose();
      adam.dispose();
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([...ours, ...theirs]);
    });
  }

  it('decays only the named variables, by lr · weightDecay per step, on top of the Adam step', () => {
    const { make, gradients } = fixture(1);
    const plain = make('plain');
    const decayed = make('decayed');
    const a = createAdamW({ variables: plain, learningRate: 0.01 });
    const b = createAdamW({ variables: decayed, learningRate: 0.01, weightDecay: 0.5, decayed: new Set([(decayed[0] as tf.Variable).name]) });
    const start = tf.clone(decayed[0] as tf.Variable);
    for (const [optimizer, variables] of [[a, plain], [b, decayed]] as const) {
      const grads = gradients([...variables], 0);
      optimizer.applyGradients(grads).dispose();
      tf.dispose(Object.values(grads));
    }
    // θ' = θ·(1 − lr·wd) − adamStep = (θ − adamStep) − lr·wd·θ
    const expected = tf.tidy(() => (plain[0] as tf.Variable).sub(start.mul(0.01 * 0.5)));
    assert.ok(maxDifference(decayed[0] as tf.Variable, expected) <= 1e-6);
    assert.ok(maxDifference(decayed[0] as tf.Variable, plain[0] as tf.Variable) > 1e-3, 'the kernel decays');
    assert.equal(maxDifference(decayed[1] as tf.Variable, plain[1] as tf.Variable), 0, 'the bias does not');
    tf.dispose([start, expected, ...plain, ...decayed]);
    a.dispose();
    b.dispose();
  });

  it('resumes from its weights (and from tf.train.adam state) exactly where a straight run is', async () => {
    const { make, gradients } = fixture(6);
    const straight = make('straight');
    const resumed = make('resumed');
    const fromTfjs = make('fromTfjs');
    const run = (optimizer: { applyGradients: (g: Record<string, tf.Tensor>) => tf.Tensor | void }, variables: tf.Variable[], from: number, to: number) => {
      for (let k = from; k < to; k++) {
        const grads = gradients(variables, k);
        tf.dispose(optimizer.applyGradients(grads) ?? []);
        tf.dispose(Object.values(grads));
      }
    };
    const whole = createAdamW({ variables: straight, learningRate: 0.02 });
    run(whole, straight, 0, 6);

    const first = createAdamW({ variables: resumed, learningRate: 0.02, mode: 'tensor' });
    run(first, resumed, 0, 3);
    const saved = first.getWeights();
    first.dispose();
    assert.deepEqual(
      saved.map(({ name }) => name),
      ['iter', ...resumed.map((v) => `${v.name}/m`), ...resumed.map((v) => `${v.name}/v`)],
    );
    const second = createAdamW({ variables: resumed, learningRate: 0.02, mode: 'host' });
    second.setWeights(saved);
    tf.dispose(saved.map(({ tensor }) => tensor));
    run(second, resumed, 3, 6);

    // A checkpoint written by tf.train.adam (before AdamW) continues too.
    const adam: tf.Optimizer = tf.train.adam(0.02);
    run(adam, fromTfjs, 0, 3);
    const adamState = await adam.getWeights();
    const third = createAdamW({ variables: fromTfjs, learningRate: 0.02 });
    third.setWeights(adamState);
    adam.dispose();
    run(third, fromTfjs, 3, 6);

    straight.forEach((variable, i) => {
      assert.ok(maxDifference(variable, resumed[i] as tf.Variable) <= 1e-6, `resumed variable ${i}`);
      assert.ok(maxDifference(variable, fromTfjs[i] as tf.Variable) <= 1e-5, `from tf.train.adam, variable ${i}`);
    });
    assert.throws(() => third.setWeights([]), /optimizer state holds 0 tensors/);
    [whole, second, third].forEach((optimizer) => optimizer.dispose());
    tf.dispose([...straight, ...resumed, ...fromTfjs]);
  });

  for (const mode of ['host', 'tensor'] as const) {
    it(`${mode}: coupled l2 equals tf.train.adam on a loss with l2 · Σ‖kernel‖² added, and returns that penalty`, () => {
      const { make } = fixture(0);
      const ours = make(`l2ours_${mode}`);
      const theirs = make(`l2theirs_${mode}`);
      const x = tf.tensor2d([
        [1, -2, 0.5],
        [0.3, 0.1, -1],
      ]);
      const target = tf.tensor2d([
        [1, 0, 0, 1],
        [0, 1, 1, 0],
      ]);
      const dataLoss = ([kernel, bias]: tf.Variable[]) => tf.losses.meanSquaredError(target, x.matMul(kernel as tf.Variable).add(bias as tf.Variable)) as tf.Scalar;
      const l2 = 0.05;
      const adamW = createAdamW({ variables: ours, learningRate: 0.01, l2, decayed: new Set([(ours[0] as tf.Variable).name]), mode });
      const adam: tf.Optimizer = tf.train.adam(0.01);
      for (let k = 0; k < 4; k++) {
        const expectedPenalty = tf.tidy(() => (theirs[0] as tf.Variable).square().sum().mul(l2).dataSync()[0] as number);
        const a = tf.variableGrads(() => dataLoss(ours), ours);
        const penalty = adamW.applyGradients(a.grads);
        assert.ok(Math.abs((penalty.dataSync()[0] as number) - expectedPenalty) <= 1e-6, `penalty at step ${k}`);
        const b = tf.variableGrads(() => dataLoss(theirs).add((theirs[0] as tf.Variable).square().sum().mul(l2)) as tf.Scalar, theirs);
        adam.applyGradients(b.grads);
        tf.dispose([a.value, b.value, penalty, ...Object.values(a.grads), ...Object.values(b.grads)]);
      }
      ours.forEach((variable, i) => assert.ok(maxDifference(variable, theirs[i] as tf.Variable) <= 1e-5, `variable ${i}`));
      adamW.dispose();
      adam.dispose();
      tf.dispose([x, target, ...ours, ...theirs]);
    });
  }

  it('takes a new learning rate per step and refuses a bad one', () => {
    const { make, gradients } = fixture(1);
    const variables = make('rate');
    const start = variables.map((v) => tf.clone(v));
    const optimizer = createAdamW({ variables, learningRate: 0.1 });
    optimizer.setLearningRate(0);
    const grads = gradients(variables, 0);
    optimizer.applyGradients(grads).dispose();
    variables.forEach((v, i) => assert.equal(maxDifference(v, start[i] as tf.Tensor), 0));
    assert.equal(optimizer.learningRate, 0);
    assert.throws(() => optimizer.setLearningRate(Number.NaN), /learning rate/);
    optimizer.dispose();
    tf.dispose([...Object.values(grads), ...start, ...variables]);
  });
});
