// The ingest function's measure step: raw input sizes from the file system and from S3 (s3rver, started here on a
// free port), which the workflow's Choice compares with batchIngestMinBytes.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ingestResultKey } from '../../functions/ingest/ingest-on-batch.ts';
import { measureRawInput, measureRawInputStep } from '../../functions/ingest/measure-raw-input.ts';
import { WorkflowStepError } from '../../functions/workflow-step-error.ts';
import { loadConfig, parseConfig } from '../../src/config/load-config.ts';
import type { TandemConfig } from '../../src/config/schema.ts';
import { NotFoundError } from '../../src/errors/not-found-error.ts';
import { createS3Client } from '../../src/store/s3-store.ts';
import { startS3rver, type RunningS3rver } from '../helpers/start-s3rver.ts';
import { tinyConfigFile, tinyDataFile } from '../helpers/train-tiny-model.ts';

const shopConfigFile = path.join(path.dirname(tinyConfigFile), 'events', 'shop.config.json');
const noS3 = (): S3Client => assert.fail('no S3 client for local paths');

describe('measuring raw inputs for the ingest Choice', () => {
  let dir = '';
  let server: RunningS3rver;
  let client: S3Client;
  let shop: TandemConfig;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-measure-'));
    server = await startS3rver(path.join(dir, 's3rver'), ['raw']);
    client = createS3Client(server.clientConfig);
    shop = (await loadConfig(shopConfigFile)).config;
    const data = shop.data as unknown as Record<string, string>;
    for (const name of ['customers', 'sessions', 'orders']) {
      await client.send(new PutObjectCommand({ Bucket: 'raw', Key: `shop/${name}.csv`, Body: await readFile(data[name] as string) }));
    }
  });
  after(async () => {
    client.destroy();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('sizes local files without an S3 client, and names the field of a missing one', async () => {
    const { config } = await loadConfig(tinyConfigFile);
    assert.deepEqual(await measureRawInput(config, noS3), [{ field: 'data.path', uri: tinyDataFile, bytes: (await stat(tinyDataFile)).size }]);
    const missing = parseConfig({ ...config, data: { ...config.data, path: path.join(dir, 'nope.csv') } }, 'test');
    await assert.rejects(measureRawInput(missing, noS3), (error: Error) => error instanceof NotFoundError && error.message === `data.path: no file ${path.join(dir, 'nope.csv')}`);
  });

  it('sizes s3:// objects with HeadObject (events mode: customers, sessions, orders), and names the field of a missing one', async () => {
    const data = shop.data as unknown as Record<string, string>;
    const onS3 = parseConfig({ ...shop, data: { ...shop.data, customers: 's3://raw/shop/customers.csv', sessions: 's3://raw/shop/sessions.csv', orders: 's3://raw/shop/orders.csv' } }, 'test');
    const files = await measureRawInput(onS3, () => client);
    const expected = await Promise.all(['customers', 'sessions', 'orders'].map(async (name) => ({ field: `data.${name}`, uri: `s3://raw/shop/${name}.csv`, bytes: (await stat(data[name] as string)).size })));
    assert.deepEqual(files, expected);
    assert.ok(files.every((file) => file.bytes > 0));
    const missing = parseConfig({ ...onS3, data: { ...onS3.data, orders: 's3://raw/shop/gone.csv' } }, 'test');
    await assert.rejects(measureRawInput(missing, () => client), (error: Error) => error instanceof NotFoundError && error.message === 'data.orders: no object s3://raw/shop/gone.csv');
  });

  it('returns the total, the threshold in force (the execution\'s override wins) and the result key of the execution', async () => {
    const { config } = await loadConfig(tinyConfigFile);
    const bytes = (await stat(tinyDataFile)).size;
    const deployed = await measureRawInputStep({ action: 'measure', input: { config }, executionName: 'run-1', batchIngestMinBytes: 1024 ** 3 }, noS3);
    assert.equal(deployed.rawBytes, bytes);
    assert.equal(deployed.batchIngestMinBytes, 1024 ** 3);
    assert.equal(deployed.resultKey, 'datasets/ingest-results/run-1.json');
    const overridden = await measureRawInputStep({ action: 'measure', input: { config, overrides: { batchIngestMinBytes: 0 } }, executionName: 'run-1', batchIngestMinBytes: 1024 ** 3 }, noS3);
    assert.equal(overridden.batchIngestMinBytes, 0);
    assert.equal(ingestResultKey('a b/c:d'), 'datasets/ingest-results/a_b_c_d.json');
    await assert.rejects(measureRawInputStep({ action: 'measure', input: { config, overrides: { batchIngestMinBytes: -5 } }, executionName: 'x', batchIngestMinBytes: 0 }, noS3),
      (error: Error) => error instanceof WorkflowStepError && /batchIngestMinBytes must be a whole number of bytes >= 0, got -5/.test(error.message));
  });
});
