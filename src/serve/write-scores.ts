import path from 'node:path';
import { BadInputError } from '../errors/bad-input-error.ts';
import { writeFileAtomically } from '../store/write-file-atomically.ts';
import type { CustomerPrediction } from './score-rows.ts';
import { writeParquetScores } from './write-parquet-scores.ts';

/** A served task as the score output lays it out: multiclass tasks name their classes. */
export interface ScoredTask {
  readonly name: string;
  /** Multiclass: the class names, one `<task>_p_<class>` column each. */
  readonly classes?: readonly string[];
}

/**
 * The output columns of `score` (SPEC §1): id, per task the score, decision and decile (a multiclass task then one
 * `<task>_p_<class>` probability column per class), then the segment.
 */
export function scoreColumns(tasks: readonly ScoredTask[]): string[] {
  return [
    'id',
    ...tasks.flatMap((task) => [task.name, `${task.name}_decision`, `${task.name}_decile`, ...(task.classes ?? []).map((name) => `${task.name}_p_${name}`)]),
    'segment',
  ];
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

function csvCell(value: string | number | boolean): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes predictions as CSV, JSONL or Parquet (by extension), through a temporary file renamed into place, so a
 * reader never sees half an output file. Numbers keep full precision (Parquet: DOUBLE, see `writeParquetScores`).
 */
export async function writeScores(file: string, predictions: readonly CustomerPrediction[], tasks: readonly ScoredTask[]): Promise<void> {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.parquet') return writeParquetScores(file, predictions, tasks);
  const columns = scoreColumns(tasks);
  let body: string;
  if (extension === '.csv') {
    const lines = predictions.map((p) => {
      const record = flattenPrediction(p, tasks);
      return columns.map((c) => csvCell(record[c] as string | number | boolean)).join(',');
    });
    body = `${[columns.join(','), ...lines].join('\n')}\n`;
  } else if (extension === '.jsonl' || extension === '.ndjson') {
    body = predictions.map((p) => JSON.stringify(flattenPrediction(p, tasks))).join('\n') + (predictions.length > 0 ? '\n' : '');
  } else {
    throw new BadInputError(`--out ${file}: write .csv, .jsonl or .parquet (the extension picks the format)`, { value: file });
  }
  await writeFileAtomically(file, body);
}
