import assert from 'node:assert/strict';
import { BadInputError } from '../../src/errors/bad-input-error.ts';

/** Runs `call`, asserts it throws a BadInputError, and returns that error (to check its message and details). */
export function catchBadInput(call: () => unknown): BadInputError {
  try {
    call();
  } catch (error) {
    assert.ok(error instanceof BadInputError, `expected BadInputError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a BadInputError');
}

/** {@link catchBadInput} for a call that may return a promise. */
export async function catchBadInputAsync(call: () => unknown): Promise<BadInputError> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof BadInputError, `expected BadInputError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a BadInputError');
}
