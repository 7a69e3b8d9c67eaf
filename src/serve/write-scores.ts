import path from 'node:path';
import { BadInputError } from '../errors/bad-input-error.ts';
import { writeFileAtomically } from '../store/write-file-atomically.ts';
import type { CustomerPrediction } from './score-rows.ts';

/** The output columns of `score` (SPEC §1): id, per task the score, decision and decile, then the segment. */
export function scoreColumns(taskNames: readonly string[]): string[] {
  return ['id', ...taskNames.flatMap((task) => [task, `${task}_decision`, `${task}_decile`]), 'segment'];
}

/** One prediction as a flat record in {@link scoreColumns} order. */
export function flattenPrediction(prediction: CustomerPrediction, taskNames: readonly string[]): Record<string, string | number | boolean> {
  const record: Record<string, string | number | boolean> = { id: prediction.id };
  for (const task of taskNames) {
    record[task] = prediction.scores[task] as number;
    record[`${task}_decision`] = prediction.decisions[task] as boolean;
    record[`${task}_decile`] = prediction.deciles[task] as number;
  }
  record.segment = prediction.segment;
  return record;
}

function csvCell(value: string | number | boolean): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes predictions as CSV or JSONL (by extension), through a temporary file renamed into place, so a reader
 * never sees half an output file. Numbers keep full precision.
 */
export async function writeScores(file: string, predictions: readonly CustomerPrediction[], taskNames: readonly string[]): Promise<void> {
  const extension = path.extname(file).toLowerCase();
  const columns = scoreColumns(taskNames);
  let body: string;
  if (extension === '.csv') {
    const lines = predictions.map((p) => {
      const record = flattenPrediction(p, taskNames);
      return columns.map((c) => csvCell(record[c] as string | number | boolean)).join(',');
    });
    body = `${[columns.join(','), ...lines].join('\n')}\n`;
  } else if (extension === '.jsonl' || extension === '.ndjson') {
    body = predictions.map((p) => JSON.stringify(flattenPrediction(p, taskNames))).join('\n') + (predictions.length > 0 ? '\n' : '');
  } else {
    throw new BadInputError(`--out ${file}: write .csv or .jsonl (parquet output is not supported yet)`, { value: file });
  }
  await writeFileAtomically(file, body);
}
