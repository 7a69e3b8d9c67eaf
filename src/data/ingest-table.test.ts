import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadTableConfig } from '../config/load-config.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { FileStore } from '../store/file-store.ts';
import { ingestTable } from './ingest-table.ts';
import { decodeSplitRows } from './split-file.ts';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
const telcoCsv = fileURLToPath(new URL('../../../shared/data/telco-customer-churn.csv', import.meta.url));

/** A FileStore that records the order of its puts, to check that the manifest comes last. */
class RecordingStore extends FileStore {
  readonly puts: string[] = [];
  override async put(key: string, body: Buffer | Uint8Array | string): Promise<void> {
    this.puts.push(key);
    await super.put(key, body);
  }
}

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-ingest-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

void describe('ingestTable', () => {
  void it('writes the three splits, then the manifest, and is idempotent', async () => {
    const { config } = await loadTableConfig(path.join(fixtures, 'customers.config.json'));
    const store = new RecordingStore(path.join(dir, 'store-a'));
    const now = (): Date => new Date('2024-05-01T00:00:00Z');
    const first = await ingestTable(config, store, { now });
    assert.equal(first.created, true);
    const { manifest } = first;
    const folder = `datasets/${manifest.datasetId}`;
    assert.match(manifest.datasetId, /^fixture-[0-9a-f]{12}$/);
    assert.deepEqual(store.puts, [`${folder}/train.jsonl`, `${folder}/validation.jsonl`, `${folder}/test.jsonl`, `${folder}/manifest.json`]);
    assert.equal(manifest.createdAt, '2024-05-01T00:00:00.000Z');
    assert.equal(manifest.idColumn, 'customer_id');
    assert.deepEqual(manifest.featureColumns, ['plan', 'internet', 'tenure']);
    assert.equal(manifest.rows.train + manifest.rows.validation + manifest.rows.test, 40);
    assert.deepEqual(manifest.taskStats.churn, { labelled: 40, positives: 10 });
    assert.deepEqual(manifest.taskStats.security_xsell, { labelled: 32, positives: 11 });
    assert.equal(manifest.source.path, path.join(fixtures, 'customers.csv'));

    const trainLines = (await store.get(`${folder}/train.jsonl`)).toString('utf8').trim().split('\n');
    assert.equal(trainLines.length, manifest.rows.train);
    const [row] = decodeSplitRows(Buffer.from(trainLines[0] ?? ''), 'train.jsonl', { featureColumns: manifest.featureColumns, taskNames: manifest.tasks.map((task) => task.name) });
    assert.deepEqual(Object.keys(row?.features ?? {}), ['plan', 'internet', 'tenure']);

    const again = await ingestTable(config, store, { now: () => new Date('2030-01-01T00:00:00Z') });
    assert.equal(again.created, false);
    assert.deepEqual(again.manifest, manifest);
    assert.equal(store.puts.length, 4, 'nothing rewritten');
  });

  void it('reads --data instead of data.path, and the same bytes give the same dataset', async () => {
    const { config } = await loadTableConfig(path.join(fixtures, 'customers.config.json'));
    const copy = path.join(dir, 'copy.csv');
    await copyFile(path.join(fixtures, 'customers.csv'), copy);
    const store = new FileStore(path.join(dir, 'store-b'));
    const fromConfig = await ingestTable(config, store);
    const fromFlag = await ingestTable(config, store, { dataPath: copy });
    assert.equal(fromFlag.created, false);
    assert.equal(fromFlag.manifest.datasetId, fromConfig.manifest.datasetId);
  });

  void it('rejects s3:// data paths and missing files with BadInputError', async () => {
    const { config } = await loadTableConfig(path.join(fixtures, 'customers.config.json'));
    const store = new FileStore(path.join(dir, 'store-c'));
    await assert.rejects(ingestTable(config, store, { dataPath: 's3://bucket/x.csv' }), (error: unknown) => error instanceof BadInputError && /not supported yet/.test(error.message));
    await assert.rejects(ingestTable(config, store, { dataPath: path.join(dir, 'none.csv') }), /none\.csv: no such file/);
    assert.deepEqual(await store.list('datasets'), []);
  });

  void it('ingests the real Telco file with the example config', { skip: existsSync(telcoCsv) ? false : `${telcoCsv} is absent` }, async () => {
    const { config } = await loadTableConfig(path.join(examples, 'telco.config.json'));
    assert.equal(config.data.path, telcoCsv);
    const { manifest } = await ingestTable(config, new FileStore(path.join(dir, 'store-telco')));
    assert.equal(manifest.rows.train + manifest.rows.validation + manifest.rows.test, 7043);
    assert.deepEqual(manifest.taskStats.churn, { labelled: 7043, positives: 1869 });
    assert.equal(manifest.taskStats.security_xsell?.labelled, 5517);
    assert.equal(manifest.taskStats.support_xsell?.labelled, 5517);
    assert.deepEqual(manifest.taskStats.spend, { labelled: 7043 });
    assert.ok(manifest.featureColumns.includes('InternetService'));
    for (const gone of ['customerID', 'TotalCharges', 'Churn', 'OnlineSecurity', 'TechSupport', 'MonthlyCharges']) {
      assert.ok(!manifest.featureColumns.includes(gone), `${gone} is not a feature`);
    }
    assert.equal(manifest.featureColumns.length, 15);
  });
});
