import assert from 'node:assert/strict';

/** Asserts two number lists have the same length and agree element by element within `tolerance` (absolute). */
export function assertAllClose(actual: readonly number[], expected: readonly number[], tolerance = 1e-9, message?: string): void {
  assert.equal(actual.length, expected.length, message);
  actual.forEach((value, i) => assert.ok(Math.abs(value - (expected[i] as number)) <= tolerance, `${message ?? ''} [${i}]: ${value} vs ${expected[i]}`));
}

/** The sum of a list of numbers. */
export const sumOf = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
