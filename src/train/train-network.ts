import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config/schema.ts';
import type { MultiTaskNetwork, TargetScale } from '../model/build-network.ts';
import { computeMaskedTaskLoss } from '../model/task-loss.ts';
import { createSeededRandom, shuffleInPlace } from '../random/seeded-random.ts';
import type { EncodedSplit } from './encoded-split.ts';
import { predictNetwork } from './predict-network.ts';
import type { TrainTask } from './train-task.ts';
import type { NamedTensor, TrainingProgress, TrainingState } from './training-state.ts';
import { SeededDropout } from '../model/seeded-dropout.ts';

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
  /** Continue from this checkpoint (same data, params and seed) instead of from the initial weights. */
  readonly resume?: TrainingState;
  /** Stop after this epoch (an ASHA rung) even if `params.epochs` is higher. @default params.epochs */
  readonly untilEpoch?: number;
  /** Return a checkpoint to continue from later (the caller disposes it). @default false */
  readonly keepState?: boolean;
}

/** What training did. The network is left holding the weights of `bestEpoch`. */
export interface TrainNetworkResult {
  readonly history: readonly EpochRecord[];
  readonly bestEpoch: number;
  readonly bestScore: number | null;
  readonly stoppedEarly: boolean;
  /** Training rows processed per second over all epochs (forward + backward + update). */
  readonly samplesPerSecond: number;
  /** Present with `keepState`: where training stopped, to resume it. */
  readonly state?: TrainingState;
}

/**
 * Minibatch Adam on Σ λ_k · masked loss_k + l2 · Σ‖W‖² over the training graph, early stopping on the validation
 * score with `params.patience`, restoring the best epoch's weights. Batches are copied out of the row-major
 * matrix (wasm's Slice copies the whole source tensor). Every epoch's shuffle and dropout masks derive from
 * `params.seed` and the epoch number, so training resumed from a checkpoint equals training straight through.
 */
export async function trainNetwork(args: TrainNetworkArgs): Promise<TrainNetworkResult> {
  const { network, train, validation, tasks, params, targetScales, scoreValidation, onEpoch, resume } = args;
  const lastEpoch = Math.min(args.untilEpoch ?? params.epochs, params.epochs);
  const optimizer = tf.train.adam(params.learningRate);
  const variables = network.training.trainableWeights.map((weight) => weight.read() as tf.Variable);
  // tfjs makes variable names unique per process (`.../kernel_3`), so match the suffix loosely.
  const kernels = network.training.trainableWeights.filter((weight) => /\/kernel(_\d+)?$/.test(weight.name)).map((weight) => weight.read());
  const dropouts = network.training.layers.filter((layer): layer is SeededDropout => layer instanceof SeededDropout);
  const history: EpochRecord[] = [...(resume?.progress.history ?? [])];
  let best: { epoch: number; score: number | null; weights: tf.Tensor[] } | undefined;
  let sinceBest = resume?.progress.sinceBest ?? 0;
  let stoppedEarly = resume?.progress.stoppedEarly ?? false;
  let trainSeconds = resume?.progress.trainSeconds ?? 0;
  let samples = resume?.progress.samples ?? 0;
  if (resume !== undefined) {
    network.serving.setWeights(resume.weights);
    if (resume.optimizerWeights.length > 0) {
      // Adam makes variables that share these clones' data (reference-counted), so the clones can go afterwards.
      const clones = resume.optimizerWeights.map(({ name, tensor }) => ({ name, tensor: tensor.clone() }));
      await optimizer.setWeights(clones);
      tf.dispose(clones.map((clone) => clone.tensor));
    }
    if (resume.progress.bestEpoch > 0) best = { epoch: resume.progress.bestEpoch, score: resume.progress.bestScore, weights: resume.bestWeights.map((w) => w.clone()) };
  }

  try {
    for (let epoch = (resume?.progress.epochsDone ?? 0) + 1; epoch <= lastEpoch && !stoppedEarly; epoch++) {
      const started = performance.now();
      const random = createSeededRandom(mixSeed(params.seed, epoch));
      const order = shuffleInPlace(Array.from({ length: train.rows }, (_, i) => i), random);
      dropouts.forEach((layer, i) => layer.reseed(mixSeed(params.seed, epoch * 1000 + i)));
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
      }
    }
    const progress: TrainingProgress = {
      epochsDone: history.length,
      history,
      bestEpoch: best?.epoch ?? 0,
      bestScore: best?.score ?? null,
      sinceBest,
      stoppedEarly,
      trainSeconds,
      samples,
    };
    const state: TrainingState | undefined =
      args.keepState === true
        ? {
            progress,
            weights: network.serving.getWeights().map((w) => w.clone()),
            bestWeights: (best?.weights ?? []).map((w) => w.clone()),
            optimizerWeights: await snapshotOptimizer(optimizer),
          }
        : undefined;
    if (best !== undefined) network.serving.setWeights(best.weights);
    return {
      history,
      bestEpoch: progress.bestEpoch,
      bestScore: progress.bestScore,
      stoppedEarly,
      samplesPerSecond: trainSeconds > 0 ? samples / trainSeconds : 0,
      ...(state === undefined ? {} : { state }),
    };
  } finally {
    tf.dispose(best?.weights);
    optimizer.dispose();
  }
}

/**
 * Copies an optimizer's state. `getWeights()` returns its own variables (disposed with the optimizer) plus a fresh
 * `iter` scalar; everything is cloned and the fresh scalar freed.
 */
async function snapshotOptimizer(optimizer: tf.Optimizer): Promise<NamedTensor[]> {
  const weights = await optimizer.getWeights();
  const copies = weights.map(({ name, tensor }) => ({ name, tensor: tensor.clone() }));
  tf.dispose(weights.filter(({ tensor }) => !(tensor instanceof tf.Variable)).map(({ tensor }) => tensor));
  return copies;
}

/** A 31-bit seed from a base seed and a counter (epoch, layer), so each epoch's randomness stands on its own. */
function mixSeed(seed: number, counter: number): number {
  let hash = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(counter + 1, 0xc2b2ae35);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x7feb352d);
  hash ^= hash >>> 15;
  return (hash >>> 0) % 2147483647;
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
