import type { FeaturesConfig } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { InputIssue } from '../errors/bad-input-error.ts';
import type { RawRow, RawValue } from '../data/labelled-row.ts';
import { medianOf } from '../metrics/decile.ts';
import { isMissing, parseBooleanWord, parseNumber, type ColumnKind } from './column-kind.ts';
import { fitPleEdges, writePle } from './piecewise-linear-encoding.ts';
import { fitQuantiles, quantileEncode } from './quantile-encoding.ts';
import { leafInputWidth, treeEncodingWidth, writeTreeLeaves, type TreeInput, type TreeLeafEncoding } from './tree-leaf-encoding.ts';

/**
 * A numeric column: median imputation, then its `encoding`, or (without one) optional log1p for skewed non-negative
 * data and standard scaling. With an encoding, `log1p` is false and `median` is in the column's own units.
 */
export interface NumericColumn {
  readonly name: string;
  readonly kind: 'numeric';
  readonly log1p: boolean;
  readonly median: number;
  readonly mean: number;
  readonly std: number;
  /** Whether a 0/1 "was missing" input follows the encoded value(s) (only when training had missing cells). */
  readonly missingIndicator: boolean;
  /** Absent: standard scaling (every column of a version-1 file, and `standard` ones). */
  readonly encoding?: NumericColumnEncoding;
}

/**
 * A fitted non-standard numeric encoding. `quantile`: one rank-Gaussian input from the training quantiles (see
 * quantile-encoding.ts). `ple`: `edges.length − 1` piecewise-linear inputs over quantile bins (see
 * piecewise-linear-encoding.ts).
 */
export type NumericColumnEncoding = { readonly kind: 'quantile'; readonly quantiles: readonly number[] } | { readonly kind: 'ple'; readonly edges: readonly number[] };

/** A yes/no column: 1/0, missing imputed with the training share of yes. */
export interface BooleanColumn {
  readonly name: string;
  readonly kind: 'boolean';
  readonly trueShare: number;
}

/** A categorical column: one-hot over the vocabulary plus one out-of-vocabulary bucket (rare, unseen, missing). */
export interface CategoricalColumn {
  readonly name: string;
  readonly kind: 'categorical';
  readonly vocabulary: readonly string[];
}

export type PreprocessedColumn = NumericColumn | BooleanColumn | CategoricalColumn;

/**
 * The fitted preprocessor (saved as `preprocessor.json` with the model). One-hot rather than embedding lookups
 * because the wasm backend cannot take the gradient of a gather (a learned embedding is a linear layer over the
 * one-hot block instead: see `categoricalBlocks`). Version 2 added the optional numeric `encoding`; a version-1 file
 * has none and transforms exactly as before. Version 3 added `treeLeaves`; version 4 `parts`.
 */
export interface Preprocessor {
  readonly version: 1 | 2 | 3 | 4;
  readonly columns: readonly PreprocessedColumn[];
  /**
   * Name of every model input, in order: `tenure`, `tenure__missing`, `Contract=Two year`, `Contract=__other__`,
   * then the tree leaves (`churn__leaf0`, …) when there are any.
   */
  readonly inputNames: readonly string[];
  /** Boosted-tree leaf inputs after the columns' (see tree-leaf-encoding.ts); absent when `features.treeLeaves` is 0. */
  readonly treeLeaves?: TreeLeafEncoding;
  /**
   * An ensemble of models that read different inputs ({@link joinPreprocessors}): each part's inputs in turn, side by
   * side; `columns` are the parts' (they read the same columns, each in its own way). Absent for one model's.
   */
  readonly parts?: readonly Preprocessor[];
}

/** A row to fit on, with its source line for error messages. */
export interface FitRow {
  readonly features: RawRow;
  readonly line: number;
}

/** Where the training rows came from, for error messages (`telco.csv`). */
export interface FitOptions {
  readonly source?: string;
}

const otherBucket = '__other__';

