import { computePearson } from '../metrics/pearson-correlation.ts';

/** The key of a pair of tasks in diagnostics: `"a|b"` in task order. */
export function taskPairKey(a: string, b: string): string {
  return `${a}|${b}`;
}

/**
 * Cosine similarity of every pair of task gradients (flattened, same length): `{"a|b": cos}` in task order. A pair
 * where either gradient is zero gets 0. Negative values mean the tasks pull the shared parameters apart.
 */
export function computeGradientCosines(names: readonly string[], gradients: readonly Float32Array[]): Record<string, number> {
  const norms = gradients.map((g) => Math.sqrt(dot(g, g)));
  const pairs: Record<string, number> = {};
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      const denominator = (norms[a] as number) * (norms[b] as number);
      pairs[taskPairKey(names[a] as string, names[b] as string)] = denominator > 0 ? dot(gradients[a] as Float32Array, gradients[b] as Float32Array) / denominator : 0;
    }
  }
  return pairs;
}

/**
 * Pearson correlation of every pair of task labels over the rows labelled for both (`NaN` = unlabelled): `{"a|b": r}`.
 * A pair with fewer than 2 such rows, or a constant label among them, gets no entry.
 */
export function computeLabelCorrelations(names: readonly string[], labels: Readonly<Record<string, Float32Array>>): Record<string, number> {
  const pairs: Record<string, number> = {};
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      const r = pearson(labels[names[a] as string] as Float32Array, labels[names[b] as string] as Float32Array);
      if (r !== null) pairs[taskPairKey(names[a] as string, names[b] as string)] = r;
    }
  }
  return pairs;
}

/** Pearson's r over the rows where both labels are present (`NaN` = unlabelled). */
function pearson(x: Float32Array, y: Float32Array): number | null {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i] as number) || Number.isNaN(y[i] as number)) continue;
    xs.push(x[i] as number);
    ys.push(y[i] as number);
  }
  return computePearson(xs, ys);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}
