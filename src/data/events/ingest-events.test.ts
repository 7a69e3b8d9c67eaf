import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../config/load-config.ts';
import { featuresSchema, modelSchema, selectionSchema, type EventsConfig } from '../../config/schema.ts';
import { selectBackend } from '../../model/backend.ts';
import { FileStore } from '../../store/file-store.ts';
import { trainCandidate } from '../../train/train-candidate.ts';
import { loadDataset } from '../load-dataset.ts';
import { eventsTableConfig, ingestEvents } from './ingest-events.ts';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/events/', import.meta.url));

/** A FileStore that records its puts. */
class RecordingStore extends FileStore {
  readonly puts: string[] = [];
  override async put(key: string, body: Buffer | Uint8Array | string): Promise<void> {
    this.puts.push(key);
    await super.put(key, body);
  }
}

async function shopConfig(overrides: Record<string, unknown> = {}): Promise<EventsConfig> {
  const { config } = await loadConfig(path.join(fixtures, 'shop.config.json'), overrides);
  assert.equal(config.data.kind, 'events');
  return config as EventsConfig;
}

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-ingest-events-'));
  await selectBackend();
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ingestEvents', () => {
  it('stores a dataset with the three built-in tasks, quarantine.csv and the events settings; idempotent', async () => {
    const config = await shopConfig();
    const store = new RecordingStore(path.join(dir, 'store-a'));
    const first = await ingestEvents(config, store, { now: () => new Date('2024-07-01T00:00:00Z') });
    assert.equal(first.created, true);
    assert.equal(first.quarantined, 0);
    const { manifest } = first;
    const folder = `datasets/${manifest.datasetId}`;
    assert.match(manifest.datasetId, /^shop_fixture-[0-9a-f]{12}$/);
    assert.equal(manifest.kind, 'events');
    assert.deepEqual(
      manifest.tasks.map((task) => task.name),
      ['purchase_intent', 'churn', 'cross_sell'],
    );
    assert.deepEqual(store.puts, ['train.jsonl', 'validation.jsonl', 'test.jsonl', 'quarantine.csv', 'manifest.json'].map((name) => `${folder}/${name}`));
    assert.equal((await store.get(`${folder}/quarantine.csv`)).toString('utf8'), 'file,line,reason\n');
    assert.equal(manifest.idColumn, 'customer_id');
    for (const gone of ['customer_id', 'purchase_intent', 'churn', 'cross_sell']) assert.ok(!manifest.featureColumns.includes(gone), `${gone} is no feature`);
    for (const kept of ['region', 'days_since_signup', 'order_recency_days', 'spend_90d', 'cat_other_browsed_not_bought']) assert.ok(manifest.featureColumns.includes(kept), `${kept} is a feature`);
    assert.equal(manifest.rows.train + manifest.rows.validation + manifest.rows.test, 80);
    assert.deepEqual(manifest.taskStats.purchase_intent, { labelled: 80, positives: 36 });
    assert.deepEqual(manifest.taskStats.churn, { labelled: 80, positives: 26 });
    assert.deepEqual(manifest.taskStats.cross_sell, { labelled: 80 });
    const events = manifest.events;
    assert.ok(events);
    assert.equal(events.cutoff, '2024-06-01');
    assert.equal(events.horizonDays, 30);
    assert.equal(events.churnDays, 60);
    assert.equal(events.quarantined, 0);
    assert.equal(events.stats.duplicateOrders, 1);
    assert.equal(events.categories.length, 5);
    assert.match(events.inputs.orders.sha256, /^[0-9a-f]{64}$/);

    const again = await ingestEvents(config, store);
    assert.equal(again.created, false);
    assert.deepEqual(again.manifest, manifest);
    assert.equal(store.puts.length, 5, 'nothing rewritten');

    const other = await ingestEvents(await shopConfig({ data: { cutoff: '2024-05-01' } }), store);
    assert.equal(other.created, true, 'another cutoff is another dataset');
    assert.notEqual(other.manifest.datasetId, manifest.datasetId);
  });

  it('reads a --raw folder instead of the config paths; the same bytes are the same dataset', async () => {
    const config = await shopConfig();
    const raw = path.join(dir, 'raw');
    await cp(path.join(fixtures, 'shop'), raw, { recursive: true });
    const store = new FileStore(path.join(dir, 'store-b'));
    const fromConfig = await ingestEvents(config, store);
    const fromRaw = await ingestEvents(config, store, { rawDir: raw });
    assert.equal(fromRaw.created, false);
    assert.equal(fromRaw.manifest.datasetId, fromConfig.manifest.datasetId);
    await assert.rejects(ingestEvents(config, store, { rawDir: path.join(dir, 'nowhere') }), /customers\.csv: no such file/);
  });

  it('keeps built-in label columns out of the features when a config declares its own tasks', async () => {
    const config = await shopConfig({ tasks: [{ name: 'churn', type: 'binary', label: { column: 'churn', positive: ['1'] } }] });
    assert.deepEqual(eventsTableConfig(config, 'x').data.exclude, ['purchase_intent', 'cross_sell']);
    const { manifest } = await ingestEvents(config, new FileStore(path.join(dir, 'store-c')));
    assert.ok(!manifest.featureColumns.includes('purchase_intent') && !manifest.featureColumns.includes('cross_sell'));
  });

  it('gives a dataset that loadDataset reads and trainCandidate trains (2 epochs)', async () => {
    const config = await shopConfig();
    const store = new FileStore(path.join(dir, 'store-d'));
    const { manifest } = await ingestEvents(config, store);
    const { splits, manifest: loaded } = await loadDataset(store, manifest.datasetId);
    assert.deepEqual(loaded, manifest);
    assert.equal(splits.train.length, manifest.rows.train);
    const row = splits.train[0];
    assert.ok(row);
    assert.deepEqual(Object.keys(row.labels), ['purchase_intent', 'churn', 'cross_sell']);
    const candidate = await trainCandidate({
      splits,
      featureColumns: manifest.featureColumns,
      tasks: manifest.tasks,
      params: modelSchema.parse({ sharedUnits: [16], towerUnits: [8], epochs: 2, batchSize: 32 }),
      features: featuresSchema.parse({}),
      selection: selectionSchema.parse({}),
    });
    try {
      assert.equal(candidate.training.history.length, 2);
      for (const task of ['purchase_intent', 'churn', 'cross_sell']) assert.ok(candidate.metrics.test.tasks[task], `${task} has test metrics`);
    } finally {
      candidate.network.training.dispose();
      candidate.network.serving.dispose();
    }
  });
  it('records the date a cutoff of "auto" stood for, and the rule', async () => {
    const config = await shopConfig({ data: { cutoff: 'auto' } });
    const { manifest } = await ingestEvents(config, new FileStore(path.join(dir, 'store-auto')));
    assert.equal(manifest.events?.cutoffRule, 'auto');
    assert.match(manifest.events?.cutoff ?? '', /^\d{4}-\d{2}-\d{2}$/);
    const fixed = await ingestEvents(await shopConfig(), new FileStore(path.join(dir, 'store-fixed')));
    assert.equal(fixed.manifest.events?.cutoffRule, undefined);
    assert.equal(fixed.manifest.events?.cutoff, '2024-06-01');
  });
});
