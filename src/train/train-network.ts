import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config/schema.ts';
import type { MultiTaskNetwork, TargetScale } from '../model/build-network.ts';
import { lossWeightings } from '../model/weightings/index.ts';
import { SeededDropout } from '../model/seeded-dropout.ts';
import { createSeededRandom, mixSeed, shuffleInPlace } from '../random/seeded-random.ts';
import type { EncodedSplit } from './encoded-split.ts';
import { predictNetwork } from './predict-network.ts';
import { learningRateAt } from './learning-rate-schedule.ts';
import { computeGradientCosines } from './task-diagnostics.ts';
import { copyBatch } from './training-batch.ts';
import { createTrainingStep, type TrainedTaskOutput } from './training-step.ts';
import type { TrainTask } from './train-task.ts';
import type { EpochRecord, TrainingProgress, TrainingState } from './training-state.ts';

/** The validation score early stopping watches, and each task's KPI for strategies that adapt to it (DTP). */
export interface ValidationScore {
  /** Higher is better; null when undefined (no task has an auc). */
  readonly combinedScore: number | null;
  /** Per task, (auc + f1) / 2 in [0, 1]; null where undefined. */
  readonly taskKpis: Readonly<Record<string, number | null>>;
}

/** Arguments of {@link trainNetwork}. */
export interface TrainNetworkArgs {
  readonly network: MultiTaskNetwork;
  readonly train: EncodedSplit;
  readonly validation: EncodedSplit;
  readonly tasks: readonly TrainTask[];
  readonly params: ModelConfig;
  readonly targetScales: Readonly<Record<string, TargetScale>>;
  /** Scores validation predictions (per task name) for early stopping. */
  readonly scoreValidation: (predictions: Record<string, Float32Array>) => ValidationScore;
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

/** Rows of the fixed batch on which the task gradients are compared after each epoch. */
const probeRows = 512;

/**
 * Minibatch AdamW (learning rate per step from `params.lrSchedule`, decoupled decay `params.weightDecay`) on the
 * objective of `params.weighting` (SPEC §4) + l2 · Σ‖W‖² + the architecture's own losses, over the training graph;
 * early stopping on the validation score with `params.patience`, restoring the best epoch's
 * weights. After each epoch the strategy adapts, and the epoch record carries each task's loss and weight and the
 * cosines of the task gradients on the shared parameters. Every epoch's shuffle and dropout masks derive from
 * `params.seed` and the epoch number, and the strategy's state is checkpointed, so a resumed run equals a straight one.
 */
export async function trainNetwork(args: TrainNetworkArgs): Promise<TrainNetworkResult> {
  const { network, train, validation, tasks, params, targetScales, scoreValidation, onEpoch, resume } = args;
  const lastEpoch = Math.min(args.untilEpoch ?? params.epochs, params.epochs);
  const trained: TrainedTaskOutput[] = tasks.flatMap((task, output) => (task.weight > 0 ? [{ task, output }] : []));
  const weighting = lossWeightings[params.weighting](
    trained.map(({ task }) => ({ name: task.name, type: task.type, staticWeight: task.weight })),
    params,
  );
  const step = createTrainingStep({ network, trained, weighting, params });
  const batchesPerEpoch = Math.ceil(train.rows / params.batchSize);
  // Over the whole budget of epochs, so an ASHA rung or early stopping does not change the rates of the steps it runs.
  const schedule = { schedule: params.lrSchedule, baseRate: params.learningRate, totalSteps: Math.max(1, params.epochs * batchesPerEpoch), warmupSteps: params.warmupEpochs * batchesPerEpoch };
  const dropouts = network.training.layers.filter((layer): layer is SeededDropout => layer instanceof SeededDropout);
  const probe = copyBatch(train, Array.from({ length: Math.min(train.rows, probeRows) }, (_, i) => i), tasks, targetScales);
  const history: EpochRecord[] = [...(resume?.progress.history ?? [])];
  let best: { epoch: number; score: number | null; weights: tf.Tensor[] } | undefined;
  let sinceBest = resume?.progress.sinceBest ?? 0;
  let stoppedEarly = resume?.progress.stoppedEarly ?? false;
  let trainSeconds = resume?.progress.trainSeconds ?? 0;
  let samples = resume?.progress.samples ?? 0;

  try {
    if (resume !== undefined) {
      network.training.setWeights(resume.weights);
      if (resume.weighting !== undefined) weighting.restoreState(resume.weighting);
      if (resume.optimizerWeights.length > 0) step.optimizer.setWeights(resume.optimizerWeights);
      if (resume.progress.bestEpoch > 0) best = { epoch: resume.progress.bestEpoch, score: resume.progress.bestScore, weights: resume.bestWeights.map((w) => w.clone()) };
    }
    for (let epoch = (resume?.progress.epochsDone ?? 0) + 1; epoch <= lastEpoch && !stoppedEarly; epoch++) {
      const started = performance.now();
      const random = createSeededRandom(mixSeed(params.seed, epoch));
      const order = shuffleInPlace(Array.from({ length: train.rows }, (_, i) => i), random);
      dropouts.forEach((layer, i) => layer.reseed(mixSeed(params.seed, epoch * 1000 + i)));
      let lossTotal: tf.Tensor = tf.zeros([trained.length + 1]);
      let batches = 0;
      for (let start = 0; start < train.rows; start += params.batchSize) {
        const batch = copyBatch(train, order.slice(start, start + params.batchSize), tasks, targetScales);
        step.optimizer.setLearningRate(learningRateAt((epoch - 1) * batchesPerEpoch + batches, schedule));
        const losses = step.run(batch);
        // Summed on the device; read once per epoch rather than stalling on every batch.
        const previous = lossTotal;
        lossTotal = previous.add(losses);
        tf.dispose([previous, losses]);
        batches++;
      }
      const sums = await lossTotal.data();
      lossTotal.dispose();
      const epochTrainSeconds = (performance.now() - started) / 1000;
      trainSeconds += epochTrainSeconds;
      samples += train.rows;

      const predictions = await predictNetwork(network.serving, validation.x, validation.rows, validation.width, network.outputNames);
      const score = scoreValidation(predictions);
      const taskLosses = Object.fromEntries(trained.map(({ task }, k) => [task.name, (sums[k] as number) / Math.max(batches, 1)]));
      weighting.endEpoch?.({ epoch, trainLosses: taskLosses, validationKpis: score.taskKpis });
      const gradients = trained.length > 1 ? await step.sharedGradients(probe) : [];
      const record: EpochRecord = {
        epoch,
        trainLoss: (sums[trained.length] as number) / Math.max(batches, 1),
        validationScore: score.combinedScore,
        seconds: (performance.now() - started) / 1000,
        taskLosses,
        taskWeights: weighting.effectiveWeights(),
        ...(gradients.length > 0 ? { gradientCosine: computeGradientCosines(trained.map(({ task }) => task.name), gradients) } : {}),
      };
      history.push(record);
      onEpoch?.(record);
      // A turn of the event loop per epoch: the backends' data() resolve as microtasks, so without it a worker would
      // not see SIGTERM (or notice its search is gone) until the whole trial had trained.
      await new Promise((resolve) => setImmediate(resolve));

      const value = score.combinedScore;
      if (best === undefined || (value !== null && (best.score === null || value > best.score + 1e-5))) {
        tf.dispose(best?.weights);
        best = { epoch, score: value, weights: network.training.getWeights().map((w) => w.clone()) };
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
            weights: network.training.getWeights().map((w) => w.clone()),
            bestWeights: (best?.weights ?? []).map((w) => w.clone()),
            optimizerWeights: step.optimizer.getWeights(),
            weighting: weighting.saveState(),
          }
        : undefined;
    if (best !== undefined) network.training.setWeights(best.weights);
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
    step.dispose();
    weighting.dispose();
  }
}
