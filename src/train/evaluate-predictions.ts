import { computeCombinedScore } from '../metrics/combined-score.ts';
import type { SplitMetrics } from '../metrics/evaluation.ts';
import { evaluateMulticlassTask } from '../metrics/multiclass-metrics.ts';
import { evaluateBinaryTask, evaluateRegressionTask, type TaskMetrics } from '../metrics/task-metrics.ts';
import { chooseF1Threshold } from '../metrics/threshold-metrics.ts';
import { selectLabelled, type SplitLabels } from './encoded-split.ts';
import type { TrainTask } from './train-task.ts';

/**
 * Per task, the F1-maximising decision threshold on these (validation) predictions: on the probability for a binary
 * task, on the predicted value against the event `label > positiveAbove` for a regression task. Multiclass tasks get
 * none: their decision is the argmax.
 */
export function chooseThresholds(
  predictions: Readonly<Record<string, Float32Array>>,
  split: SplitLabels,
  tasks: readonly TrainTask[],
): Record<string, number> {
  const thresholds: Record<string, number> = {};
  for (const task of tasks) {
    if (task.type === 'multiclass') continue;
    const labelled = selectLabelled(predictions[task.name] as Float32Array, split.labels[task.name] as Float32Array);
    const events = task.type === 'binary' ? labelled.labels : labelled.labels.map((label) => (label > (task.positiveAbove ?? 0) ? 1 : 0));
    thresholds[task.name] = chooseF1Threshold(labelled.predictions, events);
  }
  return thresholds;
}

/**
 * SPEC §5 metrics of every task on one split (a multiclass task's predictions are row-major `[rows, C]`), and the combined score over the non-auxiliary tasks with the
 * selection weights. `deltaM` is left null: it needs the search's `single` baseline.
 */
export function evaluatePredictions(
  predictions: Readonly<Record<string, Float32Array>>,
  split: SplitLabels,
  tasks: readonly TrainTask[],
  thresholds: Readonly<Record<string, number>>,
  selectionWeights: Readonly<Record<string, number>>,
): SplitMetrics {
  const metrics: Record<string, TaskMetrics> = {};
  for (const task of tasks) {
    if (task.type === 'multiclass') {
      const classes = task.classes ?? [];
      const labelled = selectLabelled(predictions[task.name] as Float32Array, split.labels[task.name] as Float32Array, classes.length);
      metrics[task.name] = evaluateMulticlassTask(labelled.predictions, labelled.labels, classes);
      continue;
    }
    const labelled = selectLabelled(predictions[task.name] as Float32Array, split.labels[task.name] as Float32Array);
    metrics[task.name] =
      task.type === 'binary'
        ? evaluateBinaryTask(labelled.predictions, labelled.labels, thresholds[task.name] ?? 0.5)
        : evaluateRegressionTask(labelled.predictions, labelled.labels, task.positiveAbove ?? 0, thresholds[task.name]);
  }
  const selected = Object.fromEntries(tasks.filter((task) => !task.auxiliary).map((task) => [task.name, metrics[task.name] as TaskMetrics]));
  return { tasks: metrics, combinedScore: computeCombinedScore(selected, selectionWeights), deltaM: null };
}
