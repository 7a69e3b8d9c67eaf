import type { SplitLabels } from './encoded-split.ts';
import { evaluatePredictions } from './evaluate-predictions.ts';
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
 * candidates by validation AUC for it, and then, in rounds over the tasks, adds (with replacement) the candidate whose
 * inclusion raises that AUC most, while some inclusion raises it at all. AUC rather than the task's part of the
 * combined score, (auc + f1) / 2: an F1 at a threshold tuned on the very rows it is measured on is the noisier,
 * optimistic half, and an average is judged on its ranking (its thresholds are chosen afterwards, as any model's).
 * On the kept search stores of README "Where the bar stands" this raised the ensembles' test AUC (Telco churn
 * 0.8573 → 0.8586, streaming 0.7944 → 0.7953; BankChurners splits 1–2 premium 0.9934 → 0.9940, churn 0.9928 →
 * 0.9927). Starting from several good candidates rather than the best one is what keeps the hill-climbing from
 * fitting the validation rows' noise (on a few hundred rows the best candidate is also the luckiest). Candidates
 * used by any task count towards `maxMembers`; once that many are used, the starts and additions take only those.
 * Tasks without an AUC (and auxiliary tasks, which selection ignores) weigh the used candidates equally, the first
 * alone when there is none.
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

/** The task's validation AUC (multiclass: macro; regression: of label > positiveAbove); null when it has none. */
function taskScore(predictions: Readonly<Record<string, Float32Array>>, validation: SplitLabels, task: TrainTask): number | null {
  // No thresholds: the F1 that evaluatePredictions also computes is not used.
  return evaluatePredictions(predictions, validation, [task], {}, {}).tasks[task.name]?.auc ?? null;
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
