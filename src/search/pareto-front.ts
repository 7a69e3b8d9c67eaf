/** A trial on the Pareto front: its per-task validation AUCs. */
export interface ParetoPoint {
  readonly trialId: string;
  readonly aucs: Readonly<Record<string, number>>;
}

/**
 * The non-dominated points (higher AUC is better on every task): a point is dropped when another is at least as good
 * on every task and better on one. Points missing a task's AUC are left out. O(n² · tasks), fine for searches.
 */
export function computeParetoFront(points: readonly ParetoPoint[], tasks: readonly string[]): ParetoPoint[] {
  const complete = points.filter((point) => tasks.every((task) => Number.isFinite(point.aucs[task])));
  const dominates = (a: ParetoPoint, b: ParetoPoint): boolean =>
    tasks.every((task) => (a.aucs[task] as number) >= (b.aucs[task] as number)) && tasks.some((task) => (a.aucs[task] as number) > (b.aucs[task] as number));
  return complete.filter((candidate) => !complete.some((other) => other !== candidate && dominates(other, candidate)));
}
