// One behavioural contract, run against every BlobStore adapter: FileStore on a temp folder, S3Store on a real
// s3rver started here on a free port (test/helpers/start-s3rver.ts). S3-only behaviour (prefixes, pagination,
// missing bucket) follows.
import { ListObjectsV2Command, type S3ClientConfig } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startS3rver } from '../../test/helpers/start-s3rver.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { BlobStore } from './blob-store.ts';
import { FileStore } from './file-store.ts';
import { createS3Client, S3Store } from './s3-store.ts';
import { minS3PartBytes } from './upload-s3-stream.ts';

const BUCKET = 'tandem-test';
let workDir = '';
let stopServer: (() => Promise<void>) | undefined;
let s3Config: S3ClientConfig = {};
const openS3Stores: S3Store[] = [];
let storeCount = 0;

/** A fresh S3Store on its own prefix, so tests never see each other's objects. */
function newS3Store(options: { prefix?: string; bucket?: string; listPageSize?: number; partBytes?: number } = {}): S3Store {
  const store = new S3Store({
    bucket: options.bucket ?? BUCKET,
    prefix: options.prefix ?? `store-${++storeCount}`,
    clientConfig: s3Config,
    listPageSize: options.listPageSize,
    partBytes: options.partBytes,
  });
  openS3Stores.push(store);
  return store;
}

/** A fresh S3Store whose client notes the name of every command it sends (an observer on the real client). */
function recordingS3Store(options: { bucket?: string; partBytes?: number } = {}): { store: S3Store; commands: string[]; destroy: () => void } {
  const client = createS3Client(s3Config);
  const commands: string[] = [];
  client.middlewareStack.add((next, context) => async (args) => {
    commands.push(String(context.commandName).replace(/Command$/, ''));
    return next(args);
  }, { step: 'initialize' });
  const store = new S3Store({ bucket: options.bucket ?? BUCKET, prefix: `store-${++storeCount}`, client, partBytes: options.partBytes });
  return { store, commands, destroy: () => client.destroy() };
}

/** `total` bytes of a fixed pattern in chunks of `chunk` bytes, then, with `failAfter`, an error. */
async function* patternChunks(total: number, chunk: number, failAfter?: Error): AsyncGenerator<Uint8Array> {
  for (let start = 0; start < total; start += chunk) {
    const piece = new Uint8Array(Math.min(chunk, total - start));
    for (let index = 0; index < piece.length; index++) piece[index] = ((start + index) * 31) % 251;
    yield piece;
  }
  if (failAfter !== undefined) throw failAfter;
}

function pattern(total: number): Buffer {
  const body = Buffer.alloc(total);
  for (let index = 0; index < total; index++) body[index] = (index * 31) % 251;
  return body;
}

before(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'tandem-blob-store-'));
  const server = await startS3rver(path.join(workDir, 's3rver'), [BUCKET]);
  stopServer = server.stop;
  s3Config = server.clientConfig;
});

after(async () => {
  for (const store of openS3Stores) store.destroy();
  await stopServer?.();
  await rm(workDir, { recursive: true, force: true });
});

