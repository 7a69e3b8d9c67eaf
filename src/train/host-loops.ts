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
