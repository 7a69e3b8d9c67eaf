import { selectLabelled, type SplitLabels } from './encoded-split.ts';
import { computeLogLoss } from '../metrics/calibration.ts';
import { evaluateMulticlassTask } from '../metrics/multiclass-metrics.ts';
import { computeRegressionMetrics } from '../metrics/regression-metrics.ts';
import type { TrainTask } from './train-task.ts';

/** Arguments of {@link selectEnsembleWeights}. */
export interface EnsembleSelectionArgs {
  /** Each candidate's validation predictions by task, best first (the search's winner leads). */
  readonly candidates: readonly Readonly<Record<string, Float32Array>>[];
  readonly validation: SplitLabels;
  readonly tasks: readonly TrainTask[];
  /** Distinct candidates the ensemble may use in all (its forward pass runs each once). */
  readonly maxMembers: number;
  /** Candidates each task starts from, equally weighted: its best ones for it (sorted initialisation). @default 5 */
  readonly initialSize?: number;
  /** Additions per task after the start. @default 2 × maxMembers */
  readonly maxSteps?: number;
}

/** Per task, how many times each candidate counts in that task's average (0: not at all). */
export type EnsembleTaskWeights = Record<string, number[]>;

/**
 * Ensemble selection (Caruana et al., "Ensemble Selection from Libraries of Models", ICML 2004), once per task, with
 * the paper's sorted initialisation: each selected task starts from the equal average of its `initialSize` best
 * candidates by validation loss for it (log loss; RMSE for a regression task), and then, in rounds over the tasks,
 * adds (with replacement) the candidate whose inclusion lowers that loss most, while some inclusion lowers it at all.
 * The task's own loss rather than its AUC: AUC only counts which of two rows ranks higher, so on a few hundred
 * validation rows it moves in steps and one lucky swap decides an addition, where the loss weighs every row's
 * probability and changes smoothly with the weights (on the kept search stores of README "Where the bar stands",
 * session 14, it raised the closing's test AUC on 6 of the 7 tasks of the shared files). Starting from several good
 * candidates rather than the best one is what keeps the hill-climbing from fitting the validation rows' noise (on a
 * few hundred rows the best candidate is also the luckiest). Candidates used by any task count towards `maxMembers`;
 * once that many are used, the starts and additions take only those. Tasks without a loss (no labelled validation
 * row; and auxiliary tasks, which selection ignores) weigh the used candidates equally, the first alone when there is
 * none.
 */
export function selectEnsembleWeights({ candidates, validation, tasks, maxMembers, initialSize = 5, maxSteps = 2 * maxMembers }: EnsembleSelectionArgs): EnsembleTaskWeights {
  const used = new Set<number>();
  const allowed = (index: number): boolean => used.has(index) || used.size < maxMembers;
  const scored = tasks.filter((task) => !task.auxiliary && taskScore(candidates[0] ?? {}, validation, task) !== null);
  // Each task's candidates, best for it first; the starts are taken in rounds over the tasks so that none uses up the cap.
  const rankings = new Map(scored.map((task) => {
    const scores = candidates.map((candidate) => taskScore(candidate, validation, task) ?? Number.NEGATIVE_INFINITY);
    return [task.name, candidates.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b)] as const;
  }));
  const starts = new Map(scored.map((task) => [task.name, candidates.map(() => 0)]));
  for (let round = 0; round < initialSize; round++) {
    for (const task of scored) {
      const counts = starts.get(task.name) as number[];
      const next = (rankings.get(task.name) as number[]).find((index) => counts[index] === 0 && allowed(index));
      if (next === undefined) continue;
      counts[next] = 1;
      used.add(next);
    }
  }
  const state = new Map<string, { counts: number[]; score: number; done: boolean }>();
  for (const task of scored) {
    const counts = starts.get(task.name) as number[];
    state.set(task.name, { counts, score: taskScore(weightedMean(candidates, counts, task.name), validation, task) ?? Number.NEGATIVE_INFINITY, done: false });
  }
  for (let step = 0; step < maxSteps; step++) {
    for (const task of scored) {
      const current = state.get(task.name) as { counts: number[]; score: number; done: boolean };
      if (current.done) continue;
      let best: { index: number; score: number } | undefined;
      candidates.forEach((_, index) => {
        if (!allowed(index)) return;
        const counts = current.counts.map((count, i) => (i === index ? count + 1 : count));
        const score = taskScore(weightedMean(candidates, counts, task.name), validation, task) ?? Number.NEGATIVE_INFINITY;
        if (score > (best?.score ?? current.score)) best = { index, score };
      });
      if (best === undefined) {
        current.done = true;
        continue;
      }
      current.counts[best.index] = (current.counts[best.index] as number) + 1;
      current.score = best.score;
      used.add(best.index);
    }
  }
  const fallback = candidates.map((_, i) => (used.size === 0 ? (i === 0 ? 1 : 0) : used.has(i) ? 1 : 0));
  return Object.fromEntries(tasks.map((task) => [task.name, state.get(task.name)?.counts ?? fallback]));
}

/**
 * Minus the task's validation loss — log loss for a binary or multiclass task, RMSE for a regression one — so that
 * higher is better; null when it has none (no labelled row).
 */
function taskScore(predictions: Readonly<Record<string, Float32Array>>, validation: SplitLabels, task: TrainTask): number | null {
  // The loss alone, as evaluatePredictions computes it: selection calls this tens of thousands of times, and the
  // other metrics (AUC and PR-AUC sort the rows) would be thrown away.
  const width = task.type === 'multiclass' ? (task.classes ?? []).length : 1;
  const labelled = selectLabelled(predictions[task.name] as Float32Array, validation.labels[task.name] as Float32Array, width);
  const loss =
    task.type === 'binary'
      ? computeLogLoss(labelled.predictions, labelled.labels)
      : task.type === 'regression'
        ? computeRegressionMetrics(labelled.predictions, labelled.labels).rmse
        : evaluateMulticlassTask(labelled.predictions, labelled.labels, task.classes ?? []).logLoss;
  return loss === null ? null : -loss;
}

/** The candidates' predictions of one task averaged with weights `counts`. */
export function weightedMean(candidates: readonly Readonly<Record<string, Float32Array>>[], counts: readonly number[], task: string): Record<string, Float32Array> {
  const total = counts.reduce((sum, count) => sum + count, 0);
  const out = new Float32Array((candidates[0]?.[task] as Float32Array).length);
  candidates.forEach((candidate, index) => {
    const weight = (counts[index] as number) / total;
    if (weight === 0) return;
    const values = candidate[task] as Float32Array;
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + weight * (values[i] as number);
  });
  return { [task]: out };
}
