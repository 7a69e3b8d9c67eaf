import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { before, describe, it } from 'node:test';
import { syntheticSplits, syntheticTasks } from '../../test/helpers/synthetic-splits.ts';
import { featuresSchema, modelSchema, selectionSchema } from '../config/schema.ts';
import { categoricalBlocks, type InputBlock } from '../features/preprocessor.ts';
import { trainCandidate } from '../train/train-candidate.ts';
import { selectBackend } from './backend.ts';
import { buildNetwork } from './build-network.ts';
import { deserializeNetwork, serializeNetwork } from './serialize-network.ts';

const params = modelSchema.parse({ arch: 'shared-bottom', sharedUnits: [4], towerUnits: [], seed: 3 });
const tasks = [{ name: 'buy', type: 'binary' as const, units: 1 }];

describe('categorical embedding at the network input', () => {
  before(() => selectBackend());

  it('projects each one-hot block wider than the width to it (no bias) and passes every other input through, in order', async () => {
    const before = tf.memory().numTensors;
    const blocks = [
      { name: 'plan', start: 2, size: 5 },
      { name: 'tiny', start: 7, size: 2 },
    ];
    const network = buildNetwork({ inputWidth: 10, tasks, params, targetScales: {}, categoricalEmbedding: { units: 3, blocks } });
    try {
      const embedding = network.training.getLayer('categorical_embedding0');
      const [kernel] = embedding.getWeights();
      assert.deepEqual(kernel?.shape, [5, 3]);
      assert.equal(embedding.getWeights().length, 1, 'no bias');
      assert.throws(() => network.training.getLayer('categorical_embedding1'), /No such layer/, 'a block no wider than the width stays one-hot');
      const row = [0.5, -1, 0, 0, 1, 0, 0, 1, 0, 2];
      const embedded = tf.model({ inputs: network.serving.inputs, outputs: network.serving.getLayer('embedded_input').getOutputAt(1) as tf.SymbolicTensor });
      tf.tidy(() => {
        const out = Array.from((embedded.predict(tf.tensor2d([row])) as tf.Tensor).dataSync());
        const table = (kernel as tf.Tensor).arraySync() as number[][];
        const expected = [0.5, -1, ...(table[2] as number[]), 1, 0, 2];
        assert.equal(out.length, expected.length);
        expected.forEach((value, i) => assert.ok(Math.abs((out[i] as number) - value) < 1e-6, `output ${i}: ${out[i]} vs ${value}`));
      });
      // The serving graph saves and reloads with the slice layer, to identical outputs.
      const loaded = await deserializeNetwork(await serializeNetwork(network.serving));
      tf.tidy(() => {
        const x = tf.tensor2d([row, [0, 0, 0, 0, 0, 0, 1, 0, 1, -1]]);
        assert.deepEqual(Array.from((loaded.predict(x) as tf.Tensor).dataSync()), Array.from((network.serving.predict(x) as tf.Tensor).dataSync()));
      });
      loaded.dispose();
    } finally {
      network.training.dispose();
      network.serving.dispose();
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('trains on the backend in use (no gather gradient needed) and learns the embedding', async () => {
    const { splits, featureColumns } = syntheticSplits(200);
    const features = featuresSchema.parse({ categoricalEmbedding: 2, minCategoryCount: 1 });
    const before = tf.memory().numTensors;
    const candidate = await trainCandidate({
      splits,
      featureColumns,
      tasks: syntheticTasks,
      params: modelSchema.parse({ sharedUnits: [8], towerUnits: [4], epochs: 2, batchSize: 32 }),
      features,
      selection: selectionSchema.parse({}),
    });
    try {
      const [block] = categoricalBlocks(candidate.preprocessor);
      assert.equal(block?.name, 'plan');
      const layer = candidate.network.serving.getLayer('categorical_embedding0');
      const kernel = layer.getWeights()[0] as tf.Tensor;
      assert.deepEqual(kernel.shape, [block?.size, 2]);
      // The same seed and layer name, untrained: the initial embedding.
      const initial = buildNetwork({
        inputWidth: candidate.preprocessor.inputNames.length,
        tasks: candidate.network.heads,
        params: modelSchema.parse({ sharedUnits: [8], towerUnits: [4] }),
        targetScales: {},
        categoricalEmbedding: { units: 2, blocks: [block as InputBlock] },
      });
      const untrained = initial.training.getLayer('categorical_embedding0').getWeights()[0] as tf.Tensor;
      assert.notDeepEqual(Array.from(kernel.dataSync()), Array.from(untrained.dataSync()), 'training moved the embedding');
      initial.training.dispose();
      initial.serving.dispose();
      assert.ok(Number.isFinite(candidate.metrics.validation.combinedScore), 'a finite validation score');
    } finally {
      candidate.network.training.dispose();
      candidate.network.serving.dispose();
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });
});
