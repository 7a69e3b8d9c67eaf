import type { CustomerPrediction } from './score-rows.ts';

/** A served task as the score output lays it out: multiclass tasks name their classes. */
export interface ScoredTask {
  readonly name: string;
  /** Multiclass: the class names, one `<task>_p_<class>` column each. */
  readonly classes?: readonly string[];
}

/** The SQL type of one score column. */
export type ScoreColumnType = 'VARCHAR' | 'DOUBLE' | 'BOOLEAN' | 'INTEGER';

/**
 * The output columns of `score` (SPEC §1) with their Parquet type: `id` text, per task the score (DOUBLE), decision
 * (BOOLEAN; a multiclass task's decision, its predicted class, text) and decile (INTEGER), a multiclass task then one
 * `<task>_p_<class>` probability column (DOUBLE) per class, then the segment (text).
 */
export function scoreColumnTypes(tasks: readonly ScoredTask[]): [string, ScoreColumnType][] {
  return [
    ['id', 'VARCHAR'],
    ...tasks.flatMap((task): [string, ScoreColumnType][] => [
      [task.name, 'DOUBLE'],
      [`${task.name}_decision`, task.classes === undefined ? 'BOOLEAN' : 'VARCHAR'],
      [`${task.name}_decile`, 'INTEGER'],
      ...(task.classes ?? []).map((name): [string, ScoreColumnType] => [`${task.name}_p_${name}`, 'DOUBLE']),
    ]),
    ['segment', 'VARCHAR'],
  ];
}

/** The output columns of `score` in order, the CSV header (the names of {@link scoreColumnTypes}). */
export function scoreColumns(tasks: readonly ScoredTask[]): string[] {
  return scoreColumnTypes(tasks).map(([name]) => name);
}

/**
 * One prediction as a flat record in {@link scoreColumns} order. A multiclass task's `<task>` is the predicted class's
 * probability and `<task>_decision` the predicted class.
 */
export function flattenPrediction(prediction: CustomerPrediction, tasks: readonly ScoredTask[]): Record<string, string | number | boolean> {
  const record: Record<string, string | number | boolean> = { id: prediction.id };
  for (const { name, classes } of tasks) {
    record[name] = prediction.scores[name] as number;
    record[`${name}_decision`] = prediction.classes?.[name] ?? (prediction.decisions[name] as boolean);
    record[`${name}_decile`] = prediction.deciles[name] as number;
    for (const label of classes ?? []) record[`${name}_p_${label}`] = prediction.probabilities?.[name]?.[label] as number;
  }
  record.segment = prediction.segment;
  return record;
}
