/** A linear map from a data domain onto a pixel range, with the ticks an axis draws for it. */
export interface LinearScale {
  /** The pixel position of a data value (not clamped). */
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
}

/**
 * A linear scale from `domain` onto `range` (a range may run backwards, as a y axis does: [bottom, top]). A domain of
 * zero width maps every value to the middle of the range.
 */
export function createLinearScale(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const scale = (value: number): number => (span === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / span) * (r1 - r0));
  return Object.assign(scale, { domain: [d0, d1] as const, range: [r0, r1] as const });
}

/**
 * The "nice" tick step for about `count` ticks over [min, max]: 1, 2 or 5 times a power of ten, whichever puts the
 * number of ticks closest to `count` (the rule d3 uses). Positive for any finite span > 0.
 */
export function computeTickStep(min: number, max: number, count = 5): number {
  const rough = Math.abs(max - min) / Math.max(count, 1);
  const exponent = Math.floor(Math.log10(rough));
  // 1 / 10^4 rather than 10^-4, which V8 computes as 0.00009999999999999999.
  const power = exponent < 0 ? 1 / 10 ** -exponent : 10 ** exponent;
  const error = rough / power;
  const factor = error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1;
  return Number((factor * power).toPrecision(12));
}

/** Decimal places needed to print multiples of `step` exactly (0.25 → 2, 5 → 0). */
export function stepDecimals(step: number): number {
  if (!(step > 0) || step >= 1) return 0;
  // Rounded so that 0.30000000000000004-style noise does not ask for 17 digits.
  const text = Number(step.toPrecision(12)).toString();
  const exponent = /e-(\d+)$/.exec(text);
  if (exponent !== null) return Number(exponent[1]) + ((text.split('e')[0] ?? '').split('.')[1]?.length ?? 0);
  return text.split('.')[1]?.length ?? 0;
}

/**
 * About `count` evenly spaced round tick values inside [min, max] (both ends included when they are multiples of the
 * step), free of floating-point noise. One tick at `min` when the span is zero or not finite.
 */
export function computeNiceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const [low, high] = min < max ? [min, max] : [max, min];
  const step = computeTickStep(low, high, count);
  const decimals = stepDecimals(step);
  const first = Math.ceil(low / step - 1e-9);
  const last = Math.floor(high / step + 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toFixed(decimals)));
  return ticks;
}

/**
 * A domain that covers the finite `values` (and `include`, e.g. 0 for bars), widened to round tick values so that
 * an axis starts and ends on a tick. A single value v becomes a small span around it; no value gives `fallback`.
 */
export function computeNiceDomain(
  values: Iterable<number | null | undefined>,
  { count = 5, include = [], fallback = [0, 1] }: { count?: number; include?: readonly number[]; fallback?: readonly [number, number] } = {},
): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const value of [...values, ...include]) {
    if (value === null || value === undefined || !Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (min === Infinity) return [fallback[0], fallback[1]];
  if (min === max) {
    const pad = min === 0 ? 0.5 : Math.abs(min) * 0.05;
    min -= pad;
    max += pad;
  }
  const step = computeTickStep(min, max, count);
  const decimals = stepDecimals(step);
  return [Number((Math.floor(min / step + 1e-9) * step).toFixed(decimals)), Number((Math.ceil(max / step - 1e-9) * step).toFixed(decimals))];
}

/** A tick label: the value with as many decimals as the ticks' step needs. */
export function formatTick(value: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs((ticks[1] as number) - (ticks[0] as number)) : 0;
  const decimals = step > 0 ? stepDecimals(step) : Math.abs(value) >= 1 || value === 0 ? 0 : 2;
  return value.toFixed(Math.min(decimals, 10));
}
