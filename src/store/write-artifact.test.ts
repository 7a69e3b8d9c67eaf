import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BadInputError } from '../errors/bad-input-error.ts';
import { FileStore } from './file-store.ts';
import { isArtifactComplete, writeArtifact } from './write-artifact.ts';

/** A real FileStore that records every write and can be told to fail one, like a full disk or a dropped upload. */
class RecordingFileStore extends FileStore {
  readonly events: string[] = [];
  failOn: string | undefined;

  override async put(key: string, body: Buffer | Uint8Array | string): Promise<void> {
    if (key === this.failOn) throw new Error(`disk full while writing ${key}`);
    this.events.push(`put ${key}`);
    await super.put(key, body);
  }

  override async delete(key: string): Promise<void> {
    this.events.push(`delete ${key}`);
    await super.delete(key);
  }
}

let workDir = '';
before(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tandem-artifact-'));
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const modelFiles = [
  { name: 'model.json', body: '{"modelTopology":{}}' },
  { name: 'weights.bin', body: Buffer.from([1, 2, 3, 4]) },
  { name: 'preprocessor.json', body: '{}' },
];

void describe('writeArtifact', () => {
  void it('writes every file, then the marker last', async () => {
    const store = new RecordingFileStore(path.join(workDir, 'ok'));
    assert.equal(await isArtifactComplete(store, 'models/m1', 'card.json'), false);
    const keys = await writeArtifact(store, 'models/m1/', modelFiles, { name: 'card.json', body: '{"id":"m1"}' });
    assert.deepEqual(keys, ['models/m1/model.json', 'models/m1/weights.bin', 'models/m1/preprocessor.json', 'models/m1/card.json']);
    assert.equal(store.events.filter((event) => event.startsWith('put ')).at(-1), 'put models/m1/card.json');
    assert.deepEqual(await store.get('models/m1/weights.bin'), Buffer.from([1, 2, 3, 4]));
    assert.equal(await isArtifactComplete(store, 'models/m1', 'card.json'), true);
  });

  void it('leaves no marker and no files behind when a write fails, and rethrows', async () => {
    const store = new RecordingFileStore(path.join(workDir, 'fail'));
    store.failOn = 'models/m2/preprocessor.json';
    await assert.rejects(writeArtifact(store, 'models/m2', modelFiles, { name: 'card.json', body: '{}' }), /disk full/);
    assert.equal(await isArtifactComplete(store, 'models/m2', 'card.json'), false);
    assert.deepEqual(await store.list('models/m2'), []);
  });

  void it('removes the marker when the marker itself fails to write', async () => {
    const store = new RecordingFileStore(path.join(workDir, 'fail-marker'));
    store.failOn = 'datasets/d1/manifest.json';
    await assert.rejects(writeArtifact(store, 'datasets/d1', [{ name: 'train.csv', body: 'a\n1\n' }], { name: 'manifest.json', body: '{}' }));
    assert.deepEqual(await store.list('datasets/d1'), []);
  });

  void it('hides an artifact that is being rewritten until the new marker lands', async () => {
    const store = new RecordingFileStore(path.join(workDir, 'rewrite'));
    await writeArtifact(store, 'models/m3', modelFiles, { name: 'card.json', body: '{"v":1}' });
    store.events.length = 0;
    await writeArtifact(store, 'models/m3', modelFiles, { name: 'card.json', body: '{"v":2}' });
    assert.equal(store.events[0], 'delete models/m3/card.json');
    assert.equal((await store.get('models/m3/card.json')).toString(), '{"v":2}');
  });

  void it('rejects duplicate names and names that escape the folder', async () => {
    const store = new RecordingFileStore(path.join(workDir, 'bad'));
    await assert.rejects(writeArtifact(store, 'models/m4', [{ name: 'card.json', body: '' }], { name: 'card.json', body: '' }), BadInputError);
    await assert.rejects(writeArtifact(store, 'models/m4', [{ name: '../m5/model.json', body: '' }], { name: 'card.json', body: '' }), BadInputError);
    assert.deepEqual(store.events, []);
  });
});
