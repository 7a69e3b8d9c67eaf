// FileStore-only behaviour; the shared BlobStore contract runs in blob-store.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BadInputError } from '../errors/bad-input-error.ts';
import { FileStore } from './file-store.ts';

let workDir = '';
before(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tandem-file-store-'));
});
after(async () => {
  await rm(workDir, { recursive: true, force: true });
});

void describe('FileStore', () => {
  void it('keeps objects as plain files under its root and names itself by file URL', async () => {
    const root = path.join(workDir, 'plain');
    const store = new FileStore(root);
    assert.equal(store.uri, pathToFileURL(root).href);
    await store.put('models/m1/card.json', '{"a":1}');
    assert.equal(store.localPath('models/m1/card.json'), path.join(root, 'models', 'm1', 'card.json'));
    assert.deepEqual(await readdir(path.join(root, 'models', 'm1')), ['card.json']);
  });

  void it('never writes outside its root for an escaping key', async () => {
    const root = path.join(workDir, 'jail');
    const store = new FileStore(root);
    await assert.rejects(store.put('../outside.txt', 'x'), BadInputError);
    assert.throws(() => store.localPath('a/../../outside.txt'), BadInputError);
    assert.equal((await readdir(workDir)).includes('outside.txt'), false);
  });

  void it('hides leftover temporary files from list', async () => {
    const store = new FileStore(path.join(workDir, 'leftover'));
    await store.put('runs/r1/run.json', '{}');
    await writeFile(`${store.localPath('runs/r1/run.json')}.abc123.tmp`, 'half');
    assert.deepEqual(await store.list('runs'), ['runs/r1/run.json']);
  });

  void it('replaces atomically: a reader during large concurrent writes sees a whole old or whole new body', async () => {
    const store = new FileStore(path.join(workDir, 'atomic'));
    const size = 8 * 1024 * 1024;
    const bodies = [Buffer.alloc(size, 'a'), Buffer.alloc(size + 4096, 'b')];
    await store.put('datasets/d1/train.bin', bodies[0] as Buffer);
    let writing = true;
    const writer = (async () => {
      for (let round = 1; round <= 12; round++) await store.put('datasets/d1/train.bin', bodies[round % 2] as Buffer);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const seen = await store.get('datasets/d1/train.bin');
      reads++;
      assert.ok(
        bodies.some((body) => body.equals(seen)),
        `read ${reads} saw ${seen.length} bytes starting ${seen.subarray(0, 1).toString()}: a partial object`,
      );
    }
    await writer;
    assert.ok(reads > 0);
    assert.deepEqual(await readdir(path.dirname(store.localPath('datasets/d1/train.bin'))), ['train.bin']);
  });
});
