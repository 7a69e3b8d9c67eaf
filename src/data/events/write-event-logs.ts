import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EventFiles } from './build-event-table.ts';

/** A log row: column → cell (null and undefined are written as empty). */
export type EventLogRow = Readonly<Record<string, string | number | null | undefined>>;

/** Small in-memory logs with their columns in file order. */
export interface EventLogs {
  readonly customers: { readonly columns: readonly string[]; readonly rows: readonly EventLogRow[] };
  readonly sessions: { readonly columns: readonly string[]; readonly rows: readonly EventLogRow[] };
  readonly orders: { readonly columns: readonly string[]; readonly rows: readonly EventLogRow[] };
}

/**
 * Writes small in-memory logs as `customers.csv`, `sessions.csv` and `orders.csv` in `dir` (created if missing),
 * quoting cells as RFC 4180 asks. For hand-built histories in tests and examples; the shop generator streams instead.
 */
export async function writeEventLogs(dir: string, logs: EventLogs): Promise<EventFiles> {
  await mkdir(dir, { recursive: true });
  const files: EventFiles = { customers: path.join(dir, 'customers.csv'), sessions: path.join(dir, 'sessions.csv'), orders: path.join(dir, 'orders.csv') };
  await Promise.all((['customers', 'sessions', 'orders'] as const).map((name) => writeFile(files[name], eventLogCsv(logs[name].columns, logs[name].rows))));
  return files;
}

/** CSV text of rows under a header, one line per row, a line break after the last. */
export function eventLogCsv(columns: readonly string[], rows: readonly EventLogRow[]): string {
  const cell = (value: string | number | null | undefined): string => {
    if (value === null || value === undefined) return '';
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [columns.map(cell).join(','), ...rows.map((row) => columns.map((column) => cell(row[column])).join(','))];
  return `${lines.join('\n')}\n`;
}
