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

function pearson(x: Float32Array, y: Float32Array): number | null {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as number;
    const b = y[i] as number;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    n++;
    sx += a;
    sy += b;
  }
  if (n < 2) return null;
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as number;
    const b = y[i] as number;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    sxy += (a - mx) * (b - my);
    sxx += (a - mx) ** 2;
    syy += (b - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}
