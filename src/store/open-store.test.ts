import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BadInputError } from '../errors/bad-input-error.ts';
import { FileStore } from './file-store.ts';
import { openStore } from './open-store.ts';
import { S3Store } from './s3-store.ts';

void describe('openStore', () => {
  const baseDir = path.resolve('/srv/project');

  void it('opens relative file:// URIs and bare paths against baseDir', () => {
    for (const uri of ['file://.tandem', '.tandem', './.tandem']) {
      const store = openStore(uri, { baseDir });
      assert.ok(store instanceof FileStore, uri);
      assert.equal(store.root, path.join(baseDir, '.tandem'), uri);
    }
    assert.equal((openStore('file://data/store', { baseDir }) as FileStore).root, path.join(baseDir, 'data', 'store'));
  });

  void it('opens absolute file:/// URIs and paths as they are', () => {
    assert.equal((openStore('file:///var/tandem%20store', { baseDir }) as FileStore).root, path.resolve('/var/tandem store'));
    assert.equal((openStore('/var/tandem', { baseDir }) as FileStore).root, path.resolve('/var/tandem'));
  });

  void it('opens s3://bucket/prefix as an S3Store with the given client config', async () => {
    const store = openStore('s3://my-bucket/teams/shop/', {
      s3ClientConfig: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
    });
    assert.ok(store instanceof S3Store);
    assert.equal(store.bucket, 'my-bucket');
    assert.equal(store.prefix, 'teams/shop');
    assert.equal(store.uri, 's3://my-bucket/teams/shop');
    assert.equal(await store.client.config.region(), 'eu-west-1');
    assert.equal(store.client.config.forcePathStyle, true);
    store.destroy();
    const root = openStore('s3://my-bucket', { s3ClientConfig: { region: 'us-east-1' } }) as S3Store;
    assert.equal(root.prefix, '');
    assert.equal(root.client.config.forcePathStyle, false);
    root.destroy();
  });

  void it('rejects other schemes and an s3 URI without bucket, naming the URI', () => {
    for (const uri of ['gs://bucket/prefix', 'https://example.com/store', 's3:///prefix']) {
      assert.throws(() => openStore(uri), (error: Error) => error instanceof BadInputError && error.message.includes(`"${uri}"`), uri);
    }
    assert.throws(() => openStore(' '), BadInputError);
  });
});
