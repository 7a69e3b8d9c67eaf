// Raw data in S3: staged to a private folder, ingested by the unchanged local path, the folder removed. s3rver is
// started here on a free port (test/helpers/start-s3rver.ts).
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startS3rver, type RunningS3rver } from '../../test/helpers/start-s3rver.ts';
import { parseConfig } from '../config/load-config.ts';
import type { EventsConfig, TableConfig, TandemConfig } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { FileStore } from '../store/file-store.ts';
import { createS3Client, S3Store } from '../store/s3-store.ts';
import { createSeededRandom } from '../random/seeded-random.ts';
import { demoCutoff } from './events/demo-shop-config.ts';
import { generateShop } from './events/generate-shop.ts';
import { ingestDataset, type IngestDatasetResult } from './ingest-dataset.ts';
import { stageRawInputs } from './stage-raw-inputs.ts';

const RAW = 'raw';
const STORE_BUCKET = 'tandem';
let dir = '';
let server: RunningS3rver | undefined;
let client: S3Client;
let localCsv = '';
let shopDir = '';
let stagingCount = 0;

/** A fresh staging root per test, so "the staging folder is gone" is checked on its own. */
async function newStagingRoot(): Promise<string> {
  const root = path.join(dir, `staging-${++stagingCount}`);
  await mkdir(root);
  return root;
}

async function assertEmpty(folder: string): Promise<void> {
  assert.deepEqual(await readdir(folder), [], `${folder} is empty`);
}

/** A small telco-like table: id, two features, a binary and a regression label. */
function telcoCsv(rows: number): string {
  const random = createSeededRandom(11);
  const lines = ['customerID,tenure,Contract,MonthlyCharges,Churn'];
  for (let i = 0; i < rows; i++) {
    const tenure = 1 + random.int(72);
    const contract = ['Month-to-month', 'One year', 'Two year'][random.int(3)] ?? 'Month-to-month';
    const charges = (20 + random.next() * 90).toFixed(2);
    const churn = random.next() < (contract === 'Month-to-month' ? 0.45 : 0.1) ? 'Yes' : 'No';
    lines.push(`C${String(i).padStart(4, '0')},${tenure},${contract},${charges},${churn}`);
  }
  return `${lines.join('\n')}\n`;
}

function tableConfig(dataPath: string, labelColumn = 'Churn'): TableConfig {
  return parseConfig(
    {
      name: 'telco',
      data: { kind: 'table', path: dataPath, id: 'customerID' },
      tasks: [
        { name: 'churn', type: 'binary', label: { column: labelColumn, positive: ['Yes'] } },
        { name: 'spend', type: 'regression', label: { column: 'MonthlyCharges' } },
      ],
    },
    'test config',
  ) as TableConfig;
}

function shopConfig(folder: string): EventsConfig {
  const join = (name: string): string => (folder.startsWith('s3://') ? `${folder}/${name}` : path.join(folder, name));
  return parseConfig(
    { name: 'shop', data: { kind: 'events', customers: join('customers.csv'), sessions: join('sessions.csv'), orders: join('orders.csv'), cutoff: demoCutoff } },
    'test config',
  ) as EventsConfig;
}

async function upload(key: string, file: string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: RAW, Key: key, Body: await readFile(file) }));
}

/** What must not depend on where the data was read from. */
function sameDataset(a: IngestDatasetResult, b: IngestDatasetResult): void {
  assert.equal(a.manifest.datasetId, b.manifest.datasetId);
  assert.deepEqual(a.manifest.rows, b.manifest.rows);
  assert.deepEqual(a.manifest.taskStats, b.manifest.taskStats);
  assert.deepEqual(a.manifest.tasks, b.manifest.tasks);
  assert.deepEqual(a.manifest.featureColumns, b.manifest.featureColumns);
  assert.equal(a.manifest.source.sha256, b.manifest.source.sha256);
  assert.equal(a.quarantined, b.quarantined);
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-stage-raw-'));
  server = await startS3rver(path.join(dir, 's3rver'), [RAW, STORE_BUCKET]);
  client = createS3Client(server.clientConfig);
  localCsv = path.join(dir, 'local', 'telco.csv');
  await mkdir(path.dirname(localCsv));
  await appendFile(localCsv, telcoCsv(160));
  await upload('telco.csv', localCsv);

  shopDir = path.join(dir, 'shop');
  await generateShop({ customers: 300, seed: 5, out: shopDir });
  // One malformed order (negative amount), so quarantine.csv has a row that names its file.
  const firstCustomer = (await readFile(path.join(shopDir, 'customers.csv'), 'utf8')).split('\n')[1]?.split(',')[0] ?? '';
  await appendFile(path.join(shopDir, 'orders.csv'), `bad-order-1,${firstCustomer},2024-03-01T10:00:00Z,-5,books,1,\n`);
  for (const name of ['customers.csv', 'sessions.csv', 'orders.csv']) await upload(`shop/${name}`, path.join(shopDir, name));
});

