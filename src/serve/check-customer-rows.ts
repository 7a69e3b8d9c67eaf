import type { RawRow } from '../data/labelled-row.ts';
import type { InputIssue } from '../errors/bad-input-error.ts';
import { validateRows } from '../features/preprocessor.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';

/** Rows that can be scored, and what was odd about them without being wrong. */
export interface CheckedRows {
  readonly rows: RawRow[];
  /** Unknown fields, e.g. `{path: "customers[0].Chrun", issue: "unknown field, ignored; did you mean churn?"}`. */
  readonly warnings: InputIssue[];
}

/** Options of {@link checkCustomerRows}. */
export interface CheckCustomerRowsOptions {
  /**
   * Warnings listed one by one; beyond it, one more entry (path `customers`) counts the rest.
   * @default 100
   */
  readonly maxWarnings?: number;
}

/** Names longer than this get no suggestion: the edit distance is quadratic in the name's length. */
const MAX_SUGGESTED_NAME_LENGTH = 64;
/** Unknown field names are cut to this in a warning's path, so a huge key does not make a huge response. */
const MAX_PATH_NAME_LENGTH = 100;

/**
 * Checks request rows against the model (SPEC §7): every value against its feature column, the id column's type,
 * and that each row names at least one feature column (a row of only unknown or mistyped names would be scored on
 * imputed values alone). Those are the `issues` (400). Fields the model does not know are `warnings`, with the
 * nearest known name when one is close (same letters ignoring case and `_ -`, or one or two edits away).
 */
export function checkCustomerRows(
  model: LoadedModel,
  customers: readonly unknown[],
  { maxWarnings = 100 }: CheckCustomerRowsOptions = {},
): { issues: InputIssue[] } & CheckedRows {
  const issues: InputIssue[] = validateRows(model.preprocessor, customers);
  const features = new Set(model.preprocessor.columns.map((column) => column.name));
  const idColumn = model.card.idColumn;
  const known = idColumn === null ? [...features] : [...features, idColumn];
  const suggestions = new Map<string, string | undefined>();
  const warnings: InputIssue[] = [];
  let unlisted = 0;
  customers.forEach((row, index) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) return;
    const record = row as Record<string, unknown>;
    const path = `customers[${index}]`;
    if (idColumn !== null) {
      const id = record[idColumn];
      if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') {
        issues.push({ path: `${path}.${idColumn}`, issue: `must be a string or number, got ${describeValue(id)}` });
      }
    }
    let knownFeatures = 0;
    for (const name of Object.keys(record)) {
      if (features.has(name)) knownFeatures++;
      else if (name !== idColumn) {
        if (warnings.length >= maxWarnings) {
          unlisted++;
          continue;
        }
        if (!suggestions.has(name)) suggestions.set(name, closestName(name, known));
        const suggestion = suggestions.get(name);
        const shown = name.length > MAX_PATH_NAME_LENGTH ? `${name.slice(0, MAX_PATH_NAME_LENGTH)}…` : name;
        warnings.push({ path: `${path}.${shown}`, issue: `unknown field, ignored${suggestion === undefined ? '' : `; did you mean ${suggestion}?`}` });
      }
    }
    if (knownFeatures === 0) {
      const some = [...features].slice(0, 5).join(', ');
      issues.push({ path, issue: `no known feature column (expected some of: ${some}${features.size > 5 ? ', …' : ''}; see GET /v1/model)` });
    }
  });
  if (unlisted > 0) warnings.push({ path: 'customers', issue: `${unlisted} more unknown fields, not listed` });
  return { issues: sortByRow(issues), rows: customers as RawRow[], warnings };
}

/** Issues in row order (a stable sort keeps each row's own order), so a client reads them top to bottom. */
function sortByRow(issues: InputIssue[]): InputIssue[] {
  const rowOf = (issue: InputIssue): number => Number(/^customers\[(\d+)\]/.exec(issue.path)?.[1] ?? -1);
  return issues.map((issue, order) => ({ issue, order, row: rowOf(issue) })).sort((a, b) => a.row - b.row || a.order - b.order).map(({ issue }) => issue);
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value) ?? String(value);
}

/**
 * The known name a mistyped `name` most likely meant: equal ignoring case and `_`, `-`, spaces, else the nearest by
 * optimal-string-alignment distance (a swap of two neighbours is one edit: Chrun → churn) when it is at most a third
 * of the name's length (at least 1, at most 2). Undefined when nothing is that close.
 */
function closestName(name: string, known: readonly string[]): string | undefined {
  if (name.length > MAX_SUGGESTED_NAME_LENGTH) return undefined;
  const normal = (text: string): string => text.toLowerCase().replace(/[\s_-]+/g, '');
  const wanted = normal(name);
  const same = known.find((candidate) => normal(candidate) === wanted);
  if (same !== undefined) return same;
  const limit = Math.min(2, Math.max(1, Math.floor(wanted.length / 3)));
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const other = normal(candidate);
    if (Math.abs(other.length - wanted.length) > limit || other.length > MAX_SUGGESTED_NAME_LENGTH) continue;
    const distance = alignmentDistance(wanted, other);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of adjacent characters. */
function alignmentDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Uint16Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = value;
    }
  }
  return d[rows * cols - 1]!;
}
