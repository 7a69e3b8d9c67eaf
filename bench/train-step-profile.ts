/**
 * Where one Tandem training step's time goes (`bench:train --profile`): the same network, training step and AdamW as
 * `trainNetwork` (src/train), timed phase by phase and kernel by kernel on the backend in use.
 *
 * Phases (ms per batch, each the mean over `steps` batches, run one phase at a time): `copyBatch` (the JavaScript
 * copy of the batch's rows and labels), `upload` (the batch's tensors), `forwardNetwork` (the training graph's
 * forward pass, upload excluded), `lossOps` (the masked task losses and their sum), `backward`
 * (variableGrads minus the forward pass: the tape and the gradient kernels), `adam` (the AdamW update training uses,
 * src/train/adamw-optimizer.ts), `tfjsAdam` (tf.train.adam's applyGradients on the same gradients, for comparison). `step` is
 * `createTrainingStep().run`, the real fused step, and `batch` = copyBatch + step: what an epoch spends per batch.
 * On wasm and cpu the forward and loss phases run the fused graph and losses (src/train/fused-training-graph.ts) as the
 * step does; `plainStep` and `plainKernelsPerStep` are the same step through tfjs-layers and the tensor losses
 * (`fusedGraph: false`), the path before them, for comparison.
 *
 * Kernels: `tf.profile` over `profiledSteps` real steps; per kernel name its calls and kernel milliseconds per step.
 * `kernelShare` is the kernels' time over the profiled steps' wall time; the rest is tfjs's JavaScript around them (dispatch,
 * the gradient tape, tidy and memory bookkeeping). The wasm backend runs kernels synchronously, so wall times are
 * the work itself.
 */
import * as tf from '@tensorflow/tfjs';
import { modelSchema } from '../src/config/schema.ts';
import { buildNetwork, type TargetScale } from '../src/model/build-network.ts';
import { SeededDropout } from '../src/model/seeded-dropout.ts';
import { computeMaskedTaskLoss } from '../src/model/task-loss.ts';
import { createSeededRandom, shuffleInPlace } from '../src/random/seeded-random.ts';
import type { EncodedSplit } from '../src/train/encoded-split.ts';
import { createAdamW } from '../src/train/adamw-optimizer.ts';
import { batchTensors, copyBatch } from '../src/train/training-batch.ts';
import { createFusedTrainingGraph } from '../src/train/fused-training-graph.ts';
import { fusedMaskedTaskLosses } from '../src/train/fused-task-losses.ts';
import { createTrainingStep } from '../src/train/training-step.ts';
import type { TrainTask } from '../src/train/train-task.ts';
import { round } from './round.ts';

/** What {@link profileTrainingStep} reports. */
export interface StepProfile {
  readonly arch: string;
  readonly batchSize: number;
  readonly steps: number;
  /** Mean milliseconds per batch of each phase. */
  readonly phasesMs: Record<string, number>;
  /** batches per epoch × `batch`, in seconds: what the epoch would take from the measured step alone. */
  readonly impliedEpochSeconds: number;
  readonly kernelsPerStep: number;
  /** Kernels of one step through tfjs-layers and the tensor losses (`fusedGraph: false`), for comparison. */
  readonly plainKernelsPerStep: number;
  readonly kernelMsPerStep: number;
  /** kernelMsPerStep over the wall ms of a profiled step (`phasesMs.profiledStep`). */
  readonly kernelShare: number;
  readonly profiledSteps: number;
  /** The 15 heaviest kernels, heaviest first: calls and ms per step, share of kernel time. */
  readonly topKernels: readonly { name: string; calls: number; ms: number; share: number }[];
  /** Variables and parameters of the training graph. */
  readonly variables: number;
  readonly parameters: number;
}

/** Arguments of {@link profileTrainingStep}. */
export interface StepProfileArgs {
  readonly arch: 'shared-bottom' | 'mmoe' | (string & {});
  readonly train: EncodedSplit;
  readonly tasks: readonly TrainTask[];
  readonly batchSize: number;
  readonly seed: number;
  /** Batches timed per phase. @default 60 */
  readonly steps?: number;
  /** Steps under tf.profile. @default 10 */
  readonly profiledSteps?: number;
  /** Model settings over the defaults (the bench pins those its PyTorch reference mirrors). @default none */
  readonly model?: Readonly<Record<string, unknown>>;
}

