/**
 * The element loops of the fused training operations (fused-layer-ops.ts) and of the host AdamW update, as top-level
 * functions of plain typed arrays and numbers. Written inline in the operations' closures, V8 kept deoptimising them
 * ("insufficient type feedback" in tfjs calls compiled into the same function) and ran them ~4× slower than these
 * (measured on MMoE: 4.5 ms of a 17 ms step). One function per variant keeps each loop monomorphic.
 * Every loop rounds exactly as the closure it replaces did: a Float32Array store rounds to float32, `f` is Math.fround.
 */
const f = Math.fround;

/** Relu dense forward without dropout: `out = relu(f(p + b))` row by row, relu as (z + |z|)/2 (branch-free). */
export function biasRelu(p: Float32Array, b: Float32Array, out: Float32Array, units: number): void {
  const size = out.length;
  for (let i = 0, o = 0; o < size; o += units) {
    for (let j = 0; j < units; j++, i++) {
      const z = f((p[i] as number) + (b[j] as number));
      out[i] = (z + Math.abs(z)) * 0.5;
    }
  }
}

/** Relu dense forward with a 0/1 keep mask: `out = (z + |z|) · keep · half`, half = 0.5 / (1 − rate). */
export function biasReluMask(p: Float32Array, b: Float32Array, keep: Uint8Array, half: number, out: Float32Array, units: number): void {
  const size = out.length;
  for (let i = 0, o = 0; o < size; o += units) {
    for (let j = 0; j < units; j++, i++) {
      const z = f((p[i] as number) + (b[j] as number));
      out[i] = (z + Math.abs(z)) * ((keep[i] as number) * half);
    }
  }
}

/**
 * Relu (and mask) dense backward: `dz = f(g · scale) · [out ≠ 0]` (the 0/1 factor keeps the sign of zero the unfused
 * kernels give), and the bias gradient `db += dz` summed over rows in order (in db's precision).
 */
export function reluBackward(g: Float32Array, out: Float32Array, scale: number, dz: Float32Array, db: Float32Array | Float64Array, units: number): void {
  const size = dz.length;
  for (let i = 0, o = 0; o < size; o += units) {
    for (let j = 0; j < units; j++, i++) {
      const value = f((g[i] as number) * scale) * Number((out[i] as number) !== 0);
      dz[i] = value;
      db[j] = (db[j] as number) + value;
    }
  }
}

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

/** The first expert's term of a gated sum: `out[r, u] = values[r, u] · gate[r, e]` (`count` experts per gate row). */
export function gateFirstExpert(values: Float32Array, gate: Float32Array, count: number, e: number, out: Float32Array, units: number): void {
  const rows = out.length / units;
  for (let r = 0, i = 0; r < rows; r++) {
    const weight = gate[r * count + e] as number;
    for (let u = 0; u < units; u++, i++) out[i] = (values[i] as number) * weight;
  }
}

/** A further expert's term: `out[r, u] += f(values[r, u] · gate[r, e])`, each partial sum rounded on store. */
export function gateAddExpert(values: Float32Array, gate: Float32Array, count: number, e: number, out: Float32Array, units: number): void {
  const rows = out.length / units;
  for (let r = 0, i = 0; r < rows; r++) {
    const weight = gate[r * count + e] as number;
    for (let u = 0; u < units; u++, i++) out[i] = (out[i] as number) + f((values[i] as number) * weight);
  }
}

/**
 * An expert's gradient in a gated sum, `dx[r, u] = dy[r, u] · gate[r, e]`, and the gate's, `dGate[r, e] = Σᵤ dy · expert`
 * summed over units in order: in float32 when `float32Sum` (the wasm Sum kernel), else in float64 (cpu's).
 */
export function gateExpertBackward(
  dy: Float32Array,
  gate: Float32Array,
  values: Float32Array,
  count: number,
  e: number,
  dx: Float32Array,
  dGate: Float32Array,
  units: number,
  float32Sum: boolean,
): void {
  const rows = dx.length / units;
  for (let r = 0, i = 0; r < rows; r++) {
    const weight = gate[r * count + e] as number;
    for (let u = 0; u < units; u++, i++) dx[i] = (dy[i] as number) * weight;
  }
  if (float32Sum) {
    for (let r = 0, i = 0; r < rows; r++) {
      let sum = 0;
      for (let u = 0; u < units; u++, i++) sum = f(sum + f((dy[i] as number) * (values[i] as number)));
      dGate[r * count + e] = sum;
    }
  } else {
    for (let r = 0, i = 0; r < rows; r++) {
      let sum = 0;
      for (let u = 0; u < units; u++, i++) sum += f((dy[i] as number) * (values[i] as number));
      dGate[r * count + e] = sum;
    }
  }
}

/** The float32 constants of one AdamW step (see adamw-optimizer.ts). */
export interface AdamStepConstants {
  readonly b1: number;
  readonly b2: number;
  readonly c1: number;
  readonly c2: number;
  readonly correction1: number;
  readonly correction2: number;
  readonly epsilon: number;
  readonly negativeRate: number;
}

/**
 * One variable's AdamW update in place (`theta`, `m`, `v`), rounded as tf.train.adam rounds; `shrink` is the decoupled
 * decay factor and `l2Factor` 2·l2 (both float32; 1 and 0 for a variable that is not decayed). Returns Σθ² of the values
 * before the update when `decaying`, else 0.
 */
export function adamUpdate(theta: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, k: AdamStepConstants, shrink: number, l2Factor: number, decaying: boolean): number {
  const { b1, b2, c1, c2, correction1, correction2, epsilon, negativeRate } = k;
  let squares = 0;
  for (let j = 0; j < theta.length; j++) {
    const thetaJ = theta[j] as number;
    if (decaying) squares += thetaJ * thetaJ;
    const gj = l2Factor === 0 ? (g[j] as number) : f((g[j] as number) + f(l2Factor * thetaJ));
    const mj = (m[j] = f(f((m[j] as number) * b1) + f(gj * c1)));
    const vj = (v[j] = f(f((v[j] as number) * b2) + f(f(gj * gj) * c2)));
    const step = f(f(mj / correction1) / f(f(Math.sqrt(f(vj / correction2))) + epsilon));
    theta[j] = f(f(step * negativeRate) + (shrink === 1 ? thetaJ : f(thetaJ * shrink)));
  }
  return squares;
}
