import type { DuckDBConnection } from '@duckdb/node-api';
import { BadInputError } from '../../errors/bad-input-error.ts';
import type { EventFile } from './event-file.ts';

/** A malformed input row set aside: the file, its 1-based line (header = line 1) and why. */
export interface QuarantinedRow {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/** What one file contributed: rows read (readable or not) and the ones set aside. */
export interface FileQuarantine {
  readonly rows: number;
  readonly quarantined: QuarantinedRow[];
}

/** How many bad rows an over-the-limit error names. */
const examplesInError = 5;

/** How to count and list the checked rows of a file. */
export interface CheckedRows {
  /** SQL giving one row: `n`, the rows the reader accepted, and `bad`, how many of them have a reason. */
  readonly counts: string;
  /** SQL giving `rn` (the row's ordinal) and `reason` (NULL for a good row) of the same rows; only read when some are bad. */
  readonly badRows: string;
}

/**
 * Collects the bad rows of one file: rows DuckDB could not split (truncated, too many fields, broken quotes or JSON)
 * and rows whose `reason` is set, each with its exact line. Fails when their share of the file's rows is above
 * `maxBadRowShare`.
 * @throws BadInputError naming the file, the share and the first bad rows (line and reason).
 */
export async function collectQuarantine(connection: DuckDBConnection, file: EventFile, checked: CheckedRows, maxBadRowShare: number): Promise<FileQuarantine> {
  const counts = (await connection.runAndReadAll(`SELECT n::DOUBLE AS n, bad::DOUBLE AS bad FROM (${checked.counts})`)).getRowObjectsJS()[0];
  const rejected = await file.rejectedRecords();
  const rows = Number(counts?.n ?? 0) + rejected.length;
  const badCount = Number(counts?.bad ?? 0) + rejected.length;
  const overLimit = rows > 0 && badCount / rows > maxBadRowShare;
  const limit = overLimit ? `LIMIT ${examplesInError}` : '';
  const invalidCount = Number(counts?.bad ?? 0);
  const invalid =
    invalidCount === 0
      ? []
      : (await connection.runAndReadAll(`SELECT rn::DOUBLE AS rn, reason FROM (${checked.badRows}) WHERE reason IS NOT NULL ORDER BY rn ${limit}`))
          .getRowObjectsJS()
          .map((row) => ({ rn: Number(row.rn), reason: String(row.reason) }));
  const rejects = overLimit ? rejected.slice(0, examplesInError) : rejected;
  const { ordinalLines, rejectedLines } = await file.lineNumbers(
    invalid.map((row) => row.rn),
    rejects.map((row) => row.readerLine),
  );
  const quarantined: QuarantinedRow[] = [
    ...invalid.map((row) => ({ file: file.path, line: ordinalLines.get(row.rn) ?? row.rn, reason: row.reason })),
    ...rejects.map((row) => ({ file: file.path, line: rejectedLines.get(row.readerLine) ?? row.readerLine, reason: row.reason })),
  ].sort((a, b) => a.line - b.line);

  if (overLimit) {
    const first = quarantined.slice(0, examplesInError);
    const share = `${badCount} of ${rows} rows (${percent(badCount / rows)})`;
    const examples = first.map((row) => `line ${row.line}: ${row.reason}`).join('; ');
    throw new BadInputError(`${file.path}: ${share} are malformed, more than maxBadRowShare ${percent(maxBadRowShare)} allows; first: ${examples}`, {
      value: { file: file.path, bad: badCount, rows },
      details: first.map((row) => ({ path: `${row.file}:${row.line}`, issue: row.reason })),
    });
  }
  return { rows, quarantined };
}

/** Quarantined rows as CSV text (`file,line,reason`, RFC 4180 quoting), the dataset's `quarantine.csv`. */
export function quarantineCsv(rows: readonly QuarantinedRow[]): string {
  const cell = (value: string | number): string => {
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return ['file,line,reason', ...rows.map((row) => [cell(row.file), cell(row.line), cell(row.reason)].join(','))].join('\n') + '\n';
}

function percent(share: number): string {
  const value = share * 100;
  return `${Number.isInteger(value) ? value : value.toFixed(value < 1 ? 2 : 1)}%`;
}
