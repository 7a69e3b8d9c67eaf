import type { EncodedSplit } from './encoded-split.ts';
import { chooseThresholds, evaluatePredictions } from './evaluate-predictions.ts';
import type { TrainTask } from './train-task.ts';

/** Arguments of {@link selectEnsembleWeights}. */
export interface EnsembleSelectionArgs {
  /** Each candidate's validation predictions by task, best first (the search's winner leads). */
  readonly candidates: readonly Readonly<Record<string, Float32Array>>[];
  readonly validation: EncodedSplit;
  readonly tasks: readonly TrainTask[];
  /** Distinct candidates the ensemble may use in all (its forward pass runs each once). */
  readonly maxMembers: number;
  /** Additions per task after its first pick. @default 2 × maxMembers */
  readonly maxSteps?: number;
}

/** Per task, how many times each candidate counts in that task's average (0: not at all). */
export type EnsembleTaskWeights = Record<string, number[]>;

/**
 * Ensemble selection (Caruana et al., "Ensemble Selection from Libraries of Models", ICML 2004), once per task: each
 * selected task starts from the candidate with the best validation score for it — (auc + f1) / 2, the task's part of
 * the combined score, thresholds chosen on the same rows — and then, in rounds over the tasks, adds (with
 * replacement) the candidate whose inclusion raises that score most, while some inclusion raises it at all. So every
 * task's average is at least as good on validation as any one candidate for it, and the combined score at least the
 * best candidate's. Candidates used by any task count towards `maxMembers`; once that many are used, only they can
 * be added. Tasks without an AUC (and auxiliary tasks, which selection ignores) weigh the used candidates equally,
 * the first alone when there is none.
 */
export function selectEnsembleWeights({ candidates, validation, tasks, maxMembers, maxSteps = 2 * maxMembers }: EnsembleSelectionArgs): EnsembleTaskWeights {
  const used = new Set<number>();
  const scored = tasks.filter((task) => !task.auxiliary && taskScore(candidates[0] ?? {}, validation, task) !== null);
  const state = new Map<string, { counts: number[]; score: number; done: boolean }>();
  for (const task of scored) {
    const scores = candidates.map((candidate) => taskScore(candidate, validation, task) ?? Number.NEGATIVE_INFINITY);
    const start = scores.indexOf(Math.max(...scores));
    const counts = candidates.map((_, i) => (i === start ? 1 : 0));
    state.set(task.name, { counts, score: scores[start] as number, done: false });
    used.add(start);
  }
  for (let step = 0; step < maxSteps; step++) {
    for (const task of scored) {
      const current = state.get(task.name) as { counts: number[]; score: number; done: boolean };
      if (current.done) continue;
      let best: { index: number; score: number } | undefined;
      candidates.forEach((_, index) => {
        if (!used.has(index) && used.size >= maxMembers) return;
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

/** The task's part of the combined score on validation, (auc + f1) / 2; null when it has no AUC. */
function taskScore(predictions: Readonly<Record<string, Float32Array>>, validation: EncodedSplit, task: TrainTask): number | null {
  const metrics = evaluatePredictions(predictions, validation, [task], chooseThresholds(predictions, validation, [task]), {}).tasks[task.name];
  return metrics === undefined || metrics.auc === null ? null : (metrics.auc + metrics.f1) / 2;
}

/** The candidates' predictions of one task averaged with weights `counts`. */
function weightedMean(candidates: readonly Readonly<Record<string, Float32Array>>[], counts: readonly number[], task: string): Record<string, Float32Array> {
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
