import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadInputError } from '../errors/bad-input-error.ts';
import { runCliInProcess } from '../../test/helpers/run-cli-in-process.ts';
import { readEnvironment } from './environment.ts';

describe('readEnvironment', () => {
  it('reads TANDEM_API_KEYS as trimmed, comma-separated keys; unset means no key needed', () => {
    assert.deepEqual(readEnvironment({}).apiKeys, []);
    assert.deepEqual(readEnvironment({ TANDEM_API_KEYS: 'one' }).apiKeys, ['one']);
    assert.deepEqual(readEnvironment({ TANDEM_API_KEYS: ' one , two,,' }).apiKeys, ['one', 'two']);
  });

  it('refuses a TANDEM_API_KEYS that is set but holds no key, naming the variable', () => {
    for (const raw of [',', ' , ', '', '   ', ',,,']) {
      assert.throws(
        () => readEnvironment({ TANDEM_API_KEYS: raw }),
        (error: unknown) => error instanceof BadInputError && /TANDEM_API_KEYS/.test(error.message) && error.value === raw,
        JSON.stringify(raw),
      );
    }
  });

  it('makes `tandem serve` refuse to start (exit 2) rather than serve without authentication', async () => {
    const run = await runCliInProcess(['serve', '--port', '0'], { TANDEM_API_KEYS: ' , ' });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /TANDEM_API_KEYS is set but holds no key/);
    assert.equal(run.stdout, '');
  });
});
