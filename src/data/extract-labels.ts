import type { CellValue, TableConfig, TaskSpec } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { LabelledRow, RawValue, TaskLabelStats } from './labelled-row.ts';
import { cellOf, columnCellsOf, type RawTable, type TableColumn } from './read-table.ts';

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
 * @throws BadInputError naming the column (and an example row as file:line with its value) for an unknown column,
 *   an unreadable label, a binary task without positives or negatives, a multiclass value outside `label.classes` or
 *   fewer than two classes labelled, too many non-numeric regression labels, a
 *   missing or duplicate id, or no feature columns left.
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
  return { labels, stats: { labelled } };
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
