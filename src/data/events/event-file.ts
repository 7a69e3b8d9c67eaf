import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { BadInputError } from '../../errors/bad-input-error.ts';
import { sqlIdentifier, sqlString } from './duckdb-session.ts';
import { locateRecordLines, readCsvHeader, type RecordLayout } from './record-lines.ts';

/** Formats events mode reads, by extension. */
export type EventFileFormat = 'csv' | 'jsonl' | 'parquet';

/** A record the reader could not split into the file's columns (CSV/JSONL), by the reader's line number. */
export interface RejectedRecord {
  readonly readerLine: number;
  readonly reason: string;
}

/** How {@link EventFile.relation} reads the file. */
export interface RelationOptions {
  /**
   * Number the rows (`_tandem_rn`, 1-based, among the rows the reader accepts). Counting rows in file order makes DuckDB read
   * the file on one thread, so read unnumbered (rn NULL, all threads) where ordinals are not needed.
   */
  readonly numbered: boolean;
  /** Record the rows the reader rejects (for `rejectedRecords`); once per file, on its first read. */
  readonly storeRejects: boolean;
}

/**
 * One input file of events mode opened in a DuckDB session: its columns, and `relation(...)`, SQL for a subquery with
 * `_tandem_rn` (see `numbered`), `_tandem_malformed` (a reason, or NULL when the row could be read; the prefix keeps
 * both clear of the file's own column names) and every column as VARCHAR under its own name
 * (typed parsing is left to TRY_CAST in SQL: DuckDB's CSV reader turns an impossible date such as 2024-02-30 into
 * NULL without a word). Read it (storing rejects once), then ask `rejectedRecords()` for what the reader threw out and
 * `lineNumbers()` for where rows sit in the file. Every read skips the same unreadable rows, so ordinals agree.
 */
export interface EventFile {
  /** The path as given, for messages and the quarantine file. */
  readonly path: string;
  readonly format: EventFileFormat;
  /** Column names in file order (JSONL: keys in order of first appearance in the first rows). */
  readonly columns: readonly string[];
  relation(options: RelationOptions): string;
  rejectedRecords(): Promise<RejectedRecord[]>;
  /**
   * The 1-based line (CSV: header = line 1; JSONL: first record = line 1; Parquet: the row number) of accepted rows
   * by ordinal and of rejected records by reader line, read exactly from the file.
   */
  lineNumbers(ordinals: readonly number[], rejectedReaderLines: readonly number[]): Promise<{ ordinalLines: ReadonlyMap<number, number>; rejectedLines: ReadonlyMap<number, number> }>;
}

/**
 * The format of an events-mode file from its extension.
 * @throws BadInputError for other extensions.
 */
export function eventFileFormatOf(file: string): EventFileFormat {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  if (extension === '.parquet') return 'parquet';
  throw new BadInputError(`${file}: unknown events file format "${extension}"; use .csv, .jsonl or .parquet`, {
    value: file,
    details: [{ path: file, issue: `unknown format "${extension}"` }],
  });
}

/** The extensions of events-mode files, in the order a `--raw` folder's logs are looked for. */
export const eventFileExtensions = ['.csv', '.jsonl', '.ndjson', '.parquet'] as const;

/** How many JSONL rows are looked at to find the keys (the columns). */
const jsonKeySampleRows = 10_000;

/**
 * Opens an events-mode file (CSV, JSONL or Parquet by extension) as VARCHAR columns with row ordinals. `name` makes
 * the session's helper tables unique (`customers`, `sessions`, `orders`).
 * @throws BadInputError when the file is missing, empty, of an unknown format, or has an unusable header.
 */
export async function openEventFile(connection: DuckDBConnection, file: string, name: string): Promise<EventFile> {
  const format = eventFileFormatOf(file);
  await assertReadableFile(file);
  if (format === 'csv') return openCsv(connection, file, name);
  if (format === 'jsonl') return openJsonl(connection, file, name);
  return openParquet(connection, file);
}

async function assertReadableFile(file: string): Promise<void> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    size = info.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(error);
    throw new BadInputError(`cannot read data file ${file}: ${reason}`, { cause: error, value: file, details: [{ path: file, issue: reason }] });
  }
  if (size === 0) throw new BadInputError(`${file}: the file is empty`, { value: file, details: [{ path: file, issue: 'empty file' }] });
}

