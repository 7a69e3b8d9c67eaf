import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config/schema.ts';
import type { MultiTaskNetwork } from '../model/build-network.ts';
import { SeededDropout } from '../model/seeded-dropout.ts';
import { computeMaskedTaskLoss } from '../model/task-loss.ts';
import type { LossWeighting, NamedGradients } from '../model/weightings/loss-weighting.ts';
import { createAdamW, type AdamWOptimizer } from './adamw-optimizer.ts';
import { createFusedTrainingGraph } from './fused-training-graph.ts';
import { fusedMaskedTaskLosses, isFusableTaskLoss } from './fused-task-losses.ts';
import { batchTensors, type BatchTensors, type TrainingBatch } from './training-batch.ts';
import type { TrainTask } from './train-task.ts';
import { installWasmTransposedMatMul } from './wasm-transposed-matmul.ts';

/** Arguments of {@link createTrainingStep}. */
export interface TrainingStepArgs {
  readonly network: MultiTaskNetwork;
  /** The tasks being trained (λ > 0), each with its output position in `network.outputNames`. */
  readonly trained: readonly TrainedTaskOutput[];
  readonly weighting: LossWeighting;
  readonly params: ModelConfig;
  /** Where the AdamW update runs (see {@link createAdamW}). @default host on wasm and cpu, else tensor */
  readonly optimizerMode?: 'host' | 'tensor';
  /**
   * Run the training graph with fused dense/dropout operations (src/train/fused-training-graph.ts) where the backend
   * allows; false runs it through tfjs-layers (the parity tests compare the two). @default true
   */
  readonly fusedGraph?: boolean;
}

/** A trained task and the index of its output in the training graph. */
export interface TrainedTaskOutput {
  readonly task: TrainTask;
  readonly output: number;
}

/** The training step of one run: one optimizer update per batch, and the per-task gradients for diagnostics. */
export interface TrainingStep {
  /**
   * One update on `batch`. Returns `[trained + 1]`: each trained task's unweighted loss, then the objective that was
   * minimised (weighted losses + L2 + the architecture's losses). The caller disposes it.
   */
  run(batch: TrainingBatch): tf.Tensor1D;
  /** Per trained task, its loss gradient on the shared variables, flattened; empty when nothing is shared. */
  sharedGradients(batch: TrainingBatch): Promise<Float32Array[]>;
  /**
   * AdamW over the network's trainable variables and the strategy's (learning rate `params.learningRate`, decoupled
   * decay `params.weightDecay` on the dense kernels): set its learning rate before a step, checkpoint its weights.
   * Disposed by `dispose`.
   */
  readonly optimizer: AdamWOptimizer;
  dispose(): void;
}

/**
 * Builds the training step. Strategies that only weight losses train with one forward and backward pass per batch;
 * strategies with a gradient hook (GradNorm, PCGrad) get one gradient per task — the same dropout masks in every pass
 * — plus one for the L2 and architecture terms, and the optimizer applies what the hook combines.
 */
