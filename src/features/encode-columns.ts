import type { RawValue } from '../data/labelled-row.ts';
import { isMissing, parseBooleanWord, parseNumber } from './column-kind.ts';
import { writePle } from './piecewise-linear-encoding.ts';
import { inputWidth, joinPartInputs, writeLeafInputs, type BooleanColumn, type CategoricalColumn, type NumericColumn, type Preprocessor } from './preprocessor.ts';
import { quantileEncode } from './quantile-encoding.ts';

/** A table's cells by column: per column name its values, row by row (a column absent from the map is missing everywhere). */
export type ColumnCells = ReadonlyMap<string, readonly RawValue[]>;

/** The first cell of a row that `validateRows` would refuse, and why (its issue text). */
export interface CellIssue {
  readonly row: number;
  readonly column: string;
  readonly issue: string;
}

/** What {@link encodeColumns} gives. */
export interface EncodedColumns {
  /** Row-major `[rows, inputWidth]`, as `transformRows` encodes the same rows (a refused cell encoded as missing). */
  readonly x: Float32Array;
  /** Per row with a refused cell, its first one (columns in preprocessor order), rows ascending. */
  readonly issues: readonly CellIssue[];
}

/** Distinct values remembered per column (yes/no and categorical cells repeat): bounded whatever the input. */
const maxCachedValues = 4096;

/**
 * A preprocessor applied column by column, for batch scoring without an object per row: `encode` gives the matrix
 * `transformRows` gives and the issues `validateRows` finds (the first per row) for the same cells. The encoder
 * remembers the encoding of repeated yes/no and categorical values across calls (at most 4096 per column), so
 * make one per scoring run.
 */
export interface ColumnEncoder {
  encode(cells: ColumnCells, rows: number): EncodedColumns;
}

/** Makes a {@link ColumnEncoder} for `preprocessor`. */
export function createColumnEncoder(preprocessor: Preprocessor): ColumnEncoder {
  if (preprocessor.parts !== undefined) return joinedEncoder(preprocessor, preprocessor.parts.map(createColumnEncoder));
  const width = inputWidth(preprocessor);
  const caches = preprocessor.columns.map(() => new Map<RawValue, CellCode>());
  return {
    encode(cells, rows) {
      const x = new Float32Array(rows * width);
      const issueOf = new Map<number, CellIssue>();
      let at = 0;
      preprocessor.columns.forEach((column, c) => {
        const values = cells.get(column.name);
        const refuse = (row: number, issue: string): void => {
          if (!issueOf.has(row)) issueOf.set(row, { row, column: column.name, issue });
        };
        const cache = caches[c] as Map<RawValue, CellCode>;
        switch (column.kind) {
          case 'numeric':
            at = encodeNumeric(column, values, rows, x, width, at, refuse);
            break;
          case 'boolean':
            at = encodeCoded(values, rows, x, width, at, 1, cache, (value) => booleanCode(column, value), refuse);
            break;
          case 'categorical':
            at = encodeCoded(values, rows, x, width, at, column.vocabulary.length + 1, cache, (value) => categoricalCode(column, value), refuse);
            break;
        }
      });
      writeLeafInputs(preprocessor, x);
      return { x, issues: [...issueOf.values()].sort((a, b) => a.row - b.row) };
    },
  };
}

/** A joined preprocessor's encoder: each part encodes the cells; the parts read the same columns, so they refuse the same cells. */
function joinedEncoder(preprocessor: Preprocessor, parts: readonly ColumnEncoder[]): ColumnEncoder {
  return {
    encode(cells, rows) {
      const encoded = parts.map((part) => part.encode(cells, rows));
      return { x: joinPartInputs(encoded.map((part) => part.x), preprocessor, rows), issues: (encoded[0] as EncodedColumns).issues };
    },
  };
}

/** A yes/no or categorical cell's encoding: the value written (yes/no) or the one-hot position (categorical), or an issue. */
interface CellCode {
  readonly value: number;
  readonly issue?: string;
}

/** Why `validateRows` refuses an object cell. */
const objectIssue = 'must be a scalar, not an object or array';

/** A numeric column's inputs for every row: as `transformRows` writes them, with `validateRows`'s check. */
function encodeNumeric(column: NumericColumn, values: readonly RawValue[] | undefined, rows: number, x: Float32Array, width: number, at: number, refuse: (row: number, issue: string) => void): number {
  const { encoding, median, mean, std, log1p, missingIndicator } = column;
  const span = encoding?.kind === 'ple' ? encoding.edges.length - 1 : 1;
  for (let r = 0; r < rows; r++) {
    const value = values?.[r] ?? null;
    let parsed: number | undefined;
    if (value !== null && typeof value === 'object') refuse(r, objectIssue);
    else if (!isMissing(value)) {
      parsed = parseNumber(value);
      if (parsed === undefined) refuse(r, `must be a number, got ${JSON.stringify(value)}`);
    }
    const raw = parsed === undefined ? median : log1p ? Math.log1p(Math.max(parsed, 0)) : parsed;
    const offset = r * width + at;
    if (encoding === undefined) x[offset] = Math.max(-10, Math.min(10, (raw - mean) / std));
    else if (encoding.kind === 'quantile') x[offset] = quantileEncode(encoding.quantiles, raw);
    else writePle(encoding.edges, raw, x, offset);
    if (missingIndicator) x[offset + span] = parsed === undefined ? 1 : 0;
  }
  return at + span + (missingIndicator ? 1 : 0);
}

/**
 * A yes/no (`span` 1: the code is the value) or categorical (`span` inputs: the code is the one-hot position) column,
 * each distinct value coded once.
 */
function encodeCoded(
  values: readonly RawValue[] | undefined,
  rows: number,
  x: Float32Array,
  width: number,
  at: number,
  span: number,
  cache: Map<RawValue, CellCode>,
  codeOf: (value: RawValue) => CellCode,
  refuse: (row: number, issue: string) => void,
): number {
  for (let r = 0; r < rows; r++) {
    const value = values?.[r] ?? null;
    let code = cache.get(value);
    if (code === undefined) {
      code = value !== null && typeof value === 'object' ? { ...codeOf(null), issue: objectIssue } : codeOf(value);
      if (cache.size < maxCachedValues) cache.set(value, code);
    }
    if (code.issue !== undefined) refuse(r, code.issue);
    if (span === 1) x[r * width + at] = code.value;
    else x[r * width + at + code.value] = 1;
  }
  return at + span;
}

function booleanCode(column: BooleanColumn, value: RawValue): CellCode {
  const word = parseBooleanWord(value);
  const number = parseNumber(value);
  const encoded = word !== undefined ? Number(word) : number === 0 || number === 1 ? number : column.trueShare;
  const refused = !isMissing(value) && word === undefined && number !== 0 && number !== 1;
  return refused ? { value: encoded, issue: `must be yes/no, true/false or 1/0, got ${JSON.stringify(value)}` } : { value: encoded };
}

function categoricalCode(column: CategoricalColumn, value: RawValue): CellCode {
  const index = isMissing(value) ? -1 : column.vocabulary.indexOf(String(value).trim());
  return { value: index === -1 ? column.vocabulary.length : index };
}

/** The cells of row objects by column (`names`), for a table read as rows. */
export function cellsOfRows(rows: readonly Readonly<Record<string, RawValue>>[], names: readonly string[]): ColumnCells {
  return new Map(names.map((name) => [name, rows.map((row) => row[name] ?? null)]));
}
