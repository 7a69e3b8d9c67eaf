import type { SeededRandom } from '../../random/seeded-random.ts';
import { logSumExp, pickIndex } from './parzen-estimator.ts';

/** A density on the simplex {x ∈ R^d : x ≥ 0, Σx = 1}, the simplex counterpart of a Parzen estimator. */
export interface SimplexKernelDensity {
  /** One point of the simplex: from the flat Dirichlet prior, or near one of the points. */
  sample(random: SeededRandom): number[];
  /** Log density at a point of the simplex (with respect to the simplex's own (d−1)-dimensional volume). */
  logDensity(x: readonly number[]): number;
}

/**
 * Gaussian kernels (isotropic within the simplex's plane) on the given points, mixed with the flat Dirichlet
 * (weight `priorWeight` against 1 per point), so an empty or tiny set still has a proper density. The bandwidth
 * shrinks with the number of points, Scott-like: 0.3 · n^(−1/(d+3)).
 */
export function fitSimplexKernelDensity(points: readonly (readonly number[])[], dimension: number, priorWeight = 1): SimplexKernelDensity {
  const n = points.length;
  const free = dimension - 1;
  const bandwidth = 0.3 * Math.max(n, 1) ** (-1 / (dimension + 3));
  // Flat Dirichlet density: 1 / volume of the simplex, which is √d / (d−1)! in its own plane.
  const logUniform = logFactorial(free) - 0.5 * Math.log(dimension);
  const logKernelNorm = -0.5 * free * Math.log(2 * Math.PI * bandwidth * bandwidth);
  const logTotal = Math.log(n + priorWeight);
  const weights = [...points.map(() => 1), priorWeight];

  return {
    sample(random) {
      const k = pickIndex(weights, random);
      const centre = points[k];
      if (centre === undefined) return drawFlatDirichlet(dimension, random);
      // A kernel draw: Gaussian noise in the plane Σx = 1; redrawn when it leaves the simplex (a truncated kernel).
      for (let attempt = 0; attempt < 16; attempt++) {
        const noise = centre.map(() => bandwidth * random.normal());
        const mean = noise.reduce((sum, e) => sum + e, 0) / dimension;
        const x = centre.map((c, i) => c + (noise[i] as number) - mean);
        if (x.every((xi) => xi >= 0)) return x;
      }
      return [...centre];
    },
    logDensity(x) {
      if (free === 0) return 0;
      const terms = points.map((p) => logKernelNorm - squaredDistance(x, p) / (2 * bandwidth * bandwidth));
      terms.push(Math.log(priorWeight) + logUniform);
      return logSumExp(terms) - logTotal;
    },
  };
}

/** A point uniform on the simplex of dimension d (flat Dirichlet): normalised unit exponentials. */
export function drawFlatDirichlet(dimension: number, random: SeededRandom): number[] {
  const draws = Array.from({ length: dimension }, () => -Math.log(1 - random.next()));
  const total = draws.reduce((sum, x) => sum + x, 0);
  return total > 0 ? draws.map((x) => x / total) : draws.map(() => 1 / dimension);
}

function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i] as number) - (b[i] as number)) ** 2;
  return sum;
}

function logFactorial(k: number): number {
  let sum = 0;
  for (let i = 2; i <= k; i++) sum += Math.log(i);
  return sum;
}