after(async () => {
  client.destroy();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

void describe('stageRawInputs', () => {
  void it('returns local paths unchanged and creates nothing', async () => {
    const root = await newStagingRoot();
    const config = tableConfig(localCsv);
    const staged = await stageRawInputs(config, { s3ClientConfig: server?.clientConfig, tempRoot: root });
    assert.equal(staged.config, config);
    assert.equal(staged.dataPath, undefined);
    assert.deepEqual(staged.staged, []);
    await assertEmpty(root);
    await staged.cleanup();
  });

  void it('copies an s3:// table under its own name into a private folder, and removes it on cleanup', async () => {
    const root = await newStagingRoot();
    const staged = await stageRawInputs(tableConfig(`s3://${RAW}/telco.csv`), { s3Client: client, tempRoot: root });
    const local = staged.config.data.path;
    assert.equal(path.basename(local), 'telco.csv');
    assert.ok(local.startsWith(root), local);
    assert.equal(await readFile(local, 'utf8'), await readFile(localCsv, 'utf8'));
    assert.equal(staged.restoreUris(`cannot parse ${local}:3`), `cannot parse s3://${RAW}/telco.csv:3`);
    await staged.cleanup();
    await staged.cleanup();
    await assertEmpty(root);
  });

  void it('rejects an unknown format before downloading anything', async () => {
    const root = await newStagingRoot();
    await assert.rejects(stageRawInputs(tableConfig(`s3://${RAW}/telco.xlsx`), { s3Client: client, tempRoot: root }), BadInputError);
    await assertEmpty(root);
  });
});

void describe('ingestDataset from s3://', () => {
  void it('ingests a table from s3:// exactly as the same file read locally (same dataset id), staging removed', async () => {
    const root = await newStagingRoot();
    const local = await ingestDataset(tableConfig(localCsv), new FileStore(path.join(dir, 'table-local')));
    const remoteStore = new FileStore(path.join(dir, 'table-s3'));
    const remote = await ingestDataset(tableConfig(`s3://${RAW}/telco.csv`), remoteStore, { s3ClientConfig: server?.clientConfig, stagingRoot: root });
    assert.equal(remote.created, true);
    sameDataset(local, remote);
    assert.equal(remote.manifest.source.path, `s3://${RAW}/telco.csv`);
    const stored = JSON.parse((await remoteStore.get(`datasets/${remote.manifest.datasetId}/manifest.json`)).toString('utf8')) as { source: { path: string } };
    assert.equal(stored.source.path, `s3://${RAW}/telco.csv`);
    const folder = `datasets/${local.manifest.datasetId}`;
    for (const split of ['train.jsonl', 'validation.jsonl', 'test.jsonl']) {
      assert.ok((await remoteStore.get(`${folder}/${split}`)).equals(await new FileStore(path.join(dir, 'table-local')).get(`${folder}/${split}`)), split);
    }
    await assertEmpty(root);

    // --data s3://... over a local config, into an s3:// store whose own client reaches the raw bucket too.
    const s3Store = new S3Store({ bucket: STORE_BUCKET, prefix: 'team', clientConfig: server?.clientConfig });
    try {
      const viaFlag = await ingestDataset(tableConfig(path.join(dir, 'elsewhere.csv')), s3Store, { dataPath: `s3://${RAW}/telco.csv`, stagingRoot: root });
      sameDataset(local, viaFlag);
      assert.equal(viaFlag.manifest.source.path, `s3://${RAW}/telco.csv`);
      const again = await ingestDataset(tableConfig(`s3://${RAW}/telco.csv`), s3Store, { stagingRoot: root });
      assert.equal(again.created, false);
    } finally {
      s3Store.destroy();
    }
    await assertEmpty(root);
  });

  void it('ingests an events-mode shop from s3:// paths and from --raw s3://prefix like the local logs', async () => {
    const root = await newStagingRoot();
    const local = await ingestDataset(shopConfig(shopDir), new FileStore(path.join(dir, 'shop-local')));
    assert.equal(local.quarantined, 1);
    const remoteStore = new FileStore(path.join(dir, 'shop-s3'));
    const options = { s3ClientConfig: server?.clientConfig, stagingRoot: root };
    const remote = await ingestDataset(shopConfig(`s3://${RAW}/shop`), remoteStore, options);
    sameDataset(local, remote);
    assert.equal(remote.manifest.source.path, `s3://${RAW}/shop`);
    assert.equal(remote.manifest.events?.inputs.orders.path, `s3://${RAW}/shop/orders.csv`);
    const quarantine = (await remoteStore.get(`datasets/${remote.manifest.datasetId}/quarantine.csv`)).toString('utf8');
    assert.match(quarantine, new RegExp(`^s3://${RAW}/shop/orders\\.csv,\\d+,`, 'm'));
    assert.ok(!quarantine.includes(root), quarantine);
    await assertEmpty(root);

    // The same logs found by listing a --raw prefix are the same dataset (already stored: DuckDB is not run again).
    const viaRaw = await ingestDataset(shopConfig(path.join(dir, 'nowhere')), remoteStore, { ...options, rawDir: `s3://${RAW}/shop/` });
    assert.equal(viaRaw.created, false);
    sameDataset(local, viaRaw);
    await assertEmpty(root);
  });

  void it('reports a missing object or bucket as NotFoundError naming the URI and the field, staging removed', async () => {
    const root = await newStagingRoot();
    const options = { s3ClientConfig: server?.clientConfig, stagingRoot: root };
    const store = new FileStore(path.join(dir, 'missing'));
    const missingKey = `s3://${RAW}/no-such.csv`;
    await assert.rejects(ingestDataset(tableConfig(missingKey), store, options), (error: Error) => {
      assert.ok(error instanceof NotFoundError, String(error));
      assert.ok(error.message.includes(missingKey) && error.message.includes('data.path'), error.message);
      return true;
    });
    await assert.rejects(ingestDataset(tableConfig(localCsv), store, { ...options, dataPath: missingKey }), /--data: no object s3:\/\/raw\/no-such\.csv/);
    await assert.rejects(ingestDataset(tableConfig('s3://no-such-bucket/telco.csv'), store, options), (error: Error) => {
      assert.ok(error instanceof NotFoundError, String(error));
      assert.match(error.message, /data\.path: S3 bucket "no-such-bucket" does not exist/);
      return true;
    });
    // Two of the three logs exist: they are downloaded, then removed with the folder.
    const partial = { ...shopConfig(`s3://${RAW}/shop`) };
    const withMissingLog: EventsConfig = { ...partial, data: { ...partial.data, sessions: `s3://${RAW}/shop/missing-sessions.csv` } };
    await assert.rejects(ingestDataset(withMissingLog, store, options), /data\.sessions: no object s3:\/\/raw\/shop\/missing-sessions\.csv/);
    await assert.rejects(ingestDataset(shopConfig(shopDir), store, { ...options, rawDir: `s3://${RAW}/empty` }), (error: Error) => {
      assert.ok(error instanceof NotFoundError, String(error));
      assert.match(error.message, /--raw s3:\/\/raw\/empty: no customers, sessions, orders log/);
      return true;
    });
    await assertEmpty(root);
  });

  void it('removes the staging folder when ingestion fails after staging, and names the s3:// URI in the error', async () => {
    const root = await newStagingRoot();
    const config: TandemConfig = tableConfig(`s3://${RAW}/telco.csv`, 'NoSuchColumn');
    await assert.rejects(ingestDataset(config, new FileStore(path.join(dir, 'failing')), { s3ClientConfig: server?.clientConfig, stagingRoot: root }), (error: Error) => {
      assert.ok(error instanceof BadInputError, String(error));
      assert.ok(error.message.includes(`s3://${RAW}/telco.csv`), error.message);
      assert.ok(!error.message.includes(root), error.message);
      assert.ok(error.details.every((detail) => !detail.path.includes(root)), JSON.stringify(error.details));
      return true;
    });
    await assertEmpty(root);
  });
});
