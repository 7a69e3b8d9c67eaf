import type { CellValue, TableConfig, TaskSpec } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { medianOf } from '../metrics/decile.ts';
import type { LabelledRow, RawValue, TaskLabelStats } from './labelled-row.ts';
import { cellOf, columnCellsOf, type RawTable, type TableColumn } from './read-table.ts';
import { numberCellKind, untrainableNumberIssue } from './trainable-number.ts';

/** A table split into features, labels and ids, held column by column like the table it came from. */
export interface LabelledTable {
  /** Per row: its id (the id column's text, or the 1-based data row number). */
  readonly ids: string[];
  /** Per row: its 1-based source line. */
  readonly lines: number[];
  /** Columns a model sees, in file order: all but the label columns, the id column and `data.exclude`. */
  readonly featureColumns: string[];
  /** The cells of each feature column, in `featureColumns` order (shared with the table). */
  readonly features: readonly TableColumn[];
  /** Per task name, per row: 0/1 (binary), the class index (multiclass), a number (regression) or null (no label). */
  readonly labels: Readonly<Record<string, readonly (number | null)[]>>;
  /** One object per row (built on first read, then kept). */
  readonly rows: LabelledRow[];
  /** The id column, or null when ids are row numbers. */
  readonly idColumn: string | null;
  readonly taskStats: Record<string, TaskLabelStats>;
}

/** Words that mean yes/no when a binary task gives no `label.positive` (compared case-insensitively). */
const yesWords = new Set(['yes', 'true', '1']);
const noWords = new Set(['no', 'false', '0']);

/**
 * Table mode (SPEC §2): takes each task's label out of its column, the id out of `data.id` (or the 1-based data row
 * number), and keeps every other column but `data.exclude` as a feature (a `when` column stays a feature).
 *
 * Binary labels: `label.positive` values (compared as text, case-sensitive) → 1, other values → 0; without
 * `positive`, yes/true/1 → 1 and no/false/0 → 0 (case-insensitive), anything else is an error. Multiclass labels are
 * the index of the value in `label.classes` (compared as trimmed text); any other value is an error. Regression labels are
 * numbers; non-numeric cells are tolerated as missing up to `features.maxNonNumericShare`. Empty cells and rows outside
 * a task's `when` mask carry a null label.
 *
 * Numbers training cannot use are errors, never missing values: `NaN`, `Infinity`, `inf` or an overflowing `1e400` in a
 * regression or binary label cell or in a numeric feature column (one where most present cells are numbers), and a
 * regression label or numeric feature beyond ±3.4e38 (the network trains in float32).
 *
 * @throws BadInputError naming the column (and an example row as file:line with its value) for an unknown column,
 *   an unreadable label, a binary task without positives or negatives, a multiclass value outside `label.classes` or
 *   fewer than two classes labelled, too many non-numeric regression labels, a
 *   missing or duplicate id, no feature columns left, or a number training cannot use (as file:line:column).
 */
export function extractLabels(table: RawTable, config: TableConfig): LabelledTable {
  const { data, tasks } = config;
  checkColumnsExist(table, config);
  const idColumn = data.id ?? null;
  const dropped = new Set<string>([...tasks.map((task) => task.label.column), ...data.exclude]);
  if (idColumn !== null) dropped.add(idColumn);
  const featureColumns = table.columns.filter((column) => !dropped.has(column));
  if (featureColumns.length === 0) {
    throw new BadInputError(`${table.source}: no feature columns left after removing labels, id and data.exclude`, {
      value: table.columns,
      details: [{ path: 'data.exclude', issue: 'no feature columns left' }],
    });
  }

  const ids = readIds(table, idColumn);
  const labels: Record<string, (number | null)[]> = {};
  const taskStats: Record<string, TaskLabelStats> = {};
  for (const task of tasks) {
    const read =
      task.type === 'binary'
        ? readBinaryLabels(table, task)
        : task.type === 'multiclass'
          ? readMulticlassLabels(table, task)
          : readRegressionLabels(table, task, config.features.maxNonNumericShare);
    labels[task.name] = read.labels;
    taskStats[task.name] = read.stats;
  }
  const features = featureColumns.map((column) => columnCellsOf(table, column));
  featureColumns.forEach((column, c) => checkFeatureNumbers(table, column, features[c] as TableColumn));
  const lines = table.lines;
  let rows: LabelledRow[] | undefined;
  return {
    ids,
    lines,
    featureColumns,
    features,
    labels,
    idColumn,
    taskStats,
    get rows(): LabelledRow[] {
      rows ??= ids.map((id, i): LabelledRow => ({
        id,
        line: lines[i] ?? i + 2,
        features: Object.fromEntries(featureColumns.map((column, c) => [column, cellOf(features[c] as TableColumn, i)])),
        labels: Object.fromEntries(tasks.map((task) => [task.name, labels[task.name]?.[i] ?? null])),
      }));
      return rows;
    },
  };
}

