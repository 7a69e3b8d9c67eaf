import { TandemError } from '../../errors/tandem-error.ts';
import type { WeightingState } from './loss-weighting.ts';

/**
 * `state[key]` as `length` finite numbers, or a TandemError naming the strategy: a checkpoint from another strategy
 * or another set of tasks must not be resumed silently.
 */
export function readStateVector(state: WeightingState, key: string, length: number, strategy: string): number[] {
  const value = state[key];
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new TandemError(`${strategy}: the saved state's "${key}" is not ${length} finite numbers`, { value });
  }
  return value as number[];
}
