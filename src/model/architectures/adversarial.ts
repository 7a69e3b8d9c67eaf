import * as tf from '@tensorflow/tfjs';
import { applyDenseStack, applyTowers, type ArchitectureBuilder, type ArchitectureContext, type ArchitectureLoss, type BatchTargets } from '../architecture.ts';
import { GradientReversal } from '../layers/gradient-reversal.ts';

/**
 * Adversarial shared-private multi-task learning (Liu et al. 2017): a shared encoder S and a private encoder P_k per
 * task (both `sharedUnits` wide); tower k reads concat(S, P_k) `[batch, 2·sharedUnits.at(-1)]`. In the training graph
 * only, a task discriminator reads S through gradient reversal and an orthogonality penalty keeps S and each P_k
 * apart; both are returned as extra losses. The serving graph has neither.
 */
export const buildAdversarial: ArchitectureBuilder = (context) => {
  const { sharedUnits } = context.params;
  const shared = applyDenseStack(context, context.input, sharedUnits, 'shared');
  const privates = new Map(context.tasks.map((task) => [task.name, applyDenseStack(context, context.input, sharedUnits, `${task.name}_private`)]));
  const outputs = applyTowers(context, (task) => {
    const name = `${task.name}_shared_private`;
    return context.layer(name, () => tf.layers.concatenate({ name })).apply([shared, privates.get(task.name) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  });
  if (!context.training) return { outputs, shared: [shared] };
  return {
    outputs,
    shared: [shared],
    losses: [discriminatorLoss(context, shared), orthogonalityLoss(context, shared, [...privates.values()])],
  };
};

/**
 * The task discriminator D (Dense `discriminatorUnits` relu → Dense K logits) on GradientReversal(S), and its loss:
 * per row, cross-entropy of softmax(D) against a soft target, uniform over the tasks the row is labelled for, averaged
 * over rows with at least one label, times `adversaryWeight`. D minimises it; the reversed gradient makes S maximise
 * it, i.e. carry no information about which task a row belongs to.
 *
 * Why a soft target: here a row is not "from one task" as in Liu et al.'s per-task corpora — one customer is
 * usually labelled for several tasks at once. The soft target is the row's task distribution, so the best D can do
 * is predict the label-mask pattern (and with rows labelled for every task, nothing at all: the target is uniform
 * whatever S says). The adversary therefore only removes from S what predicts which labels a row has; keeping
 * task-specific features out of S is left to the shared/private split and the orthogonality penalty.
 */
function discriminatorLoss(context: ArchitectureContext, shared: tf.SymbolicTensor): ArchitectureLoss {
  const { adversaryWeight, discriminatorUnits } = context.params.adversarial;
  const taskNames = context.tasks.map((task) => task.name);
  const reversed = context.layer('discriminator_reversal', () => new GradientReversal({ name: 'discriminator_reversal' })).apply(shared) as tf.SymbolicTensor;
  const hidden = context.dense('discriminator_hidden', discriminatorUnits, 'relu').apply(reversed) as tf.SymbolicTensor;
  const logits = context.dense('discriminator_logits', taskNames.length, 'linear').apply(hidden) as tf.SymbolicTensor;
  return {
    name: 'discriminator',
    tensors: [logits],
    compute: ([values], targets) => computeDiscriminatorLoss(values as tf.Tensor2D, labelMasks(targets, taskNames)).mul(adversaryWeight),
  };
}

/** Σ_k of the mean squared correlation between S's and P_k's units, times `orthogonalityWeight`. */
function orthogonalityLoss(context: ArchitectureContext, shared: tf.SymbolicTensor, privates: readonly tf.SymbolicTensor[]): ArchitectureLoss {
  const { orthogonalityWeight } = context.params.adversarial;
  return {
    name: 'orthogonality',
    tensors: [shared, ...privates],
    compute: ([s, ...p]) => computeOrthogonalityPenalty(s as tf.Tensor2D, p as tf.Tensor2D[]).mul(orthogonalityWeight),
  };
}

/** `[batch, tasks]` 0/1: which tasks each row of the batch is labelled for (0 for a task without a mask). */
function labelMasks(targets: BatchTargets, taskNames: readonly string[]): tf.Tensor2D {
  return tf.tidy(() => {
    const batch = Object.values(targets.masks)[0]?.shape[0] ?? 0;
    return tf.stack(taskNames.map((name) => targets.masks[name] ?? tf.zeros([batch])), 1) as tf.Tensor2D;
  });
}

/**
 * The discriminator's cross-entropy against soft targets: `logits` `[batch, tasks]`, `masks` `[batch, tasks]` 0/1.
 * Each row's target is uniform over its labelled tasks; rows with no label are left out of the mean. Returns a scalar
 * (0 when no row is labelled).
 */
export function computeDiscriminatorLoss(logits: tf.Tensor2D, masks: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const counts = masks.sum(1);
    const labelled = counts.greater(0).cast('float32');
    const target = masks.div(counts.maximum(1).expandDims(1));
    const crossEntropy = target.mul(tf.logSoftmax(logits)).sum(1).neg();
    return crossEntropy.mul(labelled).sum().div(labelled.sum().maximum(1)) as tf.Scalar;
  });
}

/**
 * The soft orthogonality constraint ‖Sᵀ P_k‖²_F of Liu et al., made scale-free: each unit (column) of `shared`
 * `[batch, d]` and of each of `privates` `[batch, d_k]` is centred and scaled to unit length over the batch, so Sᵀ P_k
 * holds the correlations between shared and private units; the penalty is Σ_k of their mean square, each in [0, 1]
 * (0: uncorrelated). Unscaled, the Frobenius norm of ReLU features grows with the batch and the widths and swamps the
 * task losses (on BankChurners it cost 0.08 of test combined score). A constant unit counts as uncorrelated. A scalar.
 */
export function computeOrthogonalityPenalty(shared: tf.Tensor2D, privates: readonly tf.Tensor2D[]): tf.Scalar {
  return tf.tidy(() => {
    if (privates.length === 0) return tf.scalar(0);
    const s = standardiseColumns(shared);
    return tf.addN(privates.map((p) => tf.matMul(s, standardiseColumns(p), true, false).square().mean())) as tf.Scalar;
  });
}

/** Columns centred and scaled to unit L2 norm over the rows; an all-constant column becomes 0. */
function standardiseColumns(x: tf.Tensor2D): tf.Tensor2D {
  const centred = x.sub(x.mean(0));
  // ε inside the root: the gradient of √x at 0 (a dead ReLU unit) would be infinite and turn the weights into NaN.
  return centred.div(centred.square().sum(0).add(1e-8).sqrt()) as tf.Tensor2D;
}