/**
 * Fits a preprocessor on training rows: infers each column's kind, then imputation, scaling and vocabularies.
 * A column whose cells are mostly numbers but more than `maxNonNumericShare` are not is an error naming the column
 * and an example row; columns with no values at all are dropped.
 */
export function fitPreprocessor(
  rows: readonly FitRow[],
  featureColumns: readonly string[],
  config: FeaturesConfig,
  { source = 'data' }: FitOptions = {},
): Preprocessor {
  const columns: PreprocessedColumn[] = [];
  for (const name of featureColumns) {
    const profile = profileColumn(rows, name);
    if (profile.present === 0) continue;
    const kind = inferColumnKind(name, profile, config, source);
    if (kind === 'numeric') columns.push(fitNumeric(name, profile.numbers, rows.length, config));
    else if (kind === 'boolean') columns.push({ name, kind: 'boolean', trueShare: profile.trues / profile.present });
    else columns.push(fitCategorical(name, rows, config));
  }
  return { version: 2, columns, inputNames: columns.flatMap(inputNamesOf) };
}

/** One pass over a column: how many cells are present, yes/no words, numbers (kept), and the first non-number. */
interface ColumnProfile {
  readonly present: number;
  readonly booleans: number;
  readonly trues: number;
  readonly numbers: Float64Array;
  readonly nonNumeric: number;
  readonly firstNonNumeric: FitRow | undefined;
}

function profileColumn(rows: readonly FitRow[], name: string): ColumnProfile {
  const numbers = new Float64Array(rows.length);
  let present = 0;
  let booleans = 0;
  let trues = 0;
  let count = 0;
  let firstNonNumeric: FitRow | undefined;
  for (const row of rows) {
    const value = row.features[name];
    if (isMissing(value)) continue;
    present++;
    const word = parseBooleanWord(value);
    if (word !== undefined) {
      booleans++;
      if (word) trues++;
    }
    const number = parseNumber(value);
    if (number === undefined) firstNonNumeric ??= row;
    else numbers[count++] = number;
  }
  return { present, booleans, trues, numbers: numbers.subarray(0, count), nonNumeric: present - count, firstNonNumeric };
}

function inferColumnKind(name: string, profile: ColumnProfile, config: FeaturesConfig, source: string): ColumnKind {
  if (profile.booleans === profile.present) return 'boolean';
  if (profile.nonNumeric === 0) return 'numeric';
  const share = profile.nonNumeric / profile.present;
  if (share > 0.5) return 'categorical';
  if (share > config.maxNonNumericShare) {
    const example = profile.firstNonNumeric as FitRow;
    throw new BadInputError(
      `column "${name}" is numeric but ${profile.nonNumeric} of ${profile.present} cells (${(share * 100).toFixed(1)}%) are not numbers, ` +
        `more than features.maxNonNumericShare=${config.maxNonNumericShare}; e.g. ${source}:${example.line} has ${JSON.stringify(example.features[name])}`,
      { value: example.features[name], details: [{ path: `${source}:${example.line}:${name}`, issue: 'not a number' }] },
    );
  }
  return 'numeric';
}

function fitNumeric(name: string, values: Float64Array, totalRows: number, config: FeaturesConfig): NumericColumn {
  const encoding = fitEncoding(values, config);
  // Rank-based encodings do not need the log, and they impute in the column's own units.
  const scaled = fitStandard(name, values, totalRows, encoding === undefined);
  return encoding === undefined ? scaled : { ...scaled, encoding };
}

/**
 * The column's non-standard encoding, fitted on its training values; undefined for `standard` and for a column with
 * a single distinct value under `ple` (no bin to spread it over: it keeps the standard scaling, a constant 0).
 */
function fitEncoding(values: Float64Array, config: FeaturesConfig): NumericColumnEncoding | undefined {
  switch (config.numericEncoding) {
    case 'quantile':
      return { kind: 'quantile', quantiles: fitQuantiles(values) };
    case 'ple': {
      const edges = fitPleEdges(values, config.bins);
      return edges.length < 2 ? undefined : { kind: 'ple', edges };
    }
    default:
      return undefined;
  }
}