export async function profileTrainingStep({ arch, train, tasks, batchSize, seed, steps = 60, profiledSteps = 10, model = {} }: StepProfileArgs): Promise<StepProfile> {
  const params = modelSchema.parse({ ...model, arch, seed, batchSize });
  const targetScales: Record<string, TargetScale> = {};
  for (const task of tasks) {
    if (task.type !== 'regression') continue;
    const labels = (train.labels[task.name] as Float32Array).filter((v) => !Number.isNaN(v));
    const mean = labels.reduce((s, v) => s + v, 0) / Math.max(labels.length, 1);
    const std = Math.sqrt(labels.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(labels.length, 1)) || 1;
    targetScales[task.name] = { mean, std };
  }
  const network = buildNetwork({ inputWidth: train.width, tasks, params, targetScales });
  network.training.layers.forEach((layer, i) => {
    if (layer instanceof SeededDropout) layer.reseed(seed + i);
  });
  const trained = tasks.map((task, output) => ({ task, output }));
  const weighting = { variables: [], combineLosses: (losses: tf.Scalar[]) => tf.addN(losses) as tf.Scalar, effectiveWeights: () => ({}), saveState: () => ({}), restoreState: () => undefined, dispose: () => undefined };
  const step = createTrainingStep({ network, trained, weighting, params });
  // The same step through tfjs-layers and the tensor losses (the path before the fused graph), for comparison.
  const plainStep = createTrainingStep({ network, trained, weighting, params, fusedGraph: false });
  const variables = network.training.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const kernels = network.training.trainableWeights.filter((weight) => /\/kernel(_\d+)?$/.test(weight.name)).map((weight) => weight.read());

  const order = shuffleInPlace(Array.from({ length: train.rows }, (_, i) => i), createSeededRandom(seed));
  const batchCount = Math.ceil(train.rows / batchSize);
  const batchAt = (i: number) => copyBatch(train, order.slice((i % batchCount) * batchSize, (i % batchCount) * batchSize + batchSize), tasks, targetScales);
  const batches = Array.from({ length: Math.min(steps, batchCount) }, (_, i) => batchAt(i));
  const pick = (i: number) => batches[i % batches.length] as ReturnType<typeof batchAt>;

  // The training step's objective, written out as createTrainingStep's `forward` writes it (fixed weighting; the L2
  // term is the optimizer's, so the `adam` phase includes it).
  // The fused graph and losses where the step uses them (wasm, cpu), as createTrainingStep does.
  const fused = createFusedTrainingGraph(network.training);
  const networkForward = (batch: ReturnType<typeof batchAt>) => {
    const { input, targets } = batchTensors(batch);
    const applied = fused === undefined ? network.training.apply(input, { training: true }) : fused.apply(input);
    return { outputs: Array.isArray(applied) ? applied : [applied], targets };
  };
  const objective = (batch: ReturnType<typeof batchAt>): tf.Scalar => {
    const { outputs, targets } = networkForward(batch);
    const losses =
      fused === undefined
        ? trained.map(({ task, output }) =>
            computeMaskedTaskLoss(task.loss, (outputs[output] as tf.Tensor2D).reshape([-1]) as tf.Tensor1D, targets.labels[task.name] as tf.Tensor1D, targets.masks[task.name] as tf.Tensor1D),
          )
        : fusedMaskedTaskLosses(trained.map(({ task, output }) => ({ loss: task.loss, output: outputs[output] as tf.Tensor, ...(batch.targets[task.name] as { y: Float32Array; mask: Float32Array }) })));
    return tf.addN(losses) as tf.Scalar;
  };

  /** Mean ms per call of `body` over `steps` batches, after two warm-up calls. */
  const time = (body: (i: number) => void): number => {
    body(0);
    body(1);
    const started = performance.now();
    for (let i = 0; i < steps; i++) body(i);
    return (performance.now() - started) / steps;
  };

  try {
    const copyMs = time((i) => void batchAt(i));
    const uploadMs = time((i) => tf.tidy(() => Object.values(batchTensors(pick(i))).length));
    const networkMs = time((i) => tf.tidy(() => networkForward(pick(i)).outputs.length));
    const objectiveMs = time((i) => tf.dispose(tf.tidy(() => objective(pick(i)))));
    const gradsMs = time((i) => {
      const { value, grads } = tf.variableGrads(() => objective(pick(i)), variables);
      tf.dispose([value, Object.values(grads)]);
    });
    const { value: frozenValue, grads: frozen } = tf.variableGrads(() => objective(pick(0)), variables);
    frozenValue.dispose();
    const adamW = createAdamW({ variables, learningRate: params.learningRate, l2: params.l2, decayed: new Set(kernels.map((kernel) => (kernel as tf.Variable).name)) });
    const adamMs = time(() => adamW.applyGradients(frozen).dispose());
    adamW.dispose();
    // tf.train.adam on the same gradients, for comparison (the optimizer training used before AdamW).
    const tfjsAdam: tf.Optimizer = tf.train.adam(params.learningRate);
    const tfjsAdamMs = time(() => tfjsAdam.applyGradients(frozen));
    tfjsAdam.dispose();
    tf.dispose(Object.values(frozen));
    const stepMs = time((i) => step.run(pick(i)).dispose());
    const plainStepMs = time((i) => plainStep.run(pick(i)).dispose());
    const plainInfo = await tf.profile(() => plainStep.run(pick(0)).dispose());
    const plainKernels = plainInfo.kernels.filter((k) => !k.name.endsWith('__op')).length;

    const profileStarted = performance.now();
    const info = await tf.profile(() => {
      for (let i = 0; i < profiledSteps; i++) step.run(pick(i)).dispose();
    });
    const profiledStepMs = (performance.now() - profileStarted) / profiledSteps;
    const byName = new Map<string, { calls: number; ms: number }>();
    // `…__op` entries are custom-gradient scopes (fusedMatMul) whose time includes the kernels recorded inside them.
    for (const kernel of info.kernels.filter((k) => !k.name.endsWith('__op'))) {
      const entry = byName.get(kernel.name) ?? { calls: 0, ms: 0 };
      entry.calls++;
      entry.ms += Number(await kernel.kernelTimeMs) || 0;
      byName.set(kernel.name, entry);
    }
    const kernelMs = [...byName.values()].reduce((s, k) => s + k.ms, 0) / profiledSteps;
    const topKernels = [...byName.entries()]
      .map(([name, k]) => ({ name, calls: round(k.calls / profiledSteps, 1), ms: round(k.ms / profiledSteps, 3), share: round(k.ms / profiledSteps / Math.max(kernelMs, 1e-9), 3) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 15);
    const phasesMs = {
      copyBatch: round(copyMs, 3),
      upload: round(uploadMs, 3),
      forwardNetwork: round(networkMs - uploadMs, 3),
      lossOps: round(objectiveMs - networkMs, 3),
      backward: round(gradsMs - objectiveMs, 3),
      adam: round(adamMs, 3),
      tfjsAdam: round(tfjsAdamMs, 3),
      step: round(stepMs, 3),
      plainStep: round(plainStepMs, 3),
      batch: round(copyMs + stepMs, 3),
      profiledStep: round(profiledStepMs, 3),
    };
    return {
      arch,
      batchSize,
      steps,
      phasesMs,
      impliedEpochSeconds: round((batchCount * (copyMs + stepMs)) / 1000, 3),
      kernelsPerStep: round([...byName.values()].reduce((s, k) => s + k.calls, 0) / profiledSteps, 1),
      plainKernelsPerStep: plainKernels,
      kernelMsPerStep: round(kernelMs, 3),
      kernelShare: round(kernelMs / profiledStepMs, 3),
      profiledSteps,
      topKernels,
      variables: variables.length,
      parameters: variables.reduce((s, v) => s + v.size, 0),
    };
  } finally {
    step.dispose();
    plainStep.dispose();
    network.training.dispose();
    network.serving.dispose();
  }
}
