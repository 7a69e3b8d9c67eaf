import { z } from 'zod';

/** A score bound: a number, or `"median"`, the median of the task's held-out scores (its 5th decile edge). */
const scoreBound = z.union([z.number(), z.literal('median')]);

const decileBound = z.number().int().min(1).max(10);

/** `{gte, gt, lte, lt}` over `bound`: every operator given must hold (two give a range). */
function comparisonSchema<T extends z.ZodType>(bound: T) {
  return z
    .object({
      gte: bound.optional().describe('At least this.'),
      gt: bound.optional().describe('Above this.'),
      lte: bound.optional().describe('At most this.'),
      lt: bound.optional().describe('Below this.'),
    })
    .strict()
    .refine((c) => c.gte !== undefined || c.gt !== undefined || c.lte !== undefined || c.lt !== undefined, {
      message: 'give at least one of gte, gt, lte, lt',
    });
}

/** One condition of a segment rule: on one task's score, decile, decision or (multiclass) predicted class. */
export const segmentConditionSchema = z
  .object({
    task: z.string().min(1).describe('A served task of the config.'),
    score: comparisonSchema(scoreBound)
      .optional()
      .describe('The task\'s score (probability, value, or the top class\'s probability) against numbers or "median" (of the held-out scores).'),
    decile: comparisonSchema(decileBound).optional().describe('The task\'s decile, 1..10 (10 = the top tenth).'),
    decision: z.boolean().optional().describe('Binary and regression tasks: the task\'s decision is this.'),
    class: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe('Multiclass tasks: the predicted class is this one (or one of these).'),
  })
  .strict()
  .refine((c) => c.score !== undefined || c.decile !== undefined || c.decision !== undefined || c.class !== undefined, {
    message: 'give at least one of score, decile, decision, class',
  });

/** A named segment: a customer is in it when every condition of `when` holds. */
export const segmentRuleSchema = z
  .object({
    name: z.string().min(1).max(100).describe('The segment name written to `segment`. Two rules may share a name (either one puts a customer in it).'),
    when: z.array(segmentConditionSchema).min(1).describe('Conditions that must all hold.'),
  })
  .strict();

/**
 * The `segments` section: rules tried in order, the first that matches names the customer's segment, `default`
 * when none does. Without the section a segment is the tasks with a positive decision joined by `+`.
 */
export const segmentsSchema = z
  .object({
    rules: z.array(segmentRuleSchema).min(1).describe('Tried in order; the first whose conditions all hold wins.'),
    default: z.string().min(1).max(100).default('none').describe('The segment of a customer no rule matches.'),
  })
  .strict()
  .describe('Campaign segments over task scores, deciles and decisions, stored with each model (card.json) at train time.');

export type SegmentsConfig = z.output<typeof segmentsSchema>;
export type SegmentRule = z.output<typeof segmentRuleSchema>;
export type SegmentCondition = z.output<typeof segmentConditionSchema>;
/** `{gte, gt, lte, lt}` of a condition. */
export type SegmentComparison<T> = { readonly gte?: T; readonly gt?: T; readonly lte?: T; readonly lt?: T };

/** What segment rules are checked against: a task's name, type, whether it is served, and its classes. */
export interface SegmentTaskInfo {
  readonly name: string;
  readonly type: 'binary' | 'multiclass' | 'regression';
  readonly auxiliary: boolean;
  readonly classes?: readonly (string | number | boolean)[] | undefined;
}

/**
 * What is wrong with segment rules for these tasks, as `{path, message}` under `segments` (empty when nothing):
 * an unknown or auxiliary (unserved) task, `decision` on a multiclass task, `class` on another type or naming a
 * class the task does not have.
 */
export function findSegmentRuleProblems(segments: SegmentsConfig, tasks: readonly SegmentTaskInfo[]): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const served = tasks.filter((task) => !task.auxiliary);
  segments.rules.forEach((rule, r) => {
    rule.when.forEach((condition, c) => {
      const path = ['rules', r, 'when', c];
      const task = tasks.find((t) => t.name === condition.task);
      if (task === undefined || task.auxiliary) {
        const why = task === undefined ? 'is not a task of this config' : 'is auxiliary (not served, so it has no scores)';
        problems.push({ path: [...path, 'task'], message: `"${condition.task}" ${why}; served tasks: ${served.map((t) => t.name).join(', ')}` });
        return;
      }
      if (condition.decision !== undefined && task.type === 'multiclass') {
        problems.push({ path: [...path, 'decision'], message: `"${task.name}" is multiclass (its decision is always true): use "class"` });
      }
      if (condition.class !== undefined) {
        if (task.type !== 'multiclass') {
          problems.push({ path: [...path, 'class'], message: `"${task.name}" is a ${task.type} task; only multiclass tasks take "class"` });
        } else {
          const known = (task.classes ?? []).map((value) => String(value).trim());
          const unknown = [condition.class].flat().filter((name) => !known.includes(name.trim()));
          if (unknown.length > 0) problems.push({ path: [...path, 'class'], message: `"${task.name}" has no class ${unknown.map((u) => `"${u}"`).join(', ')}; its classes: ${known.join(', ')}` });
        }
      }
    });
  });
  return problems;
}
