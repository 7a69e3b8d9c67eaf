import type { SegmentComparison, SegmentCondition, SegmentsConfig } from '../config/segments-schema.ts';
import type { TaskScoringRule } from '../train/train-candidate.ts';

/** The segment of a customer with no positive decision. */
export const noSegment = 'none';

/** One customer's outputs that a segment is chosen from (served tasks only). */
export interface SegmentInput {
  readonly scores: Readonly<Record<string, number>>;
  readonly decisions: Readonly<Record<string, boolean>>;
  readonly deciles: Readonly<Record<string, number>>;
  /** Per multiclass task, the predicted class. */
  readonly classes?: Readonly<Record<string, string>>;
}

/**
 * A customer's segment. With `rules` (the model card's `segments`): the name of the first rule whose conditions all
 * hold, else the rules' `default`. Without: in config order, the served binary and regression tasks whose decision
 * is positive and, for each multiclass task, `task=class` with its predicted class, joined with `+`
 * (`churn+plan=pro`), or `none`. Stable and readable, so marketing tools can group on it.
 */
export function assignSegment(input: SegmentInput, tasks: readonly TaskScoringRule[], rules?: SegmentsConfig): string {
  if (rules !== undefined) return matchSegmentRule(input, tasks, rules);
  const parts = tasks.flatMap((task) => {
    if (task.type === 'multiclass') {
      const predicted = input.classes?.[task.name];
      return predicted === undefined ? [] : [`${task.name}=${predicted}`];
    }
    return input.decisions[task.name] === true ? [task.name] : [];
  });
  return parts.length === 0 ? noSegment : parts.join('+');
}

/** The first rule (in order) whose every condition holds, else `rules.default`. */
export function matchSegmentRule(input: SegmentInput, tasks: readonly TaskScoringRule[], rules: SegmentsConfig): string {
  const rule = rules.rules.find((candidate) => candidate.when.every((condition) => conditionHolds(condition, input, tasks)));
  return rule?.name ?? rules.default;
}

/**
 * Whether one condition holds for a customer. A condition on a task the model does not serve never holds (the
 * config and the save path reject such rules; this keeps a hand-edited card from crashing scoring).
 */
export function conditionHolds(condition: SegmentCondition, input: SegmentInput, tasks: readonly TaskScoringRule[]): boolean {
  const task = tasks.find((t) => t.name === condition.task);
  const score = input.scores[condition.task];
  if (task === undefined || score === undefined) return false;
  if (condition.score !== undefined) {
    const median = medianScore(task);
    const resolve = (bound: number | 'median'): number => (bound === 'median' ? median : bound);
    if (!compare(score, condition.score, resolve)) return false;
  }
  if (condition.decile !== undefined) {
    const decile = input.deciles[condition.task];
    if (decile === undefined || !compare(decile, condition.decile, (bound: number) => bound)) return false;
  }
  if (condition.decision !== undefined && input.decisions[condition.task] !== condition.decision) return false;
  if (condition.class !== undefined) {
    const predicted = input.classes?.[condition.task];
    if (predicted === undefined || ![condition.class].flat().some((name) => name.trim() === predicted)) return false;
  }
  return true;
}

/** The median of a task's held-out scores: the middle (5th) of its 9 decile edges, the 50 % quantile. */
export function medianScore(task: Pick<TaskScoringRule, 'decileEdges'>): number {
  return task.decileEdges[4] ?? Number.NaN;
}

function compare<T>(value: number, comparison: SegmentComparison<T>, resolve: (bound: T) => number): boolean {
  if (comparison.gte !== undefined && !(value >= resolve(comparison.gte))) return false;
  if (comparison.gt !== undefined && !(value > resolve(comparison.gt))) return false;
  if (comparison.lte !== undefined && !(value <= resolve(comparison.lte))) return false;
  if (comparison.lt !== undefined && !(value < resolve(comparison.lt))) return false;
  return true;
}