function fitStandard(name: string, values: Float64Array, totalRows: number, allowLog1p: boolean): NumericColumn {
  const log1p = allowLog1p && values.every((v) => v >= 0) && skewness(values) > 2;
  const transformed = log1p ? values.map(Math.log1p) : Float64Array.from(values);
  const median = medianOf(transformed);
  // Mean and spread over all training rows after imputation, so a scaled imputed cell is exactly the median's.
  const missing = totalRows - values.length;
  let sum = median * missing;
  for (const v of transformed) sum += v;
  const mean = sum / totalRows;
  let squares = (median - mean) ** 2 * missing;
  for (const v of transformed) squares += (v - mean) ** 2;
  return { name, kind: 'numeric', log1p, median, mean, std: Math.sqrt(squares / totalRows) || 1, missingIndicator: missing > 0 };
}

function fitCategorical(name: string, rows: readonly FitRow[], config: FeaturesConfig): CategoricalColumn {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const value = row.features[name];
    if (isMissing(value)) continue;
    const key = String(value).trim();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const vocabulary = [...counts.entries()]
    .filter(([, count]) => count >= config.minCategoryCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, config.maxCategories)
    .map(([value]) => value);
  return { name, kind: 'categorical', vocabulary };
}

function inputNamesOf(column: PreprocessedColumn): string[] {
  switch (column.kind) {
    case 'numeric': {
      const encoded = column.encoding?.kind === 'ple' ? column.encoding.edges.slice(1).map((_, t) => `${column.name}__ple${t}`) : [column.name];
      return column.missingIndicator ? [...encoded, `${column.name}__missing`] : encoded;
    }
    case 'boolean':
      return [column.name];
    case 'categorical':
      return [...column.vocabulary.map((v) => `${column.name}=${v}`), `${column.name}=${otherBucket}`];
  }
}

/** Where a categorical column's one-hot block (its vocabulary, then the out-of-vocabulary bucket) sits among the inputs. */
export interface InputBlock {
  readonly name: string;
  /** Position of its first input. */
  readonly start: number;
  /** Its number of inputs. */
  readonly size: number;
}

/** The one-hot blocks of the categorical columns, in input order: what a learned embedding projects. */
export function categoricalBlocks(preprocessor: Preprocessor): InputBlock[] {
  const blocks: InputBlock[] = [];
  let start = 0;
  for (const column of preprocessor.columns) {
    const size = inputNamesOf(column).length;
    if (column.kind === 'categorical') blocks.push({ name: column.name, start, size });
    start += size;
  }
  return blocks;
}

/** Model input width: the number of floats per row. */
export function inputWidth(preprocessor: Preprocessor): number {
  return preprocessor.inputNames.length;
}

/** The columns' inputs: the width before the tree leaves (what the trees split on). */
export function columnInputWidth(preprocessor: Preprocessor): number {
  return preprocessor.inputNames.length - (preprocessor.treeLeaves === undefined ? 0 : treeEncodingWidth(preprocessor.treeLeaves));
}

/**
 * What boosted trees split on, one per numeric column (the sum of its ple inputs, or its one scaled input), per
 * missing flag, yes/no column and one-hot category: see tree-leaf-encoding.ts.
 */
export function treeInputs(preprocessor: Preprocessor): TreeInput[] {
  const inputs: TreeInput[] = [];
  let start = 0;
  for (const column of preprocessor.columns) {
    const names = inputNamesOf(column);
    if (column.kind === 'numeric') {
      const encoded = names.length - (column.missingIndicator ? 1 : 0);
      inputs.push({ name: column.name, start, size: encoded });
      if (column.missingIndicator) inputs.push({ name: names[encoded] as string, start: start + encoded, size: 1 });
    } else {
      names.forEach((name, i) => inputs.push({ name, start: start + i, size: 1 }));
    }
    start += names.length;
  }
  return inputs;
}

/** A forest's score input: its column among the model inputs, and how the standardised score maps back to the forest's raw score. */
export interface TreeScoreInput {
  readonly task: string;
  readonly column: number;
  readonly mean: number;
  readonly scale: number;
}

