import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { FileStore } from './file-store.ts';
import { readJson, readJsonIfExists, writeJson } from './json-object.ts';

let store: FileStore;
before(async () => {
  store = new FileStore(await mkdtemp(path.join(tmpdir(), 'tandem-json-')));
});
after(async () => {
  await rm(store.root, { recursive: true, force: true });
});

void describe('JSON objects in a store', () => {
  void it('writes pretty JSON with a trailing newline and reads it back', async () => {
    const value = { modelId: 'm1', metrics: { auc: 0.8 }, tags: ['a'] };
    await writeJson(store, 'runs/r1/run.json', value);
    assert.equal((await store.get('runs/r1/run.json')).toString(), `${JSON.stringify(value, null, 2)}\n`);
    assert.deepEqual(await readJson(store, 'runs/r1/run.json'), value);
    assert.deepEqual(await readJsonIfExists(store, 'runs/r1/run.json'), value);
  });

  void it('treats a missing object as NotFoundError or undefined', async () => {
    await assert.rejects(readJson(store, 'runs/none/run.json'), NotFoundError);
    assert.equal(await readJsonIfExists(store, 'runs/none/run.json'), undefined);
  });

  void it('names the key when an object is not JSON', async () => {
    await store.put('runs/r2/run.json', '{"truncated": ');
    await assert.rejects(
      readJson(store, 'runs/r2/run.json'),
      (error: Error) =>
        error instanceof BadInputError && error.message.includes('runs/r2/run.json') && error.details[0]?.path === 'runs/r2/run.json',
    );
    await assert.rejects(readJsonIfExists(store, 'runs/r2/run.json'), BadInputError);
  });
});
