import type { RawValue } from './labelled-row.ts';

/** The largest float32: the network trains in float32, so a value beyond ±this is ±Infinity there. */
export const float32Max = 3.4028234663852886e38;

/** Words that spell a non-finite number (`NaN`, `Infinity`, Python's `inf`, `-inf`, `nan`), compared case-insensitively. */
const nonFiniteWord = /^[+-]?(nan|inf|infinity)$/i;

/**
 * How a cell reads as a number that training can use:
 * - `finite`: a finite number (or numeric text) within ±{@link float32Max};
 * - `non-finite`: `NaN`, `Infinity`, `inf` (any case, signed), a numeric literal that overflows a double (`1e400`),
 *   or a JSON number that did (JSON.parse makes `1e400` Infinity);
 * - `beyond-float32`: finite as a double but beyond ±{@link float32Max} (`1e39`);
 * - `other`: missing, words, booleans: not a number at all.
 */
export type NumberCellKind = 'finite' | 'non-finite' | 'beyond-float32' | 'other';

/** Classifies one cell (see {@link NumberCellKind}). */
export function numberCellKind(value: RawValue): NumberCellKind {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return 'other';
    number = Number(text);
    if (Number.isNaN(number)) return nonFiniteWord.test(text) ? 'non-finite' : 'other';
  } else return 'other';
  if (!Number.isFinite(number)) return 'non-finite';
  return Math.abs(number) > float32Max ? 'beyond-float32' : 'finite';
}

/**
 * Why a cell of kind `non-finite` or `beyond-float32` cannot be trained on, for an error message that reads
 * `… holds <issue>` (`"Infinity", which is not a finite number …`); undefined for the other kinds.
 */
export function untrainableNumberIssue(value: RawValue): string | undefined {
  const kind = numberCellKind(value);
  const shown = typeof value === 'string' ? JSON.stringify(value.trim()) : String(value);
  if (kind === 'non-finite') return `${shown}, which is not a finite number (leave the cell empty for a missing value)`;
  if (kind === 'beyond-float32') return `${shown}, which is beyond ±3.4e38, the largest number the network (float32) can hold`;
  return undefined;
}