/** The behaviour every adapter must show; `open` returns an empty store. */
function describeBlobStoreContract(adapter: string, open: () => Promise<BlobStore>): void {
  void describe(`${adapter} honours the BlobStore contract`, () => {
    let store: BlobStore;
    beforeEach(async () => {
      store = await open();
    });

    void it('returns exactly the bytes that were put (text, binary, empty)', async () => {
      const binary = Buffer.from([0, 255, 10, 13, 128, 1]);
      await store.put('a/text.json', '{"é": "ü"}\n');
      await store.put('a/binary.bin', binary);
      await store.put('a/empty.txt', '');
      assert.equal((await store.get('a/text.json')).toString('utf8'), '{"é": "ü"}\n');
      assert.deepEqual(await store.get('a/binary.bin'), binary);
      assert.equal((await store.get('a/empty.txt')).length, 0);
      assert.deepEqual(await store.getIfExists('a/binary.bin'), binary);
    });

    void it('reports a missing key as NotFoundError, undefined or false', async () => {
      await assert.rejects(store.get('models/nope/card.json'), NotFoundError);
      assert.equal(await store.getIfExists('models/nope/card.json'), undefined);
      assert.equal(await store.exists('models/nope/card.json'), false);
      await store.put('models/yes/card.json', '{}');
      assert.equal(await store.exists('models/yes/card.json'), true);
      // A folder is not an object, and nothing lies below an object.
      assert.equal(await store.exists('models/yes'), false);
      assert.equal(await store.getIfExists('models/yes'), undefined);
      assert.equal(await store.exists('models/yes/card.json/below'), false);
      await assert.rejects(store.get('models/yes/card.json/below'), NotFoundError);
    });

    void it('replaces an object on a second put', async () => {
      await store.put('x.txt', 'first version, longer');
      await store.put('x.txt', 'second');
      assert.equal((await store.get('x.txt')).toString(), 'second');
    });

    void it('lists keys under a folder recursively and sorted, never a sibling that shares the name', async () => {
      for (const key of ['models/b/card.json', 'models/a/model.json', 'models/a/sub/weights.bin', 'models-old/x.json', 'top.json']) {
        await store.put(key, key);
      }
      const expected = ['models/a/model.json', 'models/a/sub/weights.bin', 'models/b/card.json'];
      assert.deepEqual(await store.list('models'), expected);
      assert.deepEqual(await store.list('models/'), expected);
      assert.deepEqual(await store.list('models/a/sub'), ['models/a/sub/weights.bin']);
      assert.deepEqual(await store.list(''), ['models-old/x.json', ...expected, 'top.json']);
      assert.deepEqual(await store.list('missing'), []);
    });

    void it('deletes an object, and deleting a missing one is not an error', async () => {
      await store.put('runs/r1/run.json', '{}');
      await store.put('runs/r1/leaderboard.json', '[]');
      await store.delete('runs/r1/run.json');
      await store.delete('runs/r1/never-existed.json');
      assert.equal(await store.exists('runs/r1/run.json'), false);
      assert.deepEqual(await store.list('runs'), ['runs/r1/leaderboard.json']);
    });

    void it('streams a body in (generator chunks of text and bytes, a file stream, an empty body), replacing the old object', async () => {
      async function* mixed(): AsyncGenerator<Uint8Array | string> {
        yield '{"é": ';
        yield new Uint8Array(0);
        yield Buffer.from('"ü"');
        yield new TextEncoder().encode('}\n');
      }
      await store.put('s/mixed.json', 'an older, longer version');
      await store.putStream('s/mixed.json', mixed());
      assert.equal((await store.get('s/mixed.json')).toString('utf8'), '{"é": "ü"}\n');
      const file = path.join(workDir, `stream-source-${++storeCount}.bin`);
      await writeFile(file, pattern(300_001));
      await store.putStream('s/file.bin', createReadStream(file, { highWaterMark: 4096 }));
      assert.ok((await store.get('s/file.bin')).equals(pattern(300_001)));
      await store.putStream('s/empty.bin', patternChunks(0, 1));
      assert.equal((await store.get('s/empty.bin')).length, 0);
      assert.deepEqual(await store.list('s'), ['s/empty.bin', 's/file.bin', 's/mixed.json']);
    });

    void it('leaves the previous object, and nothing else, when a streamed body fails', async () => {
      await store.put('s/kept.bin', 'previous');
      const failure = new Error('the source broke');
      await assert.rejects(store.putStream('s/kept.bin', patternChunks(100_000, 8192, failure)), (error) => error === failure);
      await assert.rejects(store.putStream('s/new.bin', patternChunks(100_000, 8192, failure)), (error) => error === failure);
      assert.equal((await store.get('s/kept.bin')).toString(), 'previous');
      assert.deepEqual(await store.list('s'), ['s/kept.bin']);
    });

    void it('refuses a streamed put to a bad key before reading the body, and releases the body', async () => {
      let released = false;
      async function* body(): AsyncGenerator<string> {
        try {
          yield 'never read';
        } finally {
          released = true;
        }
      }
      const generator = body();
      await generator.next();
      await assert.rejects(store.putStream('../escape.bin', generator), BadInputError);
      assert.equal(released, true);
      assert.deepEqual(await store.list(''), []);
    });

    void it('rejects keys that are not plain relative paths', async () => {
      for (const key of ['', '../escape.json', 'a/../../b', '/abs.json', 'a//b', './a']) {
        await assert.rejects(store.put(key, 'x'), BadInputError, `put ${JSON.stringify(key)}`);
        await assert.rejects(store.get(key), BadInputError, `get ${JSON.stringify(key)}`);
      }
      assert.deepEqual(await store.list(''), []);
    });
  });
}

describeBlobStoreContract('FileStore', async () => new FileStore(await mkdtemp(path.join(workDir, 'file-'))));
describeBlobStoreContract('S3Store', async () => newS3Store());

