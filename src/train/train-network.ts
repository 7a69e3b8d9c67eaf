import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config/schema.ts';
import type { MultiTaskNetwork, TargetScale } from '../model/build-network.ts';
import { computeMaskedTaskLoss } from '../model/task-loss.ts';
import { createSeededRandom, shuffleInPlace } from '../random/seeded-random.ts';
import type { EncodedSplit } from './encoded-split.ts';
import { predictNetwork } from './predict-network.ts';
import type { TrainTask } from './train-task.ts';

/** One epoch in the learning curve. */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean weighted training loss over the epoch's batches (including the L2 term). */
  readonly trainLoss: number;
  /** Validation combined score after the epoch (early stopping watches it). */
  readonly validationScore: number | null;
  readonly seconds: number;
}

/** Arguments of {@link trainNetwork}. */
export interface TrainNetworkArgs {
  readonly network: MultiTaskNetwork;
  readonly train: EncodedSplit;
  readonly validation: EncodedSplit;
  readonly tasks: readonly TrainTask[];
  readonly params: ModelConfig;
  readonly targetScales: Readonly<Record<string, TargetScale>>;
  /** Scores validation predictions (per task name) for early stopping; higher is better. */
  readonly scoreValidation: (predictions: Record<string, Float32Array>) => number | null;
  readonly onEpoch?: (record: EpochRecord) => void;
}

/** What training did. The network is left holding the weights of `bestEpoch`. */
export interface TrainNetworkResult {
  readonly history: readonly EpochRecord[];
  readonly bestEpoch: number;
  readonly bestScore: number | null;
  readonly stoppedEarly: boolean;
  /** Training rows processed per second over all epochs (forward + backward + update). */
  readonly samplesPerSecond: number;
}

/**
 * Minibatch Adam on Σ λ_k · masked loss_k + l2 · Σ‖W‖² over the training graph, early stopping on the validation
 * score with `params.patience`, restoring the best epoch's weights. Batches are copied out of the row-major
 * matrix (wasm's Slice copies the whole source tensor). Shuffles with `params.seed`.
 */
export async function trainNetwork(args: TrainNetworkArgs): Promise<TrainNetworkResult> {
  const { network, train, validation, tasks, params, targetScales, scoreValidation, onEpoch } = args;
  const optimizer = tf.train.adam(params.learningRate);
  const variables = network.training.trainableWeights.map((weight) => weight.read() as tf.Variable);
  // tfjs makes variable names unique per process (`.../kernel_3`), so match the suffix loosely.
  const kernels = network.training.trainableWeights.filter((weight) => /\/kernel(_\d+)?$/.test(weight.name)).map((weight) => weight.read());
  const random = createSeededRandom(params.seed);
  const order = Array.from({ length: train.rows }, (_, i) => i);
  const history: EpochRecord[] = [];
  let best: { epoch: number; score: number | null; weights: tf.Tensor[] } | undefined;
  let sinceBest = 0;
  let stoppedEarly = false;
  let trainSeconds = 0;
  let samples = 0;

  try {
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      const started = performance.now();
      shuffleInPlace(order, random);
      let lossTotal: tf.Tensor = tf.scalar(0);
      let batches = 0;
      for (let start = 0; start < train.rows; start += params.batchSize) {
        const batchRows = order.slice(start, start + params.batchSize);
        const batch = copyBatch(train, batchRows, tasks, targetScales);
        const loss = optimizer.minimize(
          () =>
            tf.tidy(() => {
              const input = tf.tensor2d(batch.x, [batchRows.length, train.width]);
              const applied = network.training.apply(input, { training: true });
              const outputs = Array.isArray(applied) ? applied : [applied];
              let total: tf.Scalar = tf.scalar(0);
              tasks.forEach((task, k) => {
                if (task.weight === 0) return;
                const output = (outputs[k] as tf.Tensor).reshape([-1]) as tf.Tensor1D;
                const target = batch.targets[task.name] as { y: Float32Array; mask: Float32Array };
                const taskLoss = computeMaskedTaskLoss(task.loss, output, tf.tensor1d(target.y), tf.tensor1d(target.mask));
                total = total.add(taskLoss.mul(task.weight));
              });
              if (params.l2 > 0 && kernels.length > 0) total = total.add(tf.addN(kernels.map((w) => w.square().sum())).mul(params.l2));
              return total;
            }),
          true,
          variables,
        );
        if (loss !== null) {
          // Summed on the device; read once per epoch rather than stalling on every batch.
          const previous = lossTotal;
          lossTotal = previous.add(loss);
          previous.dispose();
          loss.dispose();
        }
        batches++;
      }
      const lossSum = (await lossTotal.data())[0] as number;
      lossTotal.dispose();
      const epochTrainSeconds = (performance.now() - started) / 1000;
      trainSeconds += epochTrainSeconds;
      samples += train.rows;

      const predictions = await predictNetwork(network.serving, validation.x, validation.rows, validation.width, network.outputNames);
      const score = scoreValidation(predictions);
      const record: EpochRecord = { epoch, trainLoss: lossSum / Math.max(batches, 1), validationScore: score, seconds: (performance.now() - started) / 1000 };
      history.push(record);
      onEpoch?.(record);

      if (best === undefined || (score !== null && (best.score === null || score > best.score + 1e-5))) {
        tf.dispose(best?.weights);
        best = { epoch, score, weights: network.serving.getWeights().map((w) => w.clone()) };
        sinceBest = 0;
      } else if (++sinceBest >= params.patience) {
        stoppedEarly = epoch < params.epochs;
        break;
      }
    }
    if (best !== undefined) network.serving.setWeights(best.weights);
  } finally {
    tf.dispose(best?.weights);
    optimizer.dispose();
  }
  return {
    history,
    bestEpoch: best?.epoch ?? 0,
    bestScore: best?.score ?? null,
    stoppedEarly,
    samplesPerSecond: trainSeconds > 0 ? samples / trainSeconds : 0,
  };
}

interface Batch {
  readonly x: Float32Array;
  readonly targets: Record<string, { y: Float32Array; mask: Float32Array }>;
}

/** Copies the rows of one batch into fresh arrays; regression labels are standardised, missing labels masked. */
function copyBatch(split: EncodedSplit, rows: readonly number[], tasks: readonly TrainTask[], targetScales: Readonly<Record<string, TargetScale>>): Batch {
  const x = new Float32Array(rows.length * split.width);
  rows.forEach((row, i) => x.set(split.x.subarray(row * split.width, (row + 1) * split.width), i * split.width));
  const targets: Batch['targets'] = {};
  for (const task of tasks) {
    const labels = split.labels[task.name] as Float32Array;
    const scale = targetScales[task.name] ?? { mean: 0, std: 1 };
    const y = new Float32Array(rows.length);
    const mask = new Float32Array(rows.length);
    rows.forEach((row, i) => {
      const label = labels[row] as number;
      if (Number.isNaN(label)) return;
      y[i] = (label - scale.mean) / scale.std;
      mask[i] = 1;
    });
    targets[task.name] = { y, mask };
  }
  return { x, targets };
}
