import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { createSeededRandom } from '../random/seeded-random.ts';
import { compileSimdKernels } from './compile-simd-kernels.ts';
import { simdKernelsBase64 } from './simd-kernels-binary.ts';
import { adamUpdate, biasForward, gateBackward, gateMix, layerNormBackward, layerNormForward, reluBackward } from './simd-kernels.ts';

const f = Math.fround;
const random = createSeededRandom(17);
const normals = (n: number): Float32Array => Float32Array.from({ length: n }, () => random.normal());
// 7 units: one vector of four and a scalar tail of three per row.
const rows = 5;
const units = 7;
const size = rows * units;

describe('SIMD training kernels', () => {
  it('the committed binary is the compilation of simd-kernels.wat (run npm run build:simd-kernels after editing it)', async () => {
    const text = await readFile(new URL('./simd-kernels.wat', import.meta.url), 'utf8');
    assert.deepEqual(Buffer.from(await compileSimdKernels(text)), Buffer.from(simdKernelsBase64, 'base64'));
  });

  it('bias forward: p + b, relu or not, times keep and divided by the keep probability, in float32, vector lanes and tail alike', () => {
    const p = normals(size);
    const b = normals(units);
    const keep = Uint8Array.from({ length: size }, () => Number(random.next() < 0.7));
    const keepProbability = f(0.7);
    for (const relu of [true, false]) {
      for (const mask of [undefined, keep]) {
        const out = new Float32Array(size);
        biasForward(p, b, relu, mask, keepProbability, out, units);
        for (let i = 0; i < size; i++) {
          const z = f((p[i] as number) + (b[i % units] as number));
          const activated = relu ? Math.max(z, 0) : z;
          const expected = mask === undefined ? activated : f(f(activated * (mask[i] as number)) / keepProbability);
          assert.equal(out[i], expected, `element ${i}`);
        }
        assert.ok(out.some((value) => value > 0) && out.some((value) => (relu ? value === 0 : value < 0)));
      }
    }
  });

  it('relu backward: dz = g / keep probability where the output is non-zero, the bias gradient summed over rows in float32 or float64', () => {
    const g = normals(size);
    const out = Float32Array.from(normals(size), (value) => Math.max(value, 0));
    for (const keepProbability of [undefined, f(0.8)]) {
      for (const db of [new Float32Array(units), new Float64Array(units)]) {
        const dz = new Float32Array(size);
        reluBackward(g, out, keepProbability, dz, db, units);
        const expectedDb = new Float64Array(units);
        for (let i = 0; i < size; i++) {
          const scaled = keepProbability === undefined ? (g[i] as number) : f((g[i] as number) / keepProbability);
          const expected = (out[i] as number) !== 0 ? scaled : 0;
          assert.equal(Math.abs(dz[i] as number), Math.abs(expected), `dz ${i}`);
          const j = i % units;
          expectedDb[j] = db instanceof Float32Array ? f((expectedDb[j] as number) + expected) : (expectedDb[j] as number) + expected;
        }
        expectedDb.forEach((value, j) => assert.equal(db[j], value, `db ${j}`));
      }
    }
  });

  it('gated sum and its gradients: products and partial sums in float32, the gate gradient summed over units in order', () => {
    const count = 3;
    const gate = normals(rows * count);
    const experts = Array.from({ length: count }, () => normals(size));
    const out = new Float32Array(size);
    gateMix(gate, experts, out, units);
    for (let i = 0; i < size; i++) {
      const r = Math.floor(i / units);
      let sum = 0;
      for (let e = 0; e < count; e++) {
        const term = f((experts[e]![i] as number) * (gate[r * count + e] as number));
        sum = e === 0 ? term : f(sum + term);
      }
      assert.equal(out[i], sum, `out ${i}`);
    }
    const dy = normals(size);
    for (const sum64 of [false, true]) {
      const dGate = new Float32Array(rows * count);
      const seen: number[] = [];
      gateBackward(dy, gate, experts, dGate, units, sum64, (dx, e) => {
        seen.push(e);
        for (let i = 0; i < size; i++) assert.equal(dx[i], f((dy[i] as number) * (gate[Math.floor(i / units) * count + e] as number)), `dx ${e} ${i}`);
      });
      assert.deepEqual(seen, [0, 1, 2]);
      for (let r = 0; r < rows; r++) {
        for (let e = 0; e < count; e++) {
          let sum = 0;
          for (let u = 0; u < units; u++) {
            const term = f((dy[r * units + u] as number) * (experts[e]![r * units + u] as number));
            sum = sum64 ? sum + term : f(sum + term);
          }
          assert.equal(dGate[r * count + e], f(sum), `dGate ${r} ${e}`);
        }
      }
    }
  });

  it('layer normalisation → relu → mask and its gradients: within float32 rounding of the float64 formulas', () => {
    const x = normals(size).map((value) => 3 * value + 1);
    const gamma = normals(units).map((value) => 1 + 0.2 * value);
    const beta = normals(units).map((value) => 0.1 * value);
    const keep = Uint8Array.from({ length: size }, () => Number(random.next() < 0.8));
    const keepProbability = f(0.8);
    const epsilon = 1e-3;
    const out = new Float32Array(size);
    const normalised = new Float32Array(size);
    const scales = new Float32Array(rows);
    layerNormForward(x, gamma, beta, epsilon, true, keep, keepProbability, out, normalised, scales, units);
    const dOut = normals(size);
    const dx = new Float32Array(size);
    const dGamma = new Float32Array(units);
    const dBeta = new Float32Array(units);
    layerNormBackward(dOut, out, normalised, scales, gamma, true, keepProbability, dx, dGamma, dBeta, units);
    const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
    const expectedDGamma = new Float64Array(units);
    const expectedDBeta = new Float64Array(units);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(x.subarray(r * units, (r + 1) * units));
      const mean = row.reduce((a, b) => a + b, 0) / units;
      const scale = 1 / Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / units + epsilon);
      close(scales[r] as number, scale, `scale ${r}`);
      const n = row.map((value) => (value - mean) * scale);
      const d = n.map((value, j) => {
        const y = value * (gamma[j] as number) + (beta[j] as number);
        const kept = (keep[r * units + j] as number) === 1;
        close(out[r * units + j] as number, y > 0 && kept ? y / keepProbability : 0, `out ${r} ${j}`);
        return y > 0 && kept ? (dOut[r * units + j] as number) / keepProbability : 0;
      });
      const dn = d.map((value, j) => value * (gamma[j] as number));
      const meanDn = dn.reduce((a, b) => a + b, 0) / units;
      const meanDnN = dn.reduce((a, b, j) => a + b * (n[j] as number), 0) / units;
      dn.forEach((value, j) => close(dx[r * units + j] as number, scale * (value - meanDn - (n[j] as number) * meanDnN), `dx ${r} ${j}`));
      d.forEach((value, j) => {
        expectedDGamma[j] = (expectedDGamma[j] as number) + value * (n[j] as number);
        expectedDBeta[j] = (expectedDBeta[j] as number) + value;
      });
    }
    expectedDGamma.forEach((value, j) => close(dGamma[j] as number, value, `dGamma ${j}`));
    expectedDBeta.forEach((value, j) => close(dBeta[j] as number, value, `dBeta ${j}`));
    assert.ok(out.some((value) => value > 0) && out.some((value) => value === 0));
  });

  it('AdamW: every operation rounded to float32 in tf.train.adam order, with L2 and decoupled decay, Σθ² returned', () => {
    const n = 11;
    const theta = normals(n);
    const g = normals(n);
    const m = normals(n).map((value) => value * 0.1);
    const v = normals(n).map((value) => value * value * 0.01);
    const k = { b1: f(0.9), b2: f(0.999), c1: f(0.1), c2: f(0.001), correction1: f(1 - 0.9 ** 3), correction2: f(1 - 0.999 ** 3), epsilon: f(1e-7), negativeRate: f(-0.01) };
    const shrink = f(1 - 0.01 * 0.1);
    const l2Factor = f(2e-3);
    const expected = { theta: theta.slice(), m: m.slice(), v: v.slice(), squares: 0 };
    for (let j = 0; j < n; j++) {
      const t = expected.theta[j] as number;
      expected.squares += t * t;
      const gj = f((g[j] as number) + f(l2Factor * t));
      const mj = (expected.m[j] = f(f((m[j] as number) * k.b1) + f(gj * k.c1)));
      const vj = (expected.v[j] = f(f((v[j] as number) * k.b2) + f(f(gj * gj) * k.c2)));
      const step = f(f(mj / k.correction1) / f(f(Math.sqrt(f(vj / k.correction2))) + k.epsilon));
      expected.theta[j] = f(f(step * k.negativeRate) + f(t * shrink));
    }
    const squares = adamUpdate(theta, g, m, v, k, shrink, l2Factor, true);
    assert.deepEqual(theta, expected.theta);
    assert.deepEqual(m, expected.m);
    assert.deepEqual(v, expected.v);
    assert.equal(squares, expected.squares);
  });
});
