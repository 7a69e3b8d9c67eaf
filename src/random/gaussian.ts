/** log N(x; 0, I) up to its constant (−d/2 · log 2π), which cancels wherever densities are compared. */
export function standardLogDensity(x: ArrayLike<number>): number {
  let squares = 0;
  for (let i = 0; i < x.length; i++) squares += (x[i] as number) ** 2;
  return -0.5 * squares;
}

/**
 * The lower Cholesky factor L (L·Lᵀ = matrix) of a symmetric d × d matrix given by its lower triangle (row-major);
 * undefined when the matrix is not positive definite.
 */
export function lowerCholesky(matrix: Float64Array, d: number): Float64Array | undefined {
  const chol = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      let sum = matrix[a * d + b] as number;
      for (let k = 0; k < b; k++) sum -= (chol[a * d + k] as number) * (chol[b * d + k] as number);
      if (a === b) {
        if (!(sum > 0)) return undefined;
        chol[a * d + a] = Math.sqrt(sum);
      } else {
        chol[a * d + b] = sum / (chol[b * d + b] as number);
      }
    }
  }
  return chol;
}

/** The d × d identity, row-major. */
export function identityMatrix(d: number): Float64Array {
  const m = new Float64Array(d * d);
  for (let a = 0; a < d; a++) m[a * d + a] = 1;
  return m;
}
