import path from 'node:path';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { RawRow, RawValue } from './labelled-row.ts';
import { readDataFile } from './read-data-file.ts';
import { parseCsv } from './read-csv.ts';
import { parseJsonl } from './read-jsonl.ts';

/** One column's cells: text and JSON scalars, or numbers in a Float64Array where a missing cell is NaN. */
export type TableColumn = readonly RawValue[] | Float64Array;

/**
 * A table as read from a file or built from raw logs, held column by column: column names in order, each column's
 * cells, and each row's source line. Events mode keeps its numeric columns in Float64Arrays, so an ingest never makes
 * one object (and one boxed number per cell) per row; `rows` gives that view where a caller wants it.
 */
export interface RawTable {
  /** The file the table came from, as given (for error messages such as `telco.csv:17`). */
  readonly source: string;
  readonly columns: string[];
  /** Cells per column, in `columns` order; each holds one cell per row. */
  readonly cells: readonly TableColumn[];
  /** 1-based line of the file where each row starts (CSV: the header is line 1); its length is the row count. */
  readonly lines: number[];
  /** One object per row (built on first read, then kept). */
  readonly rows: RawRow[];
}

/** A cell of a column: a number that is not finite in a numeric column is missing (null). */
export function cellOf(column: TableColumn, row: number): RawValue {
  if (column instanceof Float64Array) {
    const value = column[row] as number;
    return Number.isFinite(value) ? value : null;
  }
  return column[row] ?? null;
}

/**
 * The cells of a column the table has, by name.
 * @throws Error for a column it does not have (callers check names first and report bad input themselves).
 */
export function columnCellsOf(table: Pick<RawTable, 'columns' | 'cells'>, column: string): TableColumn {
  const cells = table.cells[table.columns.indexOf(column)];
  if (cells === undefined) throw new Error(`the table has no column "${column}"`);
  return cells;
}

/** A table from its columns' cells; `rows` is built from them on first read. */
export function tableFromColumns(source: string, columns: string[], cells: readonly TableColumn[], lines: number[]): RawTable {
  let rows: RawRow[] | undefined;
  return {
    source,
    columns,
    cells,
    lines,
    get rows(): RawRow[] {
      rows ??= rowsOf(columns, cells, lines.length);
      return rows;
    },
  };
}

/** A table from row objects that have every column (the table-mode readers). */
export function tableFromRows(source: string, columns: string[], rows: RawRow[], lines: number[]): RawTable {
  return { source, columns, cells: columns.map((column) => rows.map((row) => row[column] ?? null)), lines, rows };
}

/** Row objects from columns: every row starts as a copy of one template, so all rows share a shape (V8 keeps them fast). */
function rowsOf(columns: readonly string[], cells: readonly TableColumn[], size: number): RawRow[] {
  const template: RawRow = Object.fromEntries(columns.map((column) => [column, null]));
  const rows = Array.from({ length: size }, (): RawRow => ({ ...template }));
  columns.forEach((name, c) => {
    const column = cells[c] as TableColumn;
    for (let r = 0; r < size; r++) (rows[r] as RawRow)[name] = cellOf(column, r);
  });
  return rows;
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
