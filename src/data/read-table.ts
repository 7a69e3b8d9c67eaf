import path from 'node:path';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { RawRow } from './labelled-row.ts';
import { readDataFile } from './read-data-file.ts';
import { parseCsv } from './read-csv.ts';
import { parseJsonl } from './read-jsonl.ts';

/** A table as read from a file: column names in file order, one RawRow per data row, and each row's source line. */
export interface RawTable {
  /** The file the table came from, as given (for error messages such as `telco.csv:17`). */
  readonly source: string;
  readonly columns: string[];
  readonly rows: RawRow[];
  /** 1-based line of the file where each row starts (CSV: the header is line 1). */
  readonly lines: number[];
}

/** Table file formats that table mode reads, by extension. */
export type TableFormat = 'csv' | 'jsonl';

/**
 * The format of a table file from its extension (`.csv`, `.jsonl`, `.ndjson`).
 * @throws BadInputError for Parquet (not supported yet in table mode) and unknown extensions.
 */
export function tableFormatOf(file: string): TableFormat {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  if (extension === '.parquet') {
    throw new BadInputError(`${file}: parquet input is not supported yet for table mode; convert to CSV or JSONL`, { value: file });
  }
  throw new BadInputError(`${file}: unknown table format "${extension}"; use .csv, .jsonl or .ndjson`, { value: file });
}

/**
 * Parses the bytes of a table file, choosing the reader by the file's extension.
 * @throws BadInputError for an unsupported format, an empty file, a file without data rows or malformed rows.
 */
export function parseTable(content: Buffer | string, source: string): RawTable {
  const format = tableFormatOf(source);
  return format === 'csv' ? parseCsv(content, source) : parseJsonl(content, source);
}

/**
 * Reads a CSV or JSONL file (by extension) into a RawTable.
 * @throws BadInputError when the file is missing, unsupported, empty or malformed (naming file and line).
 */
export async function readTable(file: string): Promise<RawTable> {
  tableFormatOf(file);
  return parseTable(await readDataFile(file), file);
}