/** Every column the config names must exist; the error lists the columns the file has. */
function checkColumnsExist(table: RawTable, config: TableConfig): void {
  const known = new Set(table.columns);
  const references: { path: string; column: string }[] = [];
  config.tasks.forEach((task, i) => {
    references.push({ path: `tasks[${i}].label.column (task "${task.name}")`, column: task.label.column });
    if (task.when) references.push({ path: `tasks[${i}].when.column (task "${task.name}")`, column: task.when.column });
  });
  if (config.data.id !== undefined) references.push({ path: 'data.id', column: config.data.id });
  config.data.exclude.forEach((column, i) => references.push({ path: `data.exclude[${i}]`, column }));
  const missing = references.filter((reference) => !known.has(reference.column));
  if (missing.length === 0) return;
  const details = missing.map((reference) => ({ path: reference.path, issue: `unknown column "${reference.column}"` }));
  const list = missing.map((reference) => `"${reference.column}" (${reference.path})`).join(', ');
  throw new BadInputError(`${table.source}: unknown column ${list}; the file's columns are: ${table.columns.join(', ')}`, {
    value: missing.map((reference) => reference.column),
    details,
  });
}

function readIds(table: RawTable, idColumn: string | null): string[] {
  if (idColumn === null) return table.lines.map((_, i) => String(i + 1));
  const cells = columnCellsOf(table, idColumn);
  const firstLine = new Map<string, number>();
  return table.lines.map((_, i) => {
    const value = cellOf(cells, i);
    const line = table.lines[i] ?? i + 2;
    const where = `${table.source}:${line}`;
    if (value === null) {
      const issue = `id column "${idColumn}" is empty`;
      throw new BadInputError(`${where}: ${issue}`, { value, details: [{ path: `${where}:${idColumn}`, issue }] });
    }
    const id = String(value);
    const earlier = firstLine.get(id);
    if (earlier !== undefined) {
      const issue = `duplicate id "${id}" in column "${idColumn}" (first on line ${earlier})`;
      throw new BadInputError(`${where}: ${issue}`, { value: id, details: [{ path: `${where}:${idColumn}`, issue }] });
    }
    firstLine.set(id, line);
    return id;
  });
}

/** Whether a row is inside the task's `when` mask (no mask: every row). Values are compared as text. */
function maskOf(task: TaskSpec, table: RawTable): (row: number) => boolean {
  const when = task.when;
  if (!when) return () => true;
  const cells = columnCellsOf(table, when.column);
  const listed = new Set((when.in ?? when.notIn ?? []).map(cellText));
  const keepListed = when.in !== undefined;
  return (row) => listed.has(cellText(cellOf(cells, row))) === keepListed;
}

/** A cell as text for comparisons: CSV text as is, JSONL numbers and booleans by String(); missing is ''. */
function cellText(value: RawValue | CellValue): string {
  return value === null ? '' : String(value);
}

/** `read(cell, row)` for every row with a label cell inside the task's `when`; null for the others. */
function mapLabelCells(table: RawTable, task: TaskSpec, cells: ReturnType<typeof columnCellsOf>, read: (value: NonNullable<ReturnType<typeof cellOf>>, row: number) => number | null): (number | null)[] {
  const inside = maskOf(task, table);
  return table.lines.map((_, i) => {
    const value = cellOf(cells, i);
    return value === null || !inside(i) ? null : read(value, i);
  });
}

