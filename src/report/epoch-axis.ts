import type { AxisSpec } from './chart-frame.ts';
import { computeNiceTicks } from './chart-scale.ts';

/** An x axis over training epochs: from 1 to the last epoch (at least 2, so that one epoch still has a span), whole-number ticks. */
export function epochAxis(epochs: readonly number[]): AxisSpec {
  const maxEpoch = Math.max(2, ...epochs.filter(Number.isFinite));
  const ticks = computeNiceTicks(1, maxEpoch, Math.min(maxEpoch - 1, 8)).filter(Number.isInteger);
  return { label: 'epoch', domain: [1, maxEpoch], ticks: ticks.map((value) => ({ value, label: String(value) })) };
}
