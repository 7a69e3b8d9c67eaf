import path from 'node:path';
import { BadInputError } from '../errors/bad-input-error.ts';
import { writeFileAtomically } from '../store/write-file-atomically.ts';
import type { RawTable } from './read-table.ts';

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes a table as CSV or JSONL by extension, atomically (the `features` command's output). */
export async function writeTable(file: string, table: Pick<RawTable, 'columns' | 'rows'>): Promise<void> {
  const extension = path.extname(file).toLowerCase();
  let body: string;
  if (extension === '.csv') {
    body = `${[table.columns.map(csvCell).join(','), ...table.rows.map((row) => table.columns.map((column) => csvCell(row[column])).join(','))].join('\n')}\n`;
  } else if (extension === '.jsonl' || extension === '.ndjson') {
    body = table.rows.map((row) => JSON.stringify(Object.fromEntries(table.columns.map((column) => [column, row[column] ?? null])))).join('\n') + (table.rows.length > 0 ? '\n' : '');
  } else {
    throw new BadInputError(`--out ${file}: write .csv or .jsonl (parquet output is not supported yet)`, { value: file });
  }
  await writeFileAtomically(file, body);
}
