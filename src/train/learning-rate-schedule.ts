import type { learningRateSchedules } from '../config/schema.ts';
import { TandemError } from '../errors/tandem-error.ts';

export type LearningRateScheduleName = (typeof learningRateSchedules)[number];

/** One-cycle starts at base / 25 and ends at base / (25 · 10⁴) (Smith & Topin 2018, PyTorch's OneCycleLR defaults). */
const oneCycleStartDivisor = 25;
const oneCycleEndDivisor = 25e4;
/** One-cycle's share of steps spent rising when no warm-up is given (PyTorch's pct_start). */
const oneCycleDefaultRiseShare = 0.3;

/** Arguments of {@link learningRateAt}. */
export interface LearningRateScheduleArgs {
  readonly schedule: LearningRateScheduleName;
  /** `model.learningRate`: the rate after warm-up (the peak of cosine and one-cycle). */
  readonly baseRate: number;
  /** Optimizer steps in the whole run (`model.epochs` × batches per epoch), whatever stops it earlier. */
  readonly totalSteps: number;
  /** Steps of linear warm-up (constant, cosine) or of rising (one-cycle; 0 means 30 % of the run). @default 0 */
  readonly warmupSteps?: number;
}

/**
 * The learning rate of step `step` (0-based) of a run: a pure function of the step, so a resumed run gets the rates
 * of a straight one. `constant` and `cosine` warm up linearly from base / warmupSteps to base over the warm-up steps;
 * then `constant` stays at base and `cosine` falls to 0 along half a cosine by the last step. `one-cycle` rises
 * linearly from base / 25 to base over the warm-up steps, then falls along half a cosine to base / 250 000.
 */
export function learningRateAt(step: number, { schedule, baseRate, totalSteps, warmupSteps = 0 }: LearningRateScheduleArgs): number {
  if (!Number.isInteger(step) || step < 0) throw new TandemError(`learning-rate step must be an integer ≥ 0, got ${step}`, { value: step });
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new TandemError(`learning-rate schedule needs at least one step, got ${totalSteps}`, { value: totalSteps });
  const last = totalSteps - 1;
  const at = Math.min(step, last);
  if (schedule === 'one-cycle') {
    const rise = Math.min(warmupSteps > 0 ? Math.round(warmupSteps) : Math.round(oneCycleDefaultRiseShare * totalSteps), last);
    const start = baseRate / oneCycleStartDivisor;
    if (at < rise) return start + ((baseRate - start) * at) / rise;
    return cosineBetween(baseRate, baseRate / oneCycleEndDivisor, last === rise ? 1 : (at - rise) / (last - rise));
  }
  const warmup = Math.round(warmupSteps);
  if (at < warmup) return (baseRate * (at + 1)) / warmup;
  if (schedule === 'constant') return baseRate;
  const span = last - warmup;
  return cosineBetween(baseRate, 0, span <= 0 ? 1 : (at - warmup) / span);
}

/** From `from` (progress 0) to `to` (progress 1) along half a cosine. */
function cosineBetween(from: number, to: number, progress: number): number {
  return to + ((from - to) * (1 + Math.cos(Math.PI * progress))) / 2;
}