function checkColumnNames(file: string, columns: readonly string[]): void {
  const seen = new Set<string>();
  columns.forEach((column, i) => {
    const where = `${file}:1`;
    if (column.trim() === '') {
      const issue = `column ${i + 1} of the header has no name`;
      throw new BadInputError(`${where}: ${issue}`, { value: columns, details: [{ path: where, issue }] });
    }
    if (seen.has(column)) {
      const issue = `column "${column}" appears twice in the header`;
      throw new BadInputError(`${where}: ${issue}`, { value: column, details: [{ path: where, issue }] });
    }
    seen.add(column);
  });
}

/**
 * Reader options: skip rows DuckDB cannot split into the columns, and when `store`, keep them with their line in a
 * private rejects table.
 */
function rejectOptions(name: string, store: boolean): string {
  if (!store) return 'ignore_errors = true';
  return `ignore_errors = true, store_rejects = true, rejects_table = ${sqlString(`rejects_${name}`)}, rejects_scan = ${sqlString(`reject_scans_${name}`)}`;
}

/**
 * The CSV reader's buffer: 16 MB instead of DuckDB's 32 MB default. Fresh memory is what reading costs most on small
 * machines (each new page is a page fault), and the smaller buffer saves a tenth of the sessions read. The line limit
 * stays DuckDB's 2 MB (setting only the buffer would raise it to the buffer's size); with smaller buffers DuckDB drops
 * a line longer than the buffer without recording it as rejected, at 16 MB it reports it like the default does.
 */
const readerBuffer = 'buffer_size = 16000000, max_line_size = 2000000';

/** `rn` of a reader's rows: its ordinality when numbered (needs `WITH ORDINALITY` after the reader), else NULL. */
function rowNumber(numbered: boolean): { rn: string; ordinality: string; exclude: string } {
  return numbered ? { rn: 'ordinality', ordinality: 'WITH ORDINALITY', exclude: 'EXCLUDE (ordinality)' } : { rn: 'NULL::BIGINT', ordinality: '', exclude: '' };
}

