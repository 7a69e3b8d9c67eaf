/**
 * Fills `out` with the uniform [0, 1) stream of Baagøe's Alea generator seeded with `seed` — the generator (seedrandom's
 * `alea`, MIT) that tfjs' `randomUniform(shape, 0, 1, 'float32', seed)` draws from, so `out` holds the values that
 * tensor would (float32 rounding on store included). Inlined with the state in locals: ~5× faster than drawing
 * through tfjs, which calls the generator and a converter per value. src/model/seeded-dropout.test.ts checks it
 * against tfjs.
 */
export function fillAleaUniform(seed: number, out: Float32Array): void {
  let { s0, s1, s2, c } = aleaState(seed);
  for (let i = 0; i < out.length; i++) {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10;
    s0 = s1;
    s1 = s2;
    c = t | 0;
    s2 = t - c;
    out[i] = s2;
  }
}

/** The Alea state after seeding with `seed` (seedrandom's seeding: three mashes of ' ' less three of the seed). */
function aleaState(seed: number): { s0: number; s1: number; s2: number; c: number } {
  let n = 0xefc8249d;
  const mash = (data: string): number => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * 2.3283064365386963e-10;
  };
  const text = String(seed);
  let s0 = mash(' ');
  let s1 = mash(' ');
  let s2 = mash(' ');
  s0 -= mash(text);
  if (s0 < 0) s0 += 1;
  s1 -= mash(text);
  if (s1 < 0) s1 += 1;
  s2 -= mash(text);
  if (s2 < 0) s2 += 1;
  return { s0, s1, s2, c: 1 };
}

/** One keep mask to draw: the stream's seed, the dropout rate, and the mask to fill. */
export interface KeepMaskDraw {
  readonly seed: number;
  readonly rate: number;
  readonly keep: Uint8Array;
}

/**
 * Fills each `keep` with 1 where the Alea uniform draw (as {@link fillAleaUniform}, rounded to float32) is ≥ the
 * float32 rate, else 0: the mask tfjs' `randomUniform(…, seed).greaterEqual(rate)` gives. Each draw depends on the
 * one before through a ~20-cycle chain, so streams are drawn two at a time, interleaved, which keeps the processor
 * busy on the other chain; the values are those of each stream alone.
 */
export function fillAleaKeepMasks(draws: readonly KeepMaskDraw[]): void {
  const f = Math.fround;
  for (let k = 0; k < draws.length; k += 2) {
    const a = draws[k] as KeepMaskDraw;
    const b = draws[k + 1];
    const stateA = aleaState(a.seed);
    let { s0, s1, s2, c } = stateA;
    const rateA = f(a.rate);
    const keepA = a.keep;
    let i = 0;
    if (b !== undefined) {
      const stateB = aleaState(b.seed);
      let { s0: t0, s1: t1, s2: t2, c: d } = stateB;
      const rateB = f(b.rate);
      const keepB = b.keep;
      const both = Math.min(keepA.length, keepB.length);
      for (; i < both; i++) {
        const t = 2091639 * s0 + c * 2.3283064365386963e-10;
        const u = 2091639 * t0 + d * 2.3283064365386963e-10;
        s0 = s1;
        s1 = s2;
        c = t | 0;
        s2 = t - c;
        t0 = t1;
        t1 = t2;
        d = u | 0;
        t2 = u - d;
        keepA[i] = Number(f(s2) >= rateA);
        keepB[i] = Number(f(t2) >= rateB);
      }
      for (let j = i; j < keepB.length; j++) {
        const u = 2091639 * t0 + d * 2.3283064365386963e-10;
        t0 = t1;
        t1 = t2;
        d = u | 0;
        t2 = u - d;
        keepB[j] = Number(f(t2) >= rateB);
      }
    }
    for (; i < keepA.length; i++) {
      const t = 2091639 * s0 + c * 2.3283064365386963e-10;
      s0 = s1;
      s1 = s2;
      c = t | 0;
      s2 = t - c;
      keepA[i] = Number(f(s2) >= rateA);
    }
  }
}