export function createTrainingStep({ network, trained, weighting, params, optimizerMode, fusedGraph = true }: TrainingStepArgs): TrainingStep {
  installWasmTransposedMatMul();
  const networkVariables = network.training.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const variables = [...networkVariables, ...weighting.variables];
  // tfjs makes variable names unique per process (`.../kernel_3`), so match the suffix loosely.
  const kernels = network.training.trainableWeights.filter((weight) => /\/kernel(_\d+)?$/.test(weight.name)).map((weight) => weight.read());
  const optimizer = createAdamW({
    variables,
    learningRate: params.learningRate,
    weightDecay: params.weightDecay,
    // The L2 penalty's gradient is added in the update rather than differentiated through the graph (~8 kernels per
    // kernel fewer per step); the update returns the penalty, which the reported objective includes as before.
    l2: params.l2,
    decayed: new Set(kernels.map((kernel) => (kernel as tf.Variable).name)),
    ...(optimizerMode === undefined ? {} : { mode: optimizerMode }),
  });
  const dropouts = network.training.layers.filter((layer): layer is SeededDropout => layer instanceof SeededDropout);
  const shared = new Set(network.sharedVariables.map((variable) => variable.name));

  /**
   * Per trained task its unweighted loss, and the sum of the architecture's own losses, undefined when it has none
   * (call inside a tidy or gradient scope). The L2 term is the optimizer's.
   */
  // On wasm and cpu the graph runs with fused dense/dropout operations (the same values, far fewer operations).
  const fused = fusedGraph ? createFusedTrainingGraph(network.training) : undefined;
  // With the fused graph, each bce/mse/huber loss is one operation over the batch's arrays. Not under batch
  // normalisation: there the dense biases before each normalisation get no gradient but rounding noise, which Adam
  // scales to full steps, so the float32-rounding differences of the fused sums would change those runs' weights.
  const fusedLoss = trained.map(({ task }) => fused !== undefined && params.normalization !== 'batch' && isFusableTaskLoss(task.loss, task.units));
  const forward = ({ input, targets }: BatchTensors, batch: TrainingBatch): { losses: tf.Scalar[]; regularisation: tf.Scalar | undefined } => {
    const applied = fused === undefined ? network.training.apply(input, { training: true }) : fused.apply(input);
    const outputs = Array.isArray(applied) ? applied : [applied];
    const fusedLosses = fusedMaskedTaskLosses(
      trained.flatMap(({ task, output }, k) => {
        const target = batch.targets[task.name];
        if (fusedLoss[k] !== true || target === undefined) return [];
        return [{ loss: task.loss, ...(task.lossOptions === undefined ? {} : { options: task.lossOptions }), output: outputs[output] as tf.Tensor, y: target.y, mask: target.mask }];
      }),
    );
    let nextFused = 0;
    const losses = trained.map(({ task, output }, k) => {
      if (fusedLoss[k] === true && batch.targets[task.name] !== undefined) return fusedLosses[nextFused++] as tf.Scalar;
      const raw = outputs[output] as tf.Tensor2D;
      const logits = task.units === 1 ? (raw.reshape([-1]) as tf.Tensor1D) : raw;
      return computeMaskedTaskLoss(task.loss, logits, targets.labels[task.name] as tf.Tensor1D, targets.masks[task.name] as tf.Tensor1D, task.lossOptions);
    });
    const terms = network.extraLosses.map(({ loss, outputIndices }) => loss.compute(outputIndices.map((i) => outputs[i] as tf.Tensor), targets));
    const regularisation = terms.length === 0 ? undefined : terms.length === 1 ? terms[0] : (tf.addN(terms) as tf.Scalar);
    return { losses, regularisation };
  };

  const withRepeatedMasks = <T>(body: () => T): T => {
    dropouts.forEach((layer) => layer.beginRepeat());
    try {
      return body();
    } finally {
      dropouts.forEach((layer) => layer.endRepeat());
    }
  };

  const runFused = (batch: TrainingBatch): tf.Tensor1D => {
    let taskLosses: tf.Tensor1D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const { losses, regularisation } = forward(batchTensors(batch), batch);
      taskLosses = tf.keep(tf.stack(losses) as tf.Tensor1D);
      const combined = weighting.combineLosses(losses);
      return regularisation === undefined ? combined : combined.add(regularisation);
    }, variables);
    fused?.release();
    const penalty = optimizer.applyGradients(grads);
    tf.dispose(grads);
    const result = tf.tidy(() => tf.concat([taskLosses as tf.Tensor1D, value.add(penalty).reshape([1])]) as tf.Tensor1D);
    tf.dispose([value, penalty, taskLosses as tf.Tensor1D]);
    return result;
  };

  const runPerTask = (batch: TrainingBatch, combine: NonNullable<LossWeighting['combineGradients']>): tf.Tensor1D =>
    withRepeatedMasks(() => {
      // Built once for the K + 1 passes over the same batch.
      const tensors = batchTensors(batch);
      const taskGradients: NamedGradients[] = [];
      const lossValues: tf.Scalar[] = [];
      try {
        trained.forEach((_, k) => {
          const { value, grads } = tf.variableGrads(() => forward(tensors, batch).losses[k] as tf.Scalar, networkVariables);
          lossValues.push(value);
          taskGradients.push(completeGradients(grads, networkVariables));
        });
        // A pass for the architecture's own losses, where it has any.
        const rest = network.extraLosses.length > 0 ? tf.variableGrads(() => forward(tensors, batch).regularisation as tf.Scalar, networkVariables) : undefined;
        const restGradients = rest === undefined ? undefined : completeGradients(rest.grads, networkVariables);
        const losses = lossValues.map((value) => value.dataSync()[0] as number);
        const applied = tf.tidy(() => {
          const combined = combine({ taskGradients, shared, losses });
          return Object.fromEntries(
            networkVariables.map((v) => {
              const gradient = combined[v.name] ?? tf.zerosLike(v);
              return [v.name, restGradients === undefined ? gradient : gradient.add(restGradients[v.name] as tf.Tensor)];
            }),
          );
        });
        const penalty = optimizer.applyGradients(applied);
        tf.dispose([Object.values(applied), Object.values(restGradients ?? {})]);
        const result = tf.tidy(() => {
          const objective = weighting.combineLosses(lossValues).add(penalty);
          return tf.concat([tf.stack(lossValues), (rest === undefined ? objective : objective.add(rest.value)).reshape([1])]) as tf.Tensor1D;
        });
        tf.dispose([penalty, ...(rest === undefined ? [] : [rest.value])]);
        return result;
      } finally {
        fused?.release();
        tf.dispose([lossValues, taskGradients.map((grads) => Object.values(grads)), batchTensorList(tensors)]);
      }
    });

  return {
    optimizer,
    dispose: () => {
      fused?.release();
      optimizer.dispose();
    },
    run: (batch) => (weighting.combineGradients === undefined ? runFused(batch) : runPerTask(batch, weighting.combineGradients.bind(weighting))),
    async sharedGradients(batch) {
      if (network.sharedVariables.length === 0) return [];
      const flat = withRepeatedMasks(() =>
        tf.tidy(() => {
          // The last pass's kept tensors are released by the next training step's first pass (or dispose).
          const tensors = batchTensors(batch);
          return trained.map((_, k) =>
            tf.tidy(() => {
              const { value, grads } = tf.variableGrads(() => forward(tensors, batch).losses[k] as tf.Scalar, [...network.sharedVariables]);
              value.dispose();
              return tf.concat(network.sharedVariables.map((v) => (grads[v.name] ?? tf.zerosLike(v)).reshape([-1])));
            }),
          );
        }),
      );
      try {
        return await Promise.all(flat.map(async (tensor) => Float32Array.from(await tensor.data())));
      } finally {
        tf.dispose(flat);
      }
    },
  };
}

/** `grads` for every variable, zeros where the loss does not reach it (a task's tower in another task's pass). */
function completeGradients(grads: NamedGradients, variables: readonly tf.Variable[]): NamedGradients {
  const complete: NamedGradients = {};
  for (const variable of variables) complete[variable.name] = grads[variable.name] ?? tf.zerosLike(variable);
  return complete;
}

/** Every tensor of a batch, to dispose. */
function batchTensorList({ input, targets }: BatchTensors): tf.Tensor[] {
  return [input, ...Object.values(targets.labels), ...Object.values(targets.masks)];
}
