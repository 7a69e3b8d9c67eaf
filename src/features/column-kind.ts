import type { RawValue } from '../data/labelled-row.ts';

/** How a feature column is encoded: see `fitPreprocessor`. */
export type ColumnKind = 'numeric' | 'boolean' | 'categorical';

const trueWords = new Set(['yes', 'true', 'y', 't']);
const falseWords = new Set(['no', 'false', 'n', 'f']);

/** True/false for yes/no-like words and booleans, undefined for anything else (numbers are numeric, not boolean). */
export function parseBooleanWord(value: RawValue): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  if (trueWords.has(word)) return true;
  if (falseWords.has(word)) return false;
  return undefined;
}

/** A finite number from a number or numeric text (`" 1.5 "`, `"1e3"`), else undefined. Booleans are not numbers. */
export function parseNumber(value: RawValue): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  const parsed = Number(text);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** Empty cells: null, undefined, blank text. */
export function isMissing(value: RawValue | undefined): value is null | undefined {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}