void describe('S3Store specifics (s3rver)', () => {
  void it('maps keys to <prefix>/<key> and keeps prefixes apart', async () => {
    const one = newS3Store({ prefix: '/team/one/' });
    const two = newS3Store({ prefix: 'team/two' });
    assert.equal(one.uri, `s3://${BUCKET}/team/one`);
    await one.put('models/m1/card.json', '{}');
    await two.put('models/m2/card.json', '{}');
    assert.deepEqual(await one.list('models'), ['models/m1/card.json']);
    assert.equal(await two.exists('models/m1/card.json'), false);
    const raw = await one.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'team/' }));
    assert.deepEqual(raw.Contents?.map((object) => object.Key).sort(), ['team/one/models/m1/card.json', 'team/two/models/m2/card.json']);
    const root = newS3Store({ prefix: '' });
    assert.equal(root.uri, `s3://${BUCKET}`);
    assert.deepEqual(await root.list('team/two'), ['team/two/models/m2/card.json']);
  });

  void it('follows ListObjectsV2 continuation across pages', async () => {
    const store = newS3Store({ listPageSize: 2 });
    const keys = ['k/1', 'k/2', 'k/3', 'k/4', 'k/5'];
    for (const key of keys) await store.put(key, key);
    assert.deepEqual(await store.list('k'), keys);
  });

  void it('round-trips a multi-megabyte body byte for byte (no checksum framing stored)', async () => {
    const store = newS3Store();
    const body = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let index = 0; index < body.length; index++) body[index] = (index * 31) % 251;
    await store.put('datasets/d1/train.bin', body);
    assert.ok((await store.get('datasets/d1/train.bin')).equals(body));
  });

  void it('streams an object bigger than one part as a multipart upload, byte for byte', async () => {
    const { store, commands, destroy } = recordingS3Store({ partBytes: minS3PartBytes });
    try {
      const size = 2 * minS3PartBytes + 123_457;
      await store.putStream('scores/big.parquet', patternChunks(size, 65_536));
      assert.deepEqual(commands, ['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload']);
      assert.ok((await store.get('scores/big.parquet')).equals(pattern(size)));
      // Shorter than one part: a single PutObject, no multipart upload.
      commands.length = 0;
      await store.putStream('scores/small.csv', patternChunks(minS3PartBytes - 1, 65_536));
      assert.deepEqual(commands, ['PutObject']);
      assert.equal((await store.get('scores/small.csv')).length, minS3PartBytes - 1);
    } finally {
      destroy();
    }
  });

  void it('aborts the multipart upload when the body fails after a part went up: no object appears, the old one stays', async () => {
    const { store, commands, destroy } = recordingS3Store({ partBytes: minS3PartBytes });
    try {
      await store.put('scores/part.parquet', 'yesterday');
      commands.length = 0;
      const failure = new Error('the scorer failed mid-part');
      await assert.rejects(store.putStream('scores/part.parquet', patternChunks(minS3PartBytes + 10_000, 65_536, failure)), (error) => error === failure);
      assert.deepEqual(commands, ['CreateMultipartUpload', 'UploadPart', 'AbortMultipartUpload']);
      assert.equal((await store.get('scores/part.parquet')).toString(), 'yesterday');
      assert.deepEqual(await store.list('scores'), ['scores/part.parquet']);
    } finally {
      destroy();
    }
  });

  void it('aborts the multipart upload when a part fails to go up, after the parts in flight settle', async () => {
    const { store, commands, destroy } = recordingS3Store({ partBytes: minS3PartBytes });
    const refused = new Error('connection reset while sending part 2');
    let uploads = 0;
    // Fault injection on the real client: the second UploadPart request fails as a dropped connection would.
    store.client.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === 'UploadPartCommand' && ++uploads === 2) throw refused;
      return next(args);
    }, { step: 'initialize' });
    try {
      await assert.rejects(store.putStream('scores/three-parts.parquet', patternChunks(3 * minS3PartBytes + 1, 65_536)), (error) => error === refused);
      assert.equal(commands[0], 'CreateMultipartUpload');
      assert.equal(commands.at(-1), 'AbortMultipartUpload');
      assert.ok(!commands.includes('CompleteMultipartUpload'), commands.join(' '));
      assert.equal(await store.exists('scores/three-parts.parquet'), false);
    } finally {
      destroy();
    }
  });

  void it('reports a streamed put to a missing bucket as NotFoundError, and refuses parts under 5 MiB', async () => {
    const { store, destroy } = recordingS3Store({ bucket: 'no-such-bucket', partBytes: minS3PartBytes });
    try {
      await assert.rejects(store.putStream('a.bin', patternChunks(minS3PartBytes + 1, 65_536)), NotFoundError);
      await assert.rejects(store.putStream('a.bin', patternChunks(10, 5)), NotFoundError);
    } finally {
      destroy();
    }
    assert.throws(() => newS3Store({ partBytes: minS3PartBytes - 1 }), BadInputError);
  });

  void it('reports a missing bucket as NotFoundError naming the bucket', async () => {
    const store = newS3Store({ bucket: 'no-such-bucket' });
    await assert.rejects(store.get('a.json'), (error: Error) => error instanceof NotFoundError && error.message.includes('no-such-bucket'));
    await assert.rejects(store.put('a.json', '{}'), NotFoundError);
    await assert.rejects(store.list(''), NotFoundError);
  });

  void it('rejects a bucket name that cannot exist', () => {
    assert.throws(() => new S3Store({ bucket: 'has/slash' }), BadInputError);
    assert.throws(() => new S3Store({ bucket: '' }), BadInputError);
  });
});