function readBinaryLabels(table: RawTable, task: TaskSpec): { labels: (number | null)[]; stats: TaskLabelStats } {
  const column = task.label.column;
  const positives = task.label.positive ? new Set(task.label.positive.map(cellText)) : undefined;
  const seen = new Map<string, number>();
  let firstLabelled = -1;
  let ones = 0;
  let zeros = 0;
  const cells = columnCellsOf(table, column);
  const labels = mapLabelCells(table, task, cells, (value, i) => {
    // "NaN" under label.positive would otherwise be a silent negative.
    if (numberCellKind(value) === 'non-finite') throw untrainableLabel(table, task, i, value);
    const text = cellText(value);
    let label: number;
    if (positives) {
      label = positives.has(text) ? 1 : 0;
    } else {
      const word = text.trim().toLowerCase();
      if (yesWords.has(word)) label = 1;
      else if (noWords.has(word)) label = 0;
      else {
        const where = `${table.source}:${table.lines[i] ?? i + 2}`;
        const issue = `task "${task.name}": label column "${column}" holds "${text}", which is not yes/no, true/false or 1/0; list the values that mean 1 in the task's label.positive`;
        throw new BadInputError(`${where}: ${issue}`, { value, details: [{ path: `${where}:${column}`, issue }] });
      }
    }
    if (firstLabelled < 0) firstLabelled = i;
    seen.set(text, (seen.get(text) ?? 0) + 1);
    if (label === 1) ones++;
    else zeros++;
    return label;
  });
  if (ones === 0 || zeros === 0) {
    const missing = ones === 0 ? 'positive' : 'negative';
    const values = [...seen.keys()].slice(0, 10).map((v) => `"${v}"`).join(', ');
    const rule = positives ? `label.positive ${JSON.stringify(task.label.positive)}` : 'the default yes/true/1 words';
    const example = firstLabelled >= 0 ? ` (e.g. ${table.source}:${table.lines[firstLabelled] ?? firstLabelled + 2} has "${cellText(cellOf(cells, firstLabelled))}")` : '';
    const issue = `task "${task.name}": label column "${column}" has no ${missing} rows among ${ones + zeros} labelled under ${rule}; values seen: ${values || 'none'}${example}`;
    throw new BadInputError(`${table.source}: ${issue}`, { value: [...seen.keys()], details: [{ path: `${table.source}:${column}`, issue }] });
  }
  return { labels, stats: { labelled: ones + zeros, positives: ones } };
}

function readMulticlassLabels(table: RawTable, task: TaskSpec): { labels: (number | null)[]; stats: TaskLabelStats } {
  const column = task.label.column;
  const classes = (task.label.classes ?? []).map((value) => cellText(value).trim());
  const indexOf = new Map<string, number>();
  classes.forEach((name, index) => {
    if (!indexOf.has(name)) indexOf.set(name, index);
  });
  const counts = classes.map(() => 0);
  const labels = mapLabelCells(table, task, columnCellsOf(table, column), (value, i) => {
    const text = cellText(value);
    const index = indexOf.get(text.trim());
    if (index === undefined) {
      const where = `${table.source}:${table.lines[i] ?? i + 2}`;
      const issue = `task "${task.name}": label column "${column}" holds "${text}", which is not one of its label.classes ${JSON.stringify(classes)}; add it to the classes or fix the value`;
      throw new BadInputError(`${where}: ${issue}`, { value, details: [{ path: `${where}:${column}`, issue }] });
    }
    counts[index] = (counts[index] ?? 0) + 1;
    return index;
  });
  const labelled = counts.reduce((sum, count) => sum + count, 0);
  const seen = counts.filter((count) => count > 0).length;
  if (seen < 2) {
    const issue = `task "${task.name}": label column "${column}" has ${labelled === 0 ? 'no labelled rows' : `only one class ("${classes[counts.findIndex((count) => count > 0)] ?? ''}") among ${labelled} labelled rows`}; a multiclass task needs at least two of its classes ${JSON.stringify(classes)}`;
    throw new BadInputError(`${table.source}: ${issue}`, { value: column, details: [{ path: `${table.source}:${column}`, issue }] });
  }
  return { labels, stats: { labelled, classes: Object.fromEntries(classes.map((name, index) => [name, counts[index] ?? 0])) } };
}