/** The forests' score inputs, in input order (they are the last inputs); empty without tree scores. */
export function treeScoreInputs(preprocessor: Preprocessor): TreeScoreInput[] {
  const encoding = preprocessor.treeLeaves;
  if (encoding === undefined) return [];
  const first = columnInputWidth(preprocessor) + leafInputWidth(encoding);
  return encoding.forests.flatMap((forest) => (forest.score === undefined ? [] : [{ task: forest.task, mean: forest.score.mean, scale: forest.score.scale }])).map((score, i) => ({ ...score, column: first + i }));
}

/** `preprocessor` (without leaves) with the fitted tree leaves appended to its inputs. */
export function withTreeLeaves(preprocessor: Preprocessor, treeLeaves: TreeLeafEncoding): Preprocessor {
  const leafNames = leafInputWidth(treeLeaves) === 0 ? [] : treeLeaves.forests.flatMap((forest) => Array.from({ length: forest.leaves }, (_, i) => `${forest.task}__leaf${i}`));
  const scoreNames = treeLeaves.forests.filter((forest) => forest.score !== undefined).map((forest) => `${forest.task}__tree_score`);
  return { version: 3, columns: preprocessor.columns, inputNames: [...preprocessor.inputNames, ...leafNames, ...scoreNames], treeLeaves };
}

/**
 * One preprocessor for an ensemble whose members were fitted with different feature settings (a search's trials
 * differ in `features.numericEncoding`, tree settings and the like): a row's inputs are every part's inputs in turn,
 * and the ensemble's graph hands each member its slice ({@link partInputRanges}). The parts must read the same
 * feature columns with the same kinds, so requests are checked once, against the first part's columns.
 */
export function joinPreprocessors(parts: readonly Preprocessor[]): Preprocessor {
  const first = parts[0];
  if (first === undefined || parts.length < 2) throw new Error(`joining preprocessors needs at least 2 parts, got ${parts.length}`);
  const columnsOf = (preprocessor: Preprocessor): string => JSON.stringify(preprocessor.columns.map((column) => [column.name, column.kind]));
  parts.forEach((part, i) => {
    if (part.parts !== undefined) throw new Error(`part ${i} is itself joined: join its parts instead`);
    if (columnsOf(part) !== columnsOf(first)) throw new Error(`part ${i} reads other feature columns than part 0: ${columnsOf(part)} against ${columnsOf(first)}`);
  });
  return { version: 4, columns: first.columns, inputNames: parts.flatMap((part, i) => part.inputNames.map((name) => `p${i}:${name}`)), parts };
}

/** Where each part's inputs sit among a joined preprocessor's (`[{start, size}]`, in part order); one range for one that is not joined. */
export function partInputRanges(preprocessor: Preprocessor): { start: number; size: number }[] {
  let start = 0;
  return (preprocessor.parts ?? [preprocessor]).map((part) => {
    const range = { start, size: inputWidth(part) };
    start += range.size;
    return range;
  });
}

/** Row-major `[rows, Σ widths]` from each part's `[rows, width]` encoding of the same rows: a joined preprocessor's inputs. */
export function joinPartInputs(encoded: readonly Float32Array[], preprocessor: Preprocessor, rows: number): Float32Array {
  const ranges = partInputRanges(preprocessor);
  const width = inputWidth(preprocessor);
  const out = new Float32Array(rows * width);
  ranges.forEach(({ start, size }, p) => {
    const part = encoded[p] as Float32Array;
    for (let r = 0; r < rows; r++) out.set(part.subarray(r * size, (r + 1) * size), r * width + start);
  });
  return out;
}

/** Writes the tree leaves of rows whose column inputs are already in `x` (`[rows, inputWidth]`); no-op without leaves. */
export function writeLeafInputs(preprocessor: Preprocessor, x: Float32Array): void {
  if (preprocessor.treeLeaves !== undefined) writeTreeLeaves(preprocessor.treeLeaves, x, inputWidth(preprocessor), columnInputWidth(preprocessor));
}

