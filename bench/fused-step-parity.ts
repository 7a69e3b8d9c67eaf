/**
 * The fused training step against the tfjs-layers one (`createTrainingStep({ fusedGraph: false })`), for every
 * architecture × every loss weighting: the same seeded network and batches, `--steps` updates each way, then the
 * largest difference between the two sets of weights, and the tensors left behind. Prints one JSON line per pair and
 * a summary line with the worst difference. The committed test (src/train/fused-training-graph.test.ts) checks a few
 * of these pairs; this is the whole matrix.
 *
 *   npm run bench:fused-parity -- [--steps 5] [--normalization none|layer|batch] [--backend wasm|cpu]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { architectures, modelSchema, weightingStrategies } from '../src/config/schema.ts';
import { selectBackend } from '../src/model/backend.ts';
import { buildNetwork } from '../src/model/build-network.ts';
import { SeededDropout } from '../src/model/seeded-dropout.ts';
import { lossWeightings } from '../src/model/weightings/index.ts';
import { createSeededRandom } from '../src/random/seeded-random.ts';
import type { TrainingBatch } from '../src/train/training-batch.ts';
import { createTrainingStep } from '../src/train/training-step.ts';
import type { TrainTask } from '../src/train/train-task.ts';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '5' }, normalization: { type: 'string', default: 'none' }, backend: { type: 'string', default: 'wasm' } }, strict: true });
const steps = Number(values.steps);
const backend = await selectBackend(values.backend);
const width = 6;
const rows = 64;

/** A seeded batch, every fifth label missing. */
function batch(tasks: readonly TrainTask[], seed: number): TrainingBatch {
  const random = createSeededRandom(seed);
  const x = Float32Array.from({ length: rows * width }, () => random.normal());
  const targets = Object.fromEntries(
    tasks.map((task) => [
      task.name,
      {
        y: Float32Array.from({ length: rows }, () => (task.type === 'binary' ? Number(random.next() < 0.4) : random.normal())),
        mask: Float32Array.from({ length: rows }, (_, i) => Number(i % 5 !== 0)),
      },
    ]),
  );
  return { rows, width, x, targets };
}

let worst = 0;
for (const arch of architectures) {
  // ESMM needs a task conditioned on another.
  const tasks: TrainTask[] = [
    { name: 'buy', type: 'binary', units: 1, loss: 'bce', weight: 1, auxiliary: false },
    { name: 'spend', type: 'regression', units: 1, loss: 'mse', weight: 1, auxiliary: false },
    { name: 'churn', type: 'binary', units: 1, loss: 'bce', weight: 1, auxiliary: false, ...(arch === 'esmm' ? { conditionedOn: 'buy' } : {}) },
  ];
  for (const weighting of weightingStrategies) {
    const params = modelSchema.parse({ arch, weighting, seed: 3, sharedUnits: [16, 8], towerUnits: [4], dropout: 0.2, l2: 1e-3, learningRate: 0.01, normalization: values.normalization });
    const train = (fusedGraph: boolean): Float32Array[] => {
      const network = buildNetwork({ inputWidth: width, tasks, params, targetScales: {} });
      network.training.layers.forEach((layer, i) => layer instanceof SeededDropout && layer.reseed(100 + i));
      const strategy = lossWeightings[weighting](tasks.map((task) => ({ name: task.name, type: task.type, staticWeight: 1 })), params);
      const step = createTrainingStep({ network, trained: tasks.map((task, output) => ({ task, output })), weighting: strategy, params, fusedGraph });
      for (let k = 0; k < steps; k++) step.run(batch(tasks, k)).dispose();
      const weights = network.training.getWeights().map((tensor) => Float32Array.from(tensor.dataSync()));
      step.dispose();
      strategy.dispose();
      network.training.dispose();
      network.serving.dispose();
      return weights;
    };
    const tensorsBefore = tf.memory().numTensors;
    const fused = train(true);
    const plain = train(false);
    let difference = 0;
    fused.forEach((weights, i) => weights.forEach((value, j) => (difference = Math.max(difference, Math.abs(value - (plain[i]?.[j] ?? Number.NaN))))));
    worst = Math.max(worst, difference);
    console.log(JSON.stringify({ bench: 'fused-step-parity', arch, weighting, normalization: values.normalization, steps, maxWeightDifference: difference, tensorsLeft: tf.memory().numTensors - tensorsBefore }));
  }
}
console.log(JSON.stringify({ bench: 'fused-step-parity', backend, normalization: values.normalization, steps, pairs: architectures.length * weightingStrategies.length, worstWeightDifference: worst }));
