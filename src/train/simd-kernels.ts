import { simdKernelsBase64 } from './simd-kernels-binary.ts';

/**
 * The training step's element kernels in WebAssembly SIMD (simd-kernels.wat): the fused dense layers' relu, mask and
 * bias-gradient passes, the mixture-of-experts gated sum and its gradient, and the AdamW update. JavaScript ran them
 * with a Math.fround per operation, one value at a time; here four float32 lanes per instruction, rounded the same
 * way. The module has its own memory: each call copies its arrays in, runs, and copies the results out (a memcpy per
 * array, small beside the loops). Synchronous, and independent of the tfjs backend in use.
 */
interface SimdExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  biasForward(p: number, b: number, relu: number, keep: number, keepProbability: number, masked: number, out: number, rows: number, units: number): void;
  reluBackward(g: number, out: number, keepProbability: number, masked: number, dz: number, db: number, db64: number, rows: number, units: number): void;
  layerNormForward(
    x: number,
    gamma: number,
    beta: number,
    epsilon: number,
    relu: number,
    keep: number,
    inverseKeep: number,
    masked: number,
    out: number,
    normalised: number,
    scales: number,
    rows: number,
    units: number,
  ): void;
  layerNormBackward(
    dOut: number,
    out: number,
    normalised: number,
    scales: number,
    gamma: number,
    gated: number,
    inverseKeep: number,
    dx: number,
    dGamma: number,
    dBeta: number,
    dn: number,
    rows: number,
    units: number,
  ): void;
  gateMix(gate: number, experts: number, count: number, out: number, rows: number, units: number): void;
  gateBackward(dy: number, gate: number, expert: number, count: number, e: number, dx: number, dGate: number, sum64: number, rows: number, units: number): void;
  adamUpdate(
    theta: number,
    g: number,
    m: number,
    v: number,
    n: number,
    b1: number,
    b2: number,
    c1: number,
    c2: number,
    correction1: number,
    correction2: number,
    epsilon: number,
    negativeRate: number,
    shrink: number,
    l2Factor: number,
    decaying: number,
  ): number;
}

/** The part of the WebAssembly global this file uses (the project's type libraries do not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: unknown };
};

let instance: SimdExports | undefined;

function kernels(): SimdExports {
  instance ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(simdKernelsBase64, 'base64'))).exports as unknown as SimdExports;
  return instance;
}

/** Byte offsets of consecutive 16-byte-aligned regions of the given sizes, the memory grown to hold them all. */
function layout<Sizes extends number[]>(...bytes: Sizes): { [K in keyof Sizes]: number } {
  const { memory } = kernels();
  const offsets: number[] = [];
  let end = 0;
  for (const size of bytes) {
    offsets.push(end);
    end += Math.ceil(size / 16) * 16;
  }
  const missing = end - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / 65536));
  return offsets as { [K in keyof Sizes]: number };
}

const f32 = (at: number, length: number): Float32Array => new Float32Array(kernels().memory.buffer, at, length);

/**
 * Dense forward after the product: `out = f32(p + b)` row by row (`units` per row) as the Dense layer's bias Add,
 * relu'd when `relu`, and with a keep mask, times keep and divided by `keepProbability` (float32), as Relu, Multiply
 * and RealDiv compute it.
 */
export function biasForward(p: Float32Array, b: Float32Array, relu: boolean, keep: Uint8Array | undefined, keepProbability: number, out: Float32Array, units: number): void {
  const size = out.length;
  const [pAt, bAt, keepAt, outAt] = layout(4 * size, 4 * units, keep === undefined ? 0 : size, 4 * size);
  f32(pAt, size).set(p.subarray(0, size));
  f32(bAt, units).set(b.subarray(0, units));
  if (keep !== undefined) new Uint8Array(kernels().memory.buffer, keepAt, size).set(keep.subarray(0, size));
  kernels().biasForward(pAt, bAt, relu ? 1 : 0, keepAt, keepProbability, keep === undefined ? 0 : 1, outAt, size / units, units);
  out.set(f32(outAt, size));
}

