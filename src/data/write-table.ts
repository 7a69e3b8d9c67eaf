import path from 'node:path';
import { BadInputError } from '../errors/bad-input-error.ts';
import { writeFileAtomically } from '../store/write-file-atomically.ts';
import type { RawValue } from './labelled-row.ts';
import { cellOf, type RawTable } from './read-table.ts';

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes a table as CSV or JSONL by extension, atomically (the `features` command's output). */
export async function writeTable(file: string, table: Pick<RawTable, 'columns' | 'cells' | 'lines'>): Promise<void> {
  const extension = path.extname(file).toLowerCase();
  const rowCount = table.lines.length;
  const cellsOf = (row: number): RawValue[] => table.cells.map((column) => cellOf(column, row));
  const lines: string[] = [];
  if (extension === '.csv') {
    lines.push(table.columns.map(csvCell).join(','));
    for (let row = 0; row < rowCount; row++) lines.push(cellsOf(row).map(csvCell).join(','));
  } else if (extension === '.jsonl' || extension === '.ndjson') {
    for (let row = 0; row < rowCount; row++) {
      const values = cellsOf(row);
      lines.push(JSON.stringify(Object.fromEntries(table.columns.map((column, c) => [column, values[c] ?? null]))));
    }
  } else {
    throw new BadInputError(`--out ${file}: write .csv or .jsonl (parquet output is not supported yet)`, { value: file });
  }
  await writeFileAtomically(file, lines.length > 0 ? `${lines.join('\n')}\n` : '');
}