/**
 * Checks request rows against the feature schema: a numeric column must get a number (or numeric text), a yes/no
 * column a boolean or yes/no word, a categorical column a string, number or boolean. Missing or null is fine
 * (imputed). Unknown keys are ignored. Paths read like `customers[3].tenure`.
 */
export function validateRows(preprocessor: Preprocessor, rows: readonly unknown[], pathPrefix = 'customers'): InputIssue[] {
  const issues: InputIssue[] = [];
  rows.forEach((row, index) => {
    const path = `${pathPrefix}[${index}]`;
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      issues.push({ path, issue: 'must be an object of feature columns' });
      return;
    }
    const record = row as Record<string, unknown>;
    for (const column of preprocessor.columns) {
      const value = record[column.name];
      if (value === undefined || value === null) continue;
      if (typeof value === 'object') {
        issues.push({ path: `${path}.${column.name}`, issue: 'must be a scalar, not an object or array' });
        continue;
      }
      const scalar = value as RawValue;
      if (column.kind === 'numeric' && !isMissing(scalar) && parseNumber(scalar) === undefined) {
        issues.push({ path: `${path}.${column.name}`, issue: `must be a number, got ${JSON.stringify(value)}` });
      } else if (column.kind === 'boolean' && !isMissing(scalar) && parseBooleanWord(scalar) === undefined && parseNumber(scalar) !== 0 && parseNumber(scalar) !== 1) {
        issues.push({ path: `${path}.${column.name}`, issue: `must be yes/no, true/false or 1/0, got ${JSON.stringify(value)}` });
      }
    }
  });
  return issues;
}

/**
 * Encodes rows into one row-major matrix `[rows.length, inputWidth]`. Cells that cannot be parsed are treated as
 * missing (callers that must reject them run `validateRows` first).
 */
export function transformRows(preprocessor: Preprocessor, rows: readonly RawRow[]): Float32Array {
  if (preprocessor.parts !== undefined) return joinPartInputs(preprocessor.parts.map((part) => transformRows(part, rows)), preprocessor, rows.length);
  const width = inputWidth(preprocessor);
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, r) => writeRow(preprocessor, row, out, r * width));
  writeLeafInputs(preprocessor, out);
  return out;
}

function writeRow(preprocessor: Preprocessor, row: RawRow, out: Float32Array, offset: number): void {
  let at = offset;
  for (const column of preprocessor.columns) {
    const value = row[column.name] ?? null;
    switch (column.kind) {
      case 'numeric': {
        const parsed = isMissing(value) ? undefined : parseNumber(value);
        const raw = parsed === undefined ? column.median : column.log1p ? Math.log1p(Math.max(parsed, 0)) : parsed;
        const { encoding } = column;
        if (encoding === undefined) {
          // Clipped so one wild value in a request cannot saturate every unit.
          out[at++] = Math.max(-10, Math.min(10, (raw - column.mean) / column.std));
        } else if (encoding.kind === 'quantile') {
          out[at++] = quantileEncode(encoding.quantiles, raw);
        } else {
          writePle(encoding.edges, raw, out, at);
          at += encoding.edges.length - 1;
        }
        if (column.missingIndicator) out[at++] = parsed === undefined ? 1 : 0;
        break;
      }
      case 'boolean': {
        const word = parseBooleanWord(value);
        const number = parseNumber(value);
        out[at++] = word !== undefined ? Number(word) : number === 0 || number === 1 ? number : column.trueShare;
        break;
      }
      case 'categorical': {
        const index = isMissing(value) ? -1 : column.vocabulary.indexOf(String(value).trim());
        out[at + (index === -1 ? column.vocabulary.length : index)] = 1;
        at += column.vocabulary.length + 1;
        break;
      }
    }
  }
}

function skewness(values: Float64Array): number {
  const n = values.length;
  if (n < 3) return 0;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  for (const v of values) {
    const d = v - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= n;
  m3 /= n;
  return m2 === 0 ? 0 : m3 / m2 ** 1.5;
}
