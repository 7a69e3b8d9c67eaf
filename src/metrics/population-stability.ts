/** Share given to an empty bin so that its log ratio stays finite (the usual ε of PSI). */
export const psiEpsilon = 1e-4;

/** PSI above which a population counts as shifted (the usual rule of thumb: < 0.1 stable, 0.1–0.2 moderate, > 0.2 shifted). */
export const psiWarningThreshold = 0.2;

/**
 * Population stability index of `actual` against `expected`, both counts over the same bins:
 * Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ) over the bins' shares, each share at least `epsilon` (so an empty bin adds a large but
 * finite term, and a bin empty on both sides adds 0). Null when either side has no rows. O(bins).
 */
export function computePsi(expected: readonly number[], actual: readonly number[], epsilon = psiEpsilon): number | null {
  if (expected.length !== actual.length) throw new RangeError(`PSI: ${expected.length} expected bins but ${actual.length} actual bins`);
  const expectedTotal = expected.reduce((sum, count) => sum + count, 0);
  const actualTotal = actual.reduce((sum, count) => sum + count, 0);
  if (expectedTotal === 0 || actualTotal === 0) return null;
  let psi = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max((expected[i] as number) / expectedTotal, epsilon);
    const a = Math.max((actual[i] as number) / actualTotal, epsilon);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}
