import { BadInputError } from '../src/errors/bad-input-error.ts';
import type { Flags } from './command.ts';

/** Bounds of a numeric flag. */
export interface NumericFlagBounds {
  readonly min?: number;
  readonly max?: number;
  /** Only whole numbers. @default true */
  readonly integer?: boolean;
}

/**
 * A numeric flag's value, or undefined when the flag is absent. A value that is not a number, not whole (unless
 * `integer: false`) or out of bounds is a BadInputError naming `--name` (exit 2).
 */
export function readNumericFlag(flags: Flags, name: string, { min = -Infinity, max = Infinity, integer = true }: NumericFlagBounds = {}): number | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  const number = Number(value);
  const valid = typeof value === 'string' && value.trim() !== '' && Number.isFinite(number) && (!integer || Number.isSafeInteger(number)) && number >= min && number <= max;
  if (!valid) {
    const range = `${Number.isFinite(min) ? ` ≥ ${min}` : ''}${Number.isFinite(max) ? ` and ≤ ${max}` : ''}`;
    const issue = `expected ${integer ? 'an integer' : 'a number'}${range}, got "${String(value)}"`;
    throw new BadInputError(`--${name}: ${issue}`, { value, details: [{ path: `--${name}`, issue }] });
  }
  return number;
}
