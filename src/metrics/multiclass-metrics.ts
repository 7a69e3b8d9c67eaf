import { TandemError } from '../errors/tandem-error.ts';
import { LOG_LOSS_EPSILON } from './calibration.ts';
import type { NumericVector } from './metric-input.ts';
import { computeAuc } from './roc-auc.ts';
import { computeThresholdMetrics } from './threshold-metrics.ts';

/** One class of a multiclass task, read one-vs-rest. */
export interface MulticlassClassMetrics {
  /** ROC AUC of the class's probability against "label is this class"; null when the rows hold only it or none of it. */
  readonly auc: number | null;
  /** F1 of "argmax is this class" against "label is this class"; 0 when undefined. */
  readonly f1: number;
  /** Rows labelled with this class. */
  readonly support: number;
}

/** Held-out metrics of one multiclass task (SPEC §5, macro-averaged one-vs-rest so that auc/f1 mean what they mean for binary tasks). */
export interface MulticlassTaskMetrics {
  readonly type: 'multiclass';
  /** Macro one-vs-rest ROC AUC: the mean over classes whose auc is defined; null when none is. */
  readonly auc: number | null;
  /** Macro F1 of the argmax decision over the classes that occur in the labels or the decisions; 0 without rows. */
  readonly f1: number;
  /** Share of rows whose argmax is their label; null without rows. */
  readonly accuracy: number | null;
  /** Mean −log p(label), probabilities clipped to [1e-7, 1]; null without rows. */
  readonly logLoss: number | null;
  /** Per class name, in `classes` order. */
  readonly perClass: Readonly<Record<string, MulticlassClassMetrics>>;
  readonly rows: number;
  /** The class names in class-index order. */
  readonly classes: readonly string[];
}

/**
 * The index of the largest of `probabilities[row·C .. row·C + C)` (the argmax decision; a tie goes to the lower
 * index, so it is deterministic). `probabilities` is row-major `[rows, C]`.
 */
export function argmaxOfRow(probabilities: NumericVector, row: number, classCount: number): number {
  let best = 0;
  let bestValue = probabilities[row * classCount] as number;
  for (let c = 1; c < classCount; c++) {
    const value = probabilities[row * classCount + c] as number;
    if (value > bestValue) {
      best = c;
      bestValue = value;
    }
  }
  return best;
}

/**
 * Every metric of a multiclass task. `probabilities` is row-major `[rows, C]` (a softmax per row), `labels` `[rows]`
 * class indices 0..C−1 on the labelled rows only, `classes` the C class names. Each class is scored one-vs-rest with
 * `computeAuc` and `computeThresholdMetrics`, then macro-averaged. O(C · n log n).
 * @throws TandemError when the shapes disagree, a probability is not finite or a label is not a class index (a bug
 *   upstream, as in `checkMetricInput`).
 */
export function evaluateMulticlassTask(probabilities: NumericVector, labels: NumericVector, classes: readonly string[]): MulticlassTaskMetrics {
  const classCount = classes.length;
  const rows = labels.length;
  checkMulticlassInput(probabilities, labels, classCount);
  const predicted = new Int32Array(rows);
  let correct = 0;
  let logLossSum = 0;
  for (let i = 0; i < rows; i++) {
    const label = labels[i] as number;
    predicted[i] = argmaxOfRow(probabilities, i, classCount);
    if (predicted[i] === label) correct++;
    const p = Math.min(Math.max(probabilities[i * classCount + label] as number, LOG_LOSS_EPSILON), 1);
    logLossSum -= Math.log(p);
  }

  const perClass: Record<string, MulticlassClassMetrics> = {};
  const scores = new Float64Array(rows);
  const events = new Float64Array(rows);
  const decisions = new Float64Array(rows);
  let aucSum = 0;
  let aucCount = 0;
  let f1Sum = 0;
  let f1Count = 0;
  for (let c = 0; c < classCount; c++) {
    let support = 0;
    let calls = 0;
    for (let i = 0; i < rows; i++) {
      scores[i] = probabilities[i * classCount + c] as number;
      events[i] = labels[i] === c ? 1 : 0;
      decisions[i] = predicted[i] === c ? 1 : 0;
      support += events[i] as number;
      calls += decisions[i] as number;
    }
    const auc = computeAuc(scores, events);
    // Decisions are 0/1, so `>= 1` is exactly the argmax decision.
    const f1 = computeThresholdMetrics(decisions, events, 1).f1;
    perClass[classes[c] as string] = { auc, f1, support };
    if (auc !== null) {
      aucSum += auc;
      aucCount++;
    }
    // As scikit-learn's macro average: classes absent from both the labels and the decisions take no part.
    if (support > 0 || calls > 0) {
      f1Sum += f1;
      f1Count++;
    }
  }
  return {
    type: 'multiclass',
    auc: aucCount > 0 ? aucSum / aucCount : null,
    f1: f1Count > 0 ? f1Sum / f1Count : 0,
    accuracy: rows > 0 ? correct / rows : null,
    logLoss: rows > 0 ? logLossSum / rows : null,
    perClass,
    rows,
    classes: [...classes],
  };
}

function checkMulticlassInput(probabilities: NumericVector, labels: NumericVector, classCount: number): void {
  if (classCount < 2) throw new TandemError(`metrics: a multiclass task needs at least 2 classes, got ${classCount}`, { value: classCount });
  if (probabilities.length !== labels.length * classCount) {
    throw new TandemError(`metrics: ${probabilities.length} probabilities for ${labels.length} labels of ${classCount} classes (expected ${labels.length * classCount})`, {
      value: { probabilities: probabilities.length, labels: labels.length, classes: classCount },
    });
  }
  for (let i = 0; i < probabilities.length; i++) {
    const value = probabilities[i] as number;
    if (!Number.isFinite(value)) throw new TandemError(`metrics: probabilities[${i}] is ${value}, expected a finite number`, { value });
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    if (!Number.isInteger(label) || label < 0 || label >= classCount) {
      throw new TandemError(`metrics: labels[${i}] is ${label}, expected a class index 0..${classCount - 1}`, { value: label });
    }
  }
}