function readRegressionLabels(table: RawTable, task: TaskSpec, maxNonNumericShare: number): { labels: (number | null)[]; stats: TaskLabelStats } {
  const column = task.label.column;
  let present = 0;
  let bad = 0;
  let firstBad = -1;
  const cells = columnCellsOf(table, column);
  const labels = mapLabelCells(table, task, cells, (value, i) => {
    present++;
    if (untrainableNumberIssue(value) !== undefined) throw untrainableLabel(table, task, i, value);
    const number = parseNumber(value);
    if (number === null) {
      bad++;
      if (firstBad < 0) firstBad = i;
    }
    return number;
  });
  if (present > 0 && bad / present > maxNonNumericShare) {
    const where = `${table.source}:${table.lines[firstBad] ?? firstBad + 2}`;
    const example = cellText(cellOf(cells, firstBad));
    const issue = `task "${task.name}": regression label column "${column}" has ${bad} non-numeric values of ${present} (${pct(bad / present)}, tolerated ${pct(maxNonNumericShare)}), e.g. "${example}"`;
    throw new BadInputError(`${where}: ${issue}`, { value: example, details: [{ path: `${where}:${column}`, issue }] });
  }
  const labelled = labels.filter((label) => label !== null).length;
  if (labelled === 0) {
    const issue = `task "${task.name}": regression label column "${column}" has no numeric values`;
    throw new BadInputError(`${table.source}: ${issue}`, { value: column, details: [{ path: `${table.source}:${column}`, issue }] });
  }
  const outlier = findAbsurdOutlier(labels);
  if (outlier !== undefined) {
    const where = `${table.source}:${table.lines[outlier.row] ?? outlier.row + 2}`;
    const issue = `task "${task.name}": regression label column "${column}" holds ${cellText(cellOf(cells, outlier.row))}, ${outlier.spreads.toExponential(1)} times the labels' typical spread from their median (${outlier.median}); a value this far out is a unit or parsing error, not a customer: fix the cell or leave it empty`;
    throw new BadInputError(`${where}:${column}: ${issue}`, { value: labels[outlier.row], details: [{ path: `${where}:${column}`, issue }] });
  }
  return { labels, stats: { labelled } };
}

/**
 * How many robust spreads (1.4826 · median absolute deviation) from the median a regression label may lie. Real
 * heavy tails (a 1e9 order among 100-unit baskets: ~1e7 spreads) pass; a 1e32 typed into monthly charges (~1e30
 * spreads), which would train a model whose RMSE is 1e30, does not.
 */
const maxLabelSpreads = 1e12;

/** The first label lying more than {@link maxLabelSpreads} robust spreads from the median; none when the MAD is 0. */
function findAbsurdOutlier(labels: readonly (number | null)[]): { row: number; spreads: number; median: number } | undefined {
  const values = Float64Array.from(labels.filter((label): label is number => label !== null));
  const median = medianOf(values);
  const spread = 1.4826 * medianOf(values.map((value) => Math.abs(value - median)));
  if (!(spread > 0)) return undefined;
  const row = labels.findIndex((label) => label !== null && Math.abs(label - median) / spread > maxLabelSpreads);
  return row < 0 ? undefined : { row, spreads: Math.abs((labels[row] as number) - median) / spread, median };
}

/** The error for a label cell whose number training cannot use, as file:line:column. */
function untrainableLabel(table: RawTable, task: TaskSpec, row: number, value: RawValue): BadInputError {
  const where = `${table.source}:${table.lines[row] ?? row + 2}`;
  const issue = `task "${task.name}": label column "${task.label.column}" holds ${untrainableNumberIssue(value) ?? 'a number training cannot use'}`;
  return new BadInputError(`${where}:${task.label.column}: ${issue}`, { value, details: [{ path: `${where}:${task.label.column}`, issue }] });
}

/**
 * A numeric feature column (most present cells are numbers, counting `NaN` and `Infinity`) may hold no number training
 * cannot use. Text columns are left alone (a category may be called "NaN"), as are columns computed into a
 * Float64Array (events mode), where a value that is not finite already means missing.
 * @throws BadInputError naming the first such cell as file:line:column and how many the column has.
 */
function checkFeatureNumbers(table: RawTable, column: string, cells: TableColumn): void {
  if (cells instanceof Float64Array) return;
  let present = 0;
  let numbers = 0;
  let bad = 0;
  let firstBad = -1;
  for (let i = 0; i < cells.length; i++) {
    const value = cells[i] ?? null;
    if (value === null) continue;
    present++;
    const kind = numberCellKind(value);
    if (kind === 'other') continue;
    numbers++;
    if (kind === 'finite') continue;
    bad++;
    if (firstBad < 0) firstBad = i;
  }
  if (firstBad < 0 || numbers * 2 <= present) return;
  const value = cells[firstBad] ?? null;
  const where = `${table.source}:${table.lines[firstBad] ?? firstBad + 2}:${column}`;
  const more = bad > 1 ? ` (${bad - 1} more cell${bad > 2 ? 's' : ''} of the column like it)` : '';
  const issue = `numeric column "${column}" holds ${untrainableNumberIssue(value) ?? 'a number training cannot use'}${more}`;
  throw new BadInputError(`${where}: ${issue}`, { value, details: [{ path: where, issue }] });
}

/** A finite number from a number cell or numeric text; null for anything else (booleans, words, NaN). */
function parseNumber(value: RawValue): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const number = Number(value.trim());
  return Number.isFinite(number) ? number : null;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`;
}
