import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { architectures, modelSchema, type ModelConfig } from '../config/schema.ts';
import type { RawRow } from '../data/labelled-row.ts';
import { transformRows } from '../features/preprocessor.ts';
import { FileStore } from '../store/file-store.ts';
import { trainTinyModel } from '../../test/helpers/train-tiny-model.ts';
import { createSeededRandom } from '../random/seeded-random.ts';
import type { TaskHead } from './architecture.ts';
import { selectBackend } from './backend.ts';
import { buildNetwork } from './build-network.ts';
import { compileNetwork } from './compiled-network.ts';
import { loadModel } from './model-artifacts.ts';
import { deserializeNetwork, serializeNetwork } from './serialize-network.ts';

const inputWidth = 7;
const rows = 37;
const tolerance = 1e-5;

/** Heads of every type; ESMM conditions a binary and a regression task on `buy` (ProductLogit, ProductValue). */
function headsFor(arch: ModelConfig['arch']): TaskHead[] {
  const conditioned = arch === 'esmm';
  return [
    { name: 'buy', type: 'binary', units: 1 },
    { name: 'repeat', type: 'binary', units: 1, ...(conditioned ? { conditionedOn: 'buy' } : {}) },
    ...(conditioned ? [] : [{ name: 'plan', type: 'multiclass' as const, units: 3 }]),
    { name: 'spend', type: 'regression', units: 1, scale: { mean: 40, std: 12 }, ...(conditioned ? { conditionedOn: 'buy' } : {}) },
  ];
}

/** `[rows, width]` seeded normal values with a share of exact zeros (one-hot inputs are mostly zeros). */
function inputMatrix(width: number, seed = 5): Float32Array {
  const random = createSeededRandom(seed);
  return Float32Array.from({ length: rows * width }, () => (random.next() < 0.3 ? 0 : (random.next() - 0.5) * 6));
}

/** Replaces every weight with seeded noise, so zero biases and the initial α do not hide a wrong index. */
function perturbWeights(network: tf.LayersModel, seed = 11): void {
  const random = createSeededRandom(seed);
  for (const layer of network.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const noisy = weights.map((w) => tf.tensor(Float32Array.from(w.dataSync(), (v) => v + (random.next() - 0.5) * 0.6), w.shape));
    layer.setWeights(noisy);
    tf.dispose(noisy);
  }
}