/**
 * Relu (and mask) dense backward: `dz = f32(g / keepProbability) · [out ≠ 0]` (g itself without a mask) and the bias
 * gradient `db += dz` over rows in order — in float32 into a Float32Array, in float64 into a Float64Array.
 */
export function reluBackward(g: Float32Array, out: Float32Array, keepProbability: number | undefined, dz: Float32Array, db: Float32Array | Float64Array, units: number): void {
  const size = dz.length;
  const db64 = db instanceof Float64Array;
  const [gAt, outAt, dzAt, dbAt] = layout(4 * size, 4 * size, 4 * size, (db64 ? 8 : 4) * units);
  const { memory } = kernels();
  f32(gAt, size).set(g.subarray(0, size));
  f32(outAt, size).set(out.subarray(0, size));
  const dbView = db64 ? new Float64Array(memory.buffer, dbAt, units) : f32(dbAt, units);
  dbView.set(db);
  kernels().reluBackward(gAt, outAt, keepProbability ?? 1, keepProbability === undefined ? 0 : 1, dzAt, dbAt, db64 ? 1 : 0, size / units, units);
  dz.set(f32(dzAt, size));
  db.set(db64 ? new Float64Array(memory.buffer, dbAt, units) : f32(dbAt, units));
}

/**
 * Layer normalisation of each row (over `units`), then γ·n + β, relu (when `relu`), and a 0/1 keep mask times
 * 1/`keepProbability` (when `keep`): RowLayerNormalization → relu → dropout in float32, the row statistics summed in
 * four lanes (so within float32 rounding of the unfused kernels, not bit for bit). `normalised` and `scales` (n and
 * 1/√(σ² + ε) per row) are what {@link layerNormBackward} reads.
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
  const size = out.length;
  const rows = size / units;
  const [xAt, gammaAt, betaAt, keepAt, outAt, normalisedAt, scalesAt] = layout(4 * size, 4 * units, 4 * units, keep === undefined ? 0 : size, 4 * size, 4 * size, 4 * rows);
  f32(xAt, size).set(x.subarray(0, size));
  f32(gammaAt, units).set(gamma.subarray(0, units));
  f32(betaAt, units).set(beta.subarray(0, units));
  if (keep !== undefined) new Uint8Array(kernels().memory.buffer, keepAt, size).set(keep.subarray(0, size));
  kernels().layerNormForward(xAt, gammaAt, betaAt, epsilon, relu ? 1 : 0, keepAt, 1 / keepProbability, keep === undefined ? 0 : 1, outAt, normalisedAt, scalesAt, rows, units);
  out.set(f32(outAt, size));
  normalised.set(f32(normalisedAt, size));
  scales.set(f32(scalesAt, rows));
}

/**
 * The gradients of {@link layerNormForward}: with d = dOut / keepProbability (under a mask), zero where the output is
 * zero when `gated` (relu or mask), `dGamma += Σ_rows d·n` and `dBeta += Σ_rows d`, and dx = s · (dn − mean(dn) −
 * n · mean(dn·n)) per row with dn = d·γ: the exact derivative of the row normalisation, in float32.
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
  dGamma: Float32Array,
  dBeta: Float32Array,
  units: number,
): void {
  const size = dx.length;
  const rows = size / units;
  const [dOutAt, outAt, normalisedAt, scalesAt, gammaAt, dxAt, dGammaAt, dBetaAt, dnAt] = layout(4 * size, 4 * size, 4 * size, 4 * rows, 4 * units, 4 * size, 4 * units, 4 * units, 4 * units);
  f32(dOutAt, size).set(dOut.subarray(0, size));
  f32(outAt, size).set(out.subarray(0, size));
  f32(normalisedAt, size).set(normalised.subarray(0, size));
  f32(scalesAt, rows).set(scales.subarray(0, rows));
  f32(gammaAt, units).set(gamma.subarray(0, units));
  f32(dGammaAt, units).set(dGamma);
  f32(dBetaAt, units).set(dBeta);
  kernels().layerNormBackward(dOutAt, outAt, normalisedAt, scalesAt, gammaAt, gated ? 1 : 0, keepProbability === undefined ? 1 : 1 / keepProbability, dxAt, dGammaAt, dBetaAt, dnAt, rows, units);
  dx.set(f32(dxAt, size));
  dGamma.set(f32(dGammaAt, units));
  dBeta.set(f32(dBetaAt, units));
}

/** A mixture's gated sum, `out[r, u] = Σₑ f32(experts[e][r, u] · gate[r, e])`, summed over experts in order. */
export function gateMix(gate: Float32Array, experts: readonly Float32Array[], out: Float32Array, units: number): void {
  const size = out.length;
  const count = experts.length;
  const rows = size / units;
  const [gateAt, expertsAt, outAt] = layout(4 * rows * count, 4 * size * count, 4 * size);
  f32(gateAt, rows * count).set(gate.subarray(0, rows * count));
  experts.forEach((values, e) => f32(expertsAt + 4 * size * e, size).set(values.subarray(0, size)));
  kernels().gateMix(gateAt, expertsAt, count, outAt, rows, units);
  out.set(f32(outAt, size));
}