async function readRejects(connection: DuckDBConnection, name: string, columnCount: number): Promise<RejectedRecord[]> {
  const table = `rejects_${name}`;
  const exists = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = ${sqlString(table)}`);
  if (Number(exists.getRowObjectsJS()[0]?.n ?? 0) === 0) return [];
  const reader = await connection.runAndReadAll(
    `SELECT line::BIGINT AS line, arg_min(error_type::VARCHAR, column_idx) AS type, arg_min(error_message, column_idx) AS message, min(column_idx)::INTEGER AS found

     FROM ${sqlIdentifier(table)} GROUP BY line ORDER BY line`,
  );
  return reader
    .getRowObjectsJS()
    .map((row) => ({ readerLine: Number(row.line), reason: rejectReason(String(row.type), String(row.message), Number(row.found), columnCount) }));
}

function rejectReason(type: string, message: string, found: number, columnCount: number): string {
  if (type === 'MISSING COLUMNS') return `truncated row: ${found} of ${columnCount} fields`;
  if (type === 'TOO MANY COLUMNS') return `too many fields (the header has ${columnCount})`;
  if (type === 'UNQUOTED VALUE') return 'unterminated quoted field';
  if (type === 'INVALID ENCODING' || type === 'INVALID UNICODE') return 'not valid UTF-8';
  if (type === 'LINE SIZE OVER MAXIMUM') return 'line too long';
  return `unreadable row: ${message.split('\n')[0] ?? type}`;
}

function lineLocator(file: string, layout: RecordLayout, header: boolean): EventFile['lineNumbers'] {
  return (ordinals, rejectedReaderLines) => locateRecordLines(file, { layout, header, ordinals, rejectedReaderLines });
}

async function openCsv(connection: DuckDBConnection, file: string, name: string): Promise<EventFile> {
  const columns = await readCsvHeader(file);
  if (columns.length === 0) throw new BadInputError(`${file}: the file has no header`, { value: file, details: [{ path: `${file}:1`, issue: 'no header' }] });
  checkColumnNames(file, columns);
  const columnTypes = columns.map((column) => `${sqlString(column)}: 'VARCHAR'`).join(', ');
  const read = (storeRejects: boolean): string =>
    `read_csv(${sqlString(file)}, auto_detect = false, header = true, delim = ',', quote = '"', escape = '"', columns = {${columnTypes}}, ${readerBuffer}, ${rejectOptions(name, storeRejects)})`;
  return {
    path: file,
    format: 'csv',
    columns,
    relation: ({ numbered, storeRejects }) => {
      const { rn, ordinality, exclude } = rowNumber(numbered);
      return `(SELECT ${rn} AS _tandem_rn, NULL::VARCHAR AS _tandem_malformed, * ${exclude} FROM ${read(storeRejects)} ${ordinality})`;
    },
    rejectedRecords: () => readRejects(connection, name, columns.length),
    lineNumbers: lineLocator(file, 'csv', true),
  };
}

async function openJsonl(connection: DuckDBConnection, file: string, name: string): Promise<EventFile> {
  // One text column per line (a unit separator never appears raw in valid JSON), so every line keeps its ordinal and
  // a broken line becomes a quarantined row instead of stopping the JSON reader.
  const lines = ({ numbered, storeRejects }: RelationOptions): string => {
    const { rn, ordinality } = rowNumber(numbered);
    const read = `read_csv(${sqlString(file)}, auto_detect = false, header = false, delim = '\x1f', quote = '', escape = '', columns = {'j': 'VARCHAR'}, ${readerBuffer}, ${rejectOptions(name, storeRejects)})`;
    return `(SELECT ${rn} AS rn, j, coalesce(json_valid(j), false) AS valid FROM ${read} ${ordinality} WHERE trim(coalesce(j, '')) <> '')`;
  };
  const sample = await connection.runAndReadAll(
    `SELECT json_keys(j) AS keys FROM ${lines({ numbered: false, storeRejects: false })} WHERE valid AND json_type(j) = 'OBJECT' LIMIT ${jsonKeySampleRows}`,
  );
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of sample.getRowObjectsJS()) {
    for (const key of (row.keys as string[] | null) ?? []) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  if (columns.length === 0) throw new BadInputError(`${file}: no JSON object lines found`, { value: file, details: [{ path: file, issue: 'no JSON objects' }] });
  const object = `CASE WHEN valid THEN json_type(j) = 'OBJECT' ELSE false END`;
  const fields = columns.map((column) => `CASE WHEN ok THEN json_extract_string(j, ${sqlString(`$.${JSON.stringify(column)}`)}) END AS ${sqlIdentifier(column)}`).join(', ');
  return {
    path: file,
    format: 'jsonl',
    columns,
    relation: (options) => `(SELECT rn AS _tandem_rn, CASE WHEN ok THEN NULL ELSE 'malformed JSON (not one complete object on the line)' END AS _tandem_malformed, ${fields}
      FROM (SELECT rn, j, ${object} AS ok FROM ${lines(options)}))`,
    rejectedRecords: () => readRejects(connection, name, 1),
    lineNumbers: lineLocator(file, 'lines', false),
  };
}

async function openParquet(connection: DuckDBConnection, file: string): Promise<EventFile> {
  let columns: string[];
  try {
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
    columns = described.getRowObjectsJS().map((row) => String(row.column_name));
  } catch (error) {
    const issue = `not a readable Parquet file: ${(error as Error).message.split('\n')[0]}`;
    throw new BadInputError(`${file}: ${issue}`, { cause: error, value: file, details: [{ path: file, issue }] });
  }
  checkColumnNames(file, columns);
  const fields = columns.map((column) => `CAST(${sqlIdentifier(column)} AS VARCHAR) AS ${sqlIdentifier(column)}`).join(', ');
  return {
    path: file,
    format: 'parquet',
    columns,
    // Parquet row numbers come with the rows on every thread, so the relation is always numbered.
    relation: () => `(SELECT file_row_number + 1 AS _tandem_rn, NULL::VARCHAR AS _tandem_malformed, ${fields} FROM read_parquet(${sqlString(file)}, file_row_number = true))`,
    rejectedRecords: () => Promise.resolve([]),
    // A Parquet file has no lines: the 1-based row number stands in for one.
    lineNumbers: (ordinals) => Promise.resolve({ ordinalLines: new Map(ordinals.map((n) => [n, n])), rejectedLines: new Map() }),
  };
}
