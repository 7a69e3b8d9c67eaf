import { TandemError } from '../errors/tandem-error.ts';

/**
 * Indices of at most `maxPoints` points spread evenly along a curve of `length` points, always keeping the first
 * and the last, ascending. A report needs a few hundred points, not one per distinct score of 100k rows.
 */
export function pickCurveIndices(length: number, maxPoints: number): number[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) {
    throw new TandemError(`curve: maxPoints must be an integer >= 2, got ${maxPoints}`, { value: maxPoints });
  }
  if (length <= maxPoints) return Array.from({ length }, (_, i) => i);
  const indices: number[] = [];
  const step = (length - 1) / (maxPoints - 1);
  for (let k = 0; k < maxPoints; k++) indices.push(Math.round(k * step));
  return indices;
}