/**
 * The gated sum's gradients: per expert `dy · gate[:, e]` (passed to `onExpert` as a view valid until the next kernel
 * call: make it a tensor there), and the gate's, `dGate[r, e] = Σᵤ f32(dy · expert)` over units in order, in float32
 * or, with `sum64`, float64.
 */
export function gateBackward(dy: Float32Array, gate: Float32Array, experts: readonly Float32Array[], dGate: Float32Array, units: number, sum64: boolean, onExpert: (dx: Float32Array, e: number) => void): void {
  const size = dy.length;
  const count = experts.length;
  const rows = size / units;
  const [dyAt, gateAt, expertsAt, dxAt, dGateAt] = layout(4 * size, 4 * rows * count, 4 * size * count, 4 * size, 4 * rows * count);
  f32(dyAt, size).set(dy.subarray(0, size));
  f32(gateAt, rows * count).set(gate.subarray(0, rows * count));
  experts.forEach((values, e) => f32(expertsAt + 4 * size * e, size).set(values.subarray(0, size)));
  for (let e = 0; e < count; e++) {
    kernels().gateBackward(dyAt, gateAt, expertsAt + 4 * size * e, count, e, dxAt, dGateAt, sum64 ? 1 : 0, rows, units);
    onExpert(f32(dxAt, size), e);
  }
  dGate.set(f32(dGateAt, rows * count));
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
 * decay factor and `l2Factor` 2·l2 (both float32; 1 and 0 for a variable that is not decayed). Returns Σθ² of the
 * values before the update when `decaying`, else 0.
 */
export function adamUpdate(theta: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, k: AdamStepConstants, shrink: number, l2Factor: number, decaying: boolean): number {
  const n = theta.length;
  const [thetaAt, gAt, mAt, vAt] = layout(4 * n, 4 * n, 4 * n, 4 * n);
  f32(thetaAt, n).set(theta);
  f32(gAt, n).set(g.subarray(0, n));
  f32(mAt, n).set(m);
  f32(vAt, n).set(v);
  const squares = kernels().adamUpdate(thetaAt, gAt, mAt, vAt, n, k.b1, k.b2, k.c1, k.c2, k.correction1, k.correction2, k.epsilon, k.negativeRate, shrink, l2Factor, decaying ? 1 : 0);
  theta.set(f32(thetaAt, n));
  m.set(f32(mAt, n));
  v.set(f32(vAt, n));
  return squares;
}