/** Both ways of running `network` on `x`: TensorFlow.js, and the compiled graph. */
function runBoth(network: tf.LayersModel, x: Float32Array): { expected: Float32Array[]; actual: Float32Array[] } {
  const result = compileNetwork(network);
  assert.ok(result.compiled !== undefined, `not compiled: ${result.compiled === undefined ? result.reason : ''}`);
  const width = result.compiled.inputWidth;
  const expected = tf.tidy(() => {
    const out = network.predict(tf.tensor2d(x, [x.length / width, width]));
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
  return { expected, actual: result.compiled.predict(x, x.length / width) };
}

function assertClose(actual: readonly Float32Array[], expected: readonly Float32Array[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: number of outputs`);
  expected.forEach((want, k) => {
    const got = actual[k] as Float32Array;
    assert.equal(got.length, want.length, `${label}: output ${k} length`);
    want.forEach((value, i) => {
      const diff = Math.abs((got[i] as number) - value);
      assert.ok(diff <= tolerance * Math.max(1, Math.abs(value)), `${label}: output ${k}[${i}] = ${got[i]}, TensorFlow.js ${value} (diff ${diff})`);
    });
  });
}

describe('compileNetwork', () => {
  before(async () => {
    await selectBackend();
  });

  for (const arch of architectures) {
    it(`matches TensorFlow.js within ${tolerance} on a saved and reloaded ${arch} serving graph`, async () => {
      const params = modelSchema.parse({
        arch,
        sharedUnits: [9, 6],
        towerUnits: [5],
        activation: 'elu',
        mmoe: { experts: 3 },
        ple: { levels: 2, sharedExperts: 2, taskExperts: 1 },
        seed: 3,
      });
      const built = buildNetwork({ inputWidth, tasks: headsFor(arch), params, targetScales: {} });
      const network = await deserializeNetwork(await serializeNetwork(built.serving));
      built.training.dispose();
      try {
        perturbWeights(network);
        const before = tf.memory().numTensors;
        const { expected, actual } = runBoth(network, inputMatrix(inputWidth));
        assertClose(actual, expected, arch);
        assert.equal(tf.memory().numTensors, before, 'compiling and predicting leave no tensors behind');
      } finally {
        network.dispose();
      }
    });
  }

  for (const arch of ['shared-bottom', 'esmm'] as const) {
    it(`matches TensorFlow.js on a wide-and-deep ${arch} serving graph (an Add per task)`, async () => {
      const params = modelSchema.parse({ arch, sharedUnits: [8], towerUnits: [4], wide: true, seed: 6 });
      const built = buildNetwork({ inputWidth, tasks: headsFor(arch), params, targetScales: {} });
      const network = await deserializeNetwork(await serializeNetwork(built.serving));
      built.training.dispose();
      try {
        assert.ok(network.layers.some((layer) => layer.getClassName() === 'Add'), 'the wide terms are in the saved graph');
        perturbWeights(network);
        const { expected, actual } = runBoth(network, inputMatrix(inputWidth));
        assertClose(actual, expected, `wide ${arch}`);
      } finally {
        network.dispose();
      }
    });
  }

  for (const activation of ['relu', 'selu', 'tanh'] as const) {
    it(`matches TensorFlow.js with ${activation} hidden layers`, () => {
      const params = modelSchema.parse({ arch: 'shared-bottom', sharedUnits: [8], towerUnits: [4], activation, seed: 4 });
      const built = buildNetwork({ inputWidth, tasks: headsFor('shared-bottom'), params, targetScales: {} });
      try {
        perturbWeights(built.serving);
        const { expected, actual } = runBoth(built.serving, inputMatrix(inputWidth, 6));
        assertClose(actual, expected, activation);
      } finally {
        built.training.dispose();
      }
    });
  }

  it('matches TensorFlow.js for every activation it knows, as a Dense activation and as an Activation layer', () => {
    const names = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh', 'softplus', 'softsign', 'gelu', 'gelu_new', 'swish', 'mish', 'softmax'] as const;
    const input = tf.input({ shape: [inputWidth] });
    const outputs = names.flatMap((activation) => {
      const dense = tf.layers.dense({ units: 4, activation, name: `dense_${activation}` }).apply(input) as tf.SymbolicTensor;
      const linear = tf.layers.dense({ units: 4, name: `linear_${activation}` }).apply(input) as tf.SymbolicTensor;
      return [dense, tf.layers.activation({ activation, name: `activation_${activation}` }).apply(linear) as tf.SymbolicTensor];
    });
    const concatenated = tf.layers.concatenate({ name: 'all' }).apply(outputs.slice(0, 3)) as tf.SymbolicTensor;
    const network = tf.model({ inputs: input, outputs: [...outputs, concatenated] });
    try {
      perturbWeights(network, 12);
      const { expected, actual } = runBoth(network, inputMatrix(inputWidth, 7));
      assertClose(actual, expected, 'activations');
    } finally {
      network.dispose();
    }
  });

  for (const arch of ['shared-bottom', 'mmoe'] as const) {
    for (const normalization of ['layer', 'batch'] as const) {
      it(`matches TensorFlow.js on a saved and reloaded ${arch} serving graph with ${normalization} normalisation`, async () => {
        const params = modelSchema.parse({ arch, sharedUnits: [9, 6], towerUnits: [5], activation: 'relu', normalization, mmoe: { experts: 3 }, seed: 6 });
        const built = buildNetwork({ inputWidth, tasks: headsFor(arch), params, targetScales: {} });
        const network = await deserializeNetwork(await serializeNetwork(built.serving));
        built.training.dispose();
        try {
          const normClass = normalization === 'batch' ? 'BatchNormalization' : 'TandemLayerNormalization';
          assert.ok(network.layers.some((layer) => layer.getClassName() === normClass), `the graph holds a ${normClass}`);
          // Noise on γ, β and the moving mean and variance (all start at 1 or 0, which would hide a swapped vector).
          perturbWeights(network, 14);
          const { expected, actual } = runBoth(network, inputMatrix(inputWidth, 9));
          assertClose(actual, expected, `${arch} ${normalization}`);
        } finally {
          network.dispose();
        }
      });
    }
  }

  it('matches TensorFlow.js on a BatchNormalization without centre or scale, and with its own epsilon', () => {
    const input = tf.input({ shape: [inputWidth] });
    const hidden = tf.layers.dense({ units: 5 }).apply(input) as tf.SymbolicTensor;
    const plain = tf.layers.batchNormalization({ center: false, scale: false, epsilon: 0.05 }).apply(hidden) as tf.SymbolicTensor;
    const scaled = tf.layers.batchNormalization({ center: false, epsilon: 0.2 }).apply(hidden) as tf.SymbolicTensor;
    const network = tf.model({ inputs: input, outputs: [plain, scaled] });
    try {
      perturbWeights(network, 15);
      const { expected, actual } = runBoth(network, inputMatrix(inputWidth, 10));
      assertClose(actual, expected, 'batch normalisation options');
    } finally {
      network.dispose();
    }
  });

  it('matches TensorFlow.js on a trained model with categorical embeddings and batch normalisation', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-compiled-'));
    try {
      const store = new FileStore(folder);
      // Trained, so the moving statistics are the ones a few real steps leave (not the initial 0 and 1).
      const { modelId } = await trainTinyModel(store, { normalization: 'batch' }, { features: { categoricalEmbedding: 2 } });
      const model = await loadModel(store, modelId);
      try {
        const classes = model.network.layers.map((layer) => layer.getClassName());
        assert.ok(classes.includes('TandemColumnSlice') && classes.includes('BatchNormalization'), `layers: ${classes.join(', ')}`);
        const customers: RawRow[] = [
          { customer_id: 'A1', plan: 'pro', internet: 'Fiber optic', tenure: 2 },
          { plan: 'basic', internet: 'No', tenure: 60 },
          { customer_id: 'C1', plan: 'unheard-of', tenure: null },
          { plan: 'plus', internet: 'DSL', tenure: 31 },
        ];
        const { expected, actual } = runBoth(model.network, transformRows(model.preprocessor, customers));
        assertClose(actual, expected, 'categorical embedding');
      } finally {
        model.network.dispose();
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('scores a row the same, to the bit, alone and in any batch', async () => {
    const params = modelSchema.parse({ arch: 'mmoe', sharedUnits: [8], towerUnits: [4], seed: 5 });
    const built = buildNetwork({ inputWidth, tasks: headsFor('mmoe'), params, targetScales: {} });
    try {
      perturbWeights(built.serving);
      const { compiled } = compileNetwork(built.serving);
      assert.ok(compiled !== undefined);
      const x = inputMatrix(inputWidth, 8);
      const batch = compiled.predict(x, rows);
      for (const r of [0, 17, rows - 1]) {
        const alone = compiled.predict(x.subarray(r * inputWidth, (r + 1) * inputWidth), 1);
        alone.forEach((values, k) => {
          const width = compiled.outputWidths[k] as number;
          assert.deepEqual(values, (batch[k] as Float32Array).slice(r * width, (r + 1) * width));
        });
      }
      assert.deepEqual(compiled.outputNames, ['buy', 'repeat', 'plan', 'spend']);
      assert.deepEqual(compiled.outputWidths, [1, 1, 3, 1]);
    } finally {
      built.training.dispose();
    }
  });

  it('scores more rows than one chunk holds', () => {
    const input = tf.input({ shape: [3] });
    const network = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, activation: 'sigmoid' }).apply(input) as tf.SymbolicTensor });
    try {
      perturbWeights(network, 13);
      const many = 1300;
      const random = createSeededRandom(9);
      const { expected, actual } = runBoth(network, Float32Array.from({ length: many * 3 }, () => random.next() * 4 - 2));
      assertClose(actual, expected, `${many} rows`);
    } finally {
      network.dispose();
    }
  });

  it('refuses a graph with a layer it does not know, naming the layer, so the caller keeps TensorFlow.js', () => {
    const input = tf.input({ shape: [inputWidth] });
    const normalised = tf.layers.layerNormalization({ name: 'norm' }).apply(tf.layers.dense({ units: 4 }).apply(input)) as tf.SymbolicTensor;
    const network = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(normalised) as tf.SymbolicTensor });
    try {
      const result = compileNetwork(network);
      assert.equal(result.compiled, undefined);
      assert.match(result.compiled === undefined ? result.reason : '', /"norm" is a LayerNormalization/);
    } finally {
      network.dispose();
    }
  });

  it('refuses an activation it does not know', () => {
    const input = tf.input({ shape: [inputWidth] });
    // Registered in tfjs-layers but missing from its ActivationIdentifier type: the one activation left uncompiled.
    const activation = 'logSoftmax' as tf.serialization.ConfigDictValue as 'linear';
    const network = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, activation, name: 'odd' }).apply(input) as tf.SymbolicTensor });
    try {
      const result = compileNetwork(network);
      assert.equal(result.compiled, undefined);
      assert.match(result.compiled === undefined ? result.reason : '', /"odd" uses activation "logSoftmax"/);
    } finally {
      network.dispose();
    }
  });
});
