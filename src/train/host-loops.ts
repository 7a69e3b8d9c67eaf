/**
 * The JavaScript element loops of the fused training operations (fused-layer-ops.ts) that have no SIMD kernel
 * (simd-kernels.ts): softmax gates, linear layers, a dropout on its own, and transposes. Top-level functions of plain
 * typed arrays keep each loop monomorphic (written inline in the operations' closures, V8 kept deoptimising them).
 * A Float32Array store rounds to float32; `f` is Math.fround.
 */
const f = Math.fround;

/** Linear dense backward: `dz = g`, and the bias gradient summed over rows in order. */
export function linearBackward(g: Float32Array, dz: Float32Array, db: Float32Array | Float64Array, units: number): void {
  const size = dz.length;
  for (let i = 0, o = 0; o < size; o += units) {
    for (let j = 0; j < units; j++, i++) {
      const value = g[i] as number;
      dz[i] = value;
      db[j] = (db[j] as number) + value;
    }
  }
}

/** Softmax dense forward: per row, z = f(p + b) and out = exp(z − max) / Σ exp(z − max) (in float64, stored float32). */
export function biasSoftmax(p: Float32Array, b: Float32Array, out: Float32Array, units: number): void {
  const size = out.length;
  for (let o = 0; o < size; o += units) {
    let max = -Infinity;
    for (let j = 0; j < units; j++) {
      const z = f((p[o + j] as number) + (b[j] as number));
      out[o + j] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let j = 0; j < units; j++) sum += Math.exp((out[o + j] as number) - max);
    for (let j = 0; j < units; j++) out[o + j] = Math.exp((out[o + j] as number) - max) / sum;
  }
}

/**
 * Softmax dense backward as tfjs' Softmax gradient rounds it: `dz = f(f(g·y) − f(S·y))` with S = Σ f(g·y) over the row
 * (in float32 when `float32Sum`, else float64, as the backends' Sum kernels), and the bias gradient summed over rows.
 */
export function softmaxBackward(g: Float32Array, y: Float32Array, dz: Float32Array, db: Float32Array | Float64Array, units: number, float32Sum: boolean): void {
  const size = dz.length;
  for (let o = 0; o < size; o += units) {
    let sum = 0;
    if (float32Sum) for (let j = 0; j < units; j++) sum = f(sum + f((g[o + j] as number) * (y[o + j] as number)));
    else for (let j = 0; j < units; j++) sum += f((g[o + j] as number) * (y[o + j] as number));
    sum = f(sum);
    for (let j = 0; j < units; j++) {
      const yj = y[o + j] as number;
      const value = f(f((g[o + j] as number) * yj) - f(sum * yj));
      dz[o + j] = value;
      db[j] = (db[j] as number) + value;
    }
  }
}

/** Inverted dropout forward: `out = x · keep · reciprocal`. */
export function dropoutForward(x: Float32Array, keep: Uint8Array, reciprocal: number, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = (x[i] as number) * ((keep[i] as number) * reciprocal);
}

/** Inverted dropout backward: `dx = f(g · reciprocal) · keep`. */
export function dropoutBackward(g: Float32Array, keep: Uint8Array, reciprocal: number, dx: Float32Array): void {
  for (let i = 0; i < dx.length; i++) dx[i] = f((g[i] as number) * reciprocal) * (keep[i] as number);
}

/** `dst` (`[cols, rows]`) = `src` (`[rows, cols]`) transposed, in 16 × 16 tiles so that reads and writes stay in cache. */
export function transposeInto(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  const tile = 16;
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const r1 = Math.min(r0 + tile, rows);
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const c1 = Math.min(c0 + tile, cols);
      for (let r = r0; r < r1; r++) {
        const from = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[from + c] as number;
      }
    }
  }
}

/**
 * Layer normalisation of each row (over `units`), then γ·n + β, relu (when `relu`), and a 0/1 keep mask divided by
 * `keepProbability` (when `keep`): the forward pass of RowLayerNormalization → relu → dropout. Computed in float64 and
 * stored in float32 (the unfused kernels round every step to float32: the values agree to float32 rounding);
 * `normalised` and `scales` (n and 1/√(σ² + ε) per row) are kept for {@link layerNormBackward}.
 */
export function layerNormForward(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
  relu: boolean,
  keep: Uint8Array | undefined,
  keepProbability: number,
  out: Float32Array,
  normalised: Float32Array,
  scales: Float32Array,
  units: number,
): void {
  const rows = out.length / units;
  const inverseKeep = 1 / keepProbability;
  for (let r = 0, o = 0; r < rows; r++, o += units) {
    let sum = 0;
    for (let j = 0; j < units; j++) sum += x[o + j] as number;
    const mean = sum / units;
    let squares = 0;
    for (let j = 0; j < units; j++) {
      const c = (x[o + j] as number) - mean;
      squares += c * c;
    }
    const scale = 1 / Math.sqrt(squares / units + epsilon);
    scales[r] = scale;
    for (let j = 0; j < units; j++) {
      const n = ((x[o + j] as number) - mean) * scale;
      normalised[o + j] = n;
      const z = n * (gamma[j] as number) + (beta[j] as number);
      // Branch-free: random signs and masks would mispredict a branch on about every other unit.
      const y = relu ? (z + Math.abs(z)) * 0.5 : z;
      out[o + j] = keep === undefined ? y : y * (keep[o + j] as number) * inverseKeep;
    }
  }
}

/**
 * The gradients of {@link layerNormForward}: with d = dOut / keepProbability (under a mask) where the output is
 * non-zero (relu and mask passed; every value when `gated` is false), dγ = Σ_rows d·n and dβ = Σ_rows d (float64, in
 * row order), and dx = s · (dn − mean(dn) − n · mean(dn·n)) per row with dn = d·γ, the exact derivative of the row
 * normalisation.
 */
export function layerNormBackward(
  dOut: Float32Array,
  out: Float32Array,
  normalised: Float32Array,
  scales: Float32Array,
  gamma: Float32Array,
  gated: boolean,
  keepProbability: number | undefined,
  dx: Float32Array,
  dGamma: Float64Array,
  dBeta: Float64Array,
  dn: Float64Array,
  units: number,
): void {
  const rows = dx.length / units;
  const inverseKeep = keepProbability === undefined ? 1 : 1 / keepProbability;
  for (let r = 0, o = 0; r < rows; r++, o += units) {
    let sumDn = 0;
    let sumDnN = 0;
    for (let j = 0; j < units; j++) {
      const d = (dOut[o + j] as number) * inverseKeep * (gated ? Number((out[o + j] as number) !== 0) : 1);
      const n = normalised[o + j] as number;
      dGamma[j] = (dGamma[j] as number) + d * n;
      dBeta[j] = (dBeta[j] as number) + d;
      const v = d * (gamma[j] as number);
      dn[j] = v;
      sumDn += v;
      sumDnN += v * n;
    }
    const meanDn = sumDn / units;
    const meanDnN = sumDnN / units;
    const scale = scales[r] as number;
    for (let j = 0; j < units; j++) dx[o + j] = scale * ((dn[j] as number) - meanDn - (normalised[o + j] as number) * meanDnN);
  }
}
