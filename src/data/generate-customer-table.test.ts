import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { modelSchema } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { selectBackend } from '../model/backend.ts';
import { trainCandidate } from '../train/train-candidate.ts';
import { extractLabels } from './extract-labels.ts';
import { customerTableColumns, demoTableConfig, generateCustomerTable, writeCustomerTableCsv } from './generate-customer-table.ts';
import type { RawRow } from './labelled-row.ts';
import { readTable, type RawTable } from './read-table.ts';
import { splitDataset } from './split-dataset.ts';

const share = (rows: readonly RawRow[], test: (row: RawRow) => boolean): number => rows.filter(test).length / rows.length;
const asTable = (rows: RawRow[], source = 'generated'): RawTable => ({
  source,
  columns: [...customerTableColumns],
  rows,
  lines: rows.map((_, i) => i + 2),
});

describe('generateCustomerTable', () => {
  const { columns, rows } = generateCustomerTable({ customers: 5000, seed: 11 });

  it('is deterministic per seed and differs between seeds', () => {
    assert.deepEqual(generateCustomerTable({ customers: 300, seed: 3 }), generateCustomerTable({ customers: 300, seed: 3 }));
    assert.notDeepEqual(generateCustomerTable({ customers: 300, seed: 3 }).rows, generateCustomerTable({ customers: 300, seed: 4 }).rows);
    // A longer table starts with the shorter one's customers.
    assert.deepEqual(generateCustomerTable({ customers: 1000, seed: 11 }).rows, rows.slice(0, 1000));
  });

  it('gives every row every column and a unique id', () => {
    assert.deepEqual(columns, customerTableColumns);
    assert.equal(rows.length, 5000);
    for (const row of rows) assert.deepEqual(Object.keys(row), columns);
    assert.equal(new Set(rows.map((row) => row.customer_id)).size, rows.length);
  });

  it('keeps the observed features consistent with each other', () => {
    for (const row of rows) {
      const [o30, o90, o365] = [row.orders_30d, row.orders_90d, row.orders_365d] as number[];
      assert.ok((o30 as number) <= (o90 as number) && (o90 as number) <= (o365 as number), `orders windows of ${String(row.customer_id)}`);
      if ((o30 as number) > 0) assert.ok((row.days_since_last_order as number) < 30, `recency of ${String(row.customer_id)}`);
      if ((o365 as number) > 0) assert.ok((row.categories_bought as number) >= 1);
      if (row.days_since_last_order !== null) assert.ok((row.days_since_last_order as number) < (row.tenure_days as number));
      assert.equal(row.customer_status === 'new', (row.tenure_days as number) < 60);
      if (o90 === 0) assert.equal(row.spend_90d, 0);
    }
    assert.ok(new Set(rows.map((row) => row.favourite_category)).size === 8);
    assert.deepEqual(new Set(rows.map((row) => row.customer_status)), new Set(['new', 'active', 'lapsing', 'lost']));
  });

  it('leaves about 2% of some numeric cells blank', () => {
    for (const column of ['spend_365d', 'avg_session_minutes']) {
      const missing = share(rows, (row) => row[column] === null);
      assert.ok(missing > 0.01 && missing < 0.035, `${column}: ${missing}`);
    }
    assert.equal(share(rows, (row) => row.orders_30d === null), 0);
  });

  it('has label rates in sensible ranges', () => {
    const established = rows.filter((row) => row.customer_status !== 'new');
    const rates = {
      purchase: share(rows, (row) => row.purchased_next_30d === 'yes'),
      churn: share(established, (row) => row.churned === 'yes'),
      crossSell: share(rows, (row) => row.bought_new_category === 'yes'),
    };
    for (const [task, rate] of Object.entries(rates)) assert.ok(rate > 0.1 && rate < 0.6, `${task}: ${rate}`);
    // Cross-selling needs a purchase; churned customers did not buy in the next 30 days.
    for (const row of rows) {
      if (row.bought_new_category === 'yes') assert.equal(row.purchased_next_30d, 'yes');
      if (row.churned === 'yes') assert.equal(row.purchased_next_30d, 'no');
      assert.equal(row.purchased_next_30d === 'yes', (row.spend_next_30d as number) > 0);
    }
  });

  it('rejects a non-positive customer count and a fractional seed', () => {
    assert.throws(() => generateCustomerTable({ customers: 0, seed: 1 }), BadInputError);
    assert.throws(() => generateCustomerTable({ customers: 10, seed: 1.5 }), BadInputError);
  });
});

describe('writeCustomerTableCsv and demoTableConfig', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-gen-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the same rows as generateCustomerTable, which pass label extraction with the demo config', async () => {
    const file = path.join(dir, 'nested', 'customers.csv');
    const written = await writeCustomerTableCsv(file, { customers: 1500, seed: 5 });
    assert.equal(written.rows, 1500);
    const table = await readTable(file);
    const expected = generateCustomerTable({ customers: 1500, seed: 5 });
    assert.deepEqual(table.columns, expected.columns);
    // CSV cells are text: compare each cell's text, blanks as null.
    const asText = (row: RawRow): Record<string, string | null> =>
      Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value === null ? null : String(value)]));
    assert.deepEqual(table.rows.map(asText), expected.rows.map(asText));

    const config = demoTableConfig(file);
    assert.equal(config.name, 'demo');
    assert.equal(config.data.path, file);
    const labelled = extractLabels(table, config);
    assert.equal(labelled.idColumn, 'customer_id');
    assert.deepEqual(Object.keys(labelled.taskStats), ['purchase_intent', 'churn', 'cross_sell', 'next_spend']);
    const newCustomers = expected.rows.filter((row) => row.customer_status === 'new').length;
    assert.equal(labelled.taskStats.churn?.labelled, 1500 - newCustomers);
    for (const column of ['purchased_next_30d', 'churned', 'bought_new_category', 'spend_next_30d', 'customer_id']) {
      assert.ok(!labelled.featureColumns.includes(column), column);
    }
    assert.ok(labelled.featureColumns.includes('customer_status'), 'the when column stays a feature');
  });

  it('has learnable labels: a short training run ranks every binary task well above chance', async () => {
    await selectBackend();
    const tensorsBefore = tf.memory().numTensors;
    const { rows } = generateCustomerTable({ customers: 2000, seed: 21 });
    const config = demoTableConfig('generated.csv');
    const labelled = extractLabels(asTable(rows), config);
    const splits = splitDataset(labelled.rows, config.split, config.tasks);
    const candidate = await trainCandidate({
      splits,
      featureColumns: labelled.featureColumns,
      tasks: config.tasks,
      params: modelSchema.parse({ epochs: 5, batchSize: 64 }),
      features: config.features,
      selection: config.selection,
    });
    candidate.network.training.dispose();
    candidate.network.serving.dispose();
    for (const task of ['purchase_intent', 'churn', 'cross_sell']) {
      const auc = candidate.metrics.test.tasks[task]?.auc;
      assert.ok(auc !== null && auc !== undefined && auc > 0.65, `${task} test auc ${String(auc)}`);
    }
    assert.equal(tf.memory().numTensors, tensorsBefore);
  });
});
