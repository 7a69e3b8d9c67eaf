import path from 'node:path';
import { BadInputError } from '../errors/bad-input-error.ts';
import { writeFileAtomically } from '../store/write-file-atomically.ts';
import { flattenPrediction, scoreColumns, type ScoredTask } from './score-columns.ts';
import type { CustomerPrediction } from './score-rows.ts';
import { writeParquetScores } from './write-parquet-scores.ts';

export { flattenPrediction, scoreColumns, type ScoredTask } from './score-columns.ts';

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
