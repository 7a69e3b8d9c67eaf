import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { BadInputError } from '../../errors/bad-input-error.ts';
import type { RawRow } from '../labelled-row.ts';
import { buildEventTable, type EventFiles, type EventTable } from './build-event-table.ts';
import { eventFeatureColumns, eventFeatureTable } from './event-feature-columns.ts';
import { writeEventLogs, type EventLogRow, type EventLogs } from './write-event-logs.ts';

const cutoff = '2024-06-01T00:00:00Z';
const T = Date.parse(cutoff);
const day = 86_400_000;
/** An ISO time `days` (+ `ms`) from the cutoff. */
const at = (days: number, ms = 0): string => new Date(T + days * day + ms).toISOString();

const customerRows: EventLogRow[] = [
  { customer_id: 'a', signup_date: at(-400), region: 'north', age: 34 },
  { customer_id: 'b', signup_date: at(-200), region: 'south, coast', age: 51 },
  { customer_id: 'c', signup_date: at(-300), region: 'east', age: '' },
  { customer_id: 'd', signup_date: at(-300), region: 'east', age: 28 },
  { customer_id: 'e', signup_date: at(-300), region: 'west', age: 45 },
  { customer_id: 'f', signup_date: at(-300), region: 'west', age: 45 },
  { customer_id: 'g', signup_date: cutoff, region: 'west', age: 22 }, // signs up at T: left out
  { customer_id: 'h', signup_date: at(0, -1), region: 'north', age: 60 }, // one millisecond before T: in, with nothing
];
const orderRows: EventLogRow[] = [
  { order_id: 'a1', customer_id: 'a', ts: at(-100), amount: 20, category: 'books' },
  { order_id: 'a1', customer_id: 'a', ts: at(-100), amount: 20, category: 'books' }, // exact duplicate: counts once
  { order_id: 'a2', customer_id: 'a', ts: at(0, -1), amount: 30, category: 'books' }, // T − 1 ms: a feature
  { order_id: 'a3', customer_id: 'a', ts: cutoff, amount: 50, category: 'toys' }, // exactly T: future, new category
  { order_id: 'a4', customer_id: 'a', ts: at(10), amount: 100, category: 'books' }, // bought before: not cross-sell
  { order_id: 'a5', customer_id: 'a', ts: at(30), amount: 999, category: 'garden' }, // T + H: past the horizon
  { order_id: 'b1', customer_id: 'b', ts: at(5), amount: 10, category: 'toys' }, // b's only order is after T
  { order_id: 'c1', customer_id: 'c', ts: at(-50), amount: 10, category: 'books' },
  { order_id: 'd1', customer_id: 'd', ts: at(-50), amount: 10, category: 'books' },
  { order_id: 'd2', customer_id: 'd', ts: at(-20), amount: 5, category: 'books' },
  { order_id: 'e1', customer_id: 'e', ts: at(-10), amount: 10, category: 'toys' },
  { order_id: 'e2', customer_id: 'e', ts: at(60), amount: 5, category: 'toys' }, // T + C: outside the churn window
  { order_id: 'f1', customer_id: 'f', ts: at(-10), amount: 10, category: 'toys' },
  { order_id: 'f2', customer_id: 'f', ts: at(30, -1), amount: 7, category: 'books' }, // last ms of the horizon
  { order_id: 'f3', customer_id: 'f', ts: at(30), amount: 100, category: 'books' }, // first ms after it
];
const sessionRows: EventLogRow[] = [
  { customer_id: 'a', ts: at(-5), pages: 3, duration_s: 60, category: 'books' },
  { customer_id: 'c', ts: at(-3), pages: 4, duration_s: 100, category: 'garden' }, // browsed, never bought
  { customer_id: 'c', ts: at(20), pages: 1, duration_s: 10, category: 'books' }, // only a session in [T, T+C)
  { customer_id: 'e', ts: at(61), pages: 2, duration_s: 20, category: 'toys' }, // after T + C
  { customer_id: 'g', ts: at(1), pages: 2, duration_s: 20, category: 'toys' },
];
const logs: EventLogs = {
  customers: { columns: ['customer_id', 'signup_date', 'region', 'age'], rows: customerRows },
  sessions: { columns: ['customer_id', 'ts', 'pages', 'duration_s', 'category'], rows: sessionRows },
  orders: { columns: ['order_id', 'customer_id', 'ts', 'amount', 'category'], rows: orderRows },
};

let dir = '';
let files: EventFiles;
let built: EventTable;
const rowOf = (table: EventTable, id: string): RawRow => {
  const row = table.table.rows.find((r) => r.customer_id === id);
  assert.ok(row, `customer ${id} is in the table`);
  return row;
};
const num = (row: RawRow, column: string): number => {
  const value = row[column];
  assert.equal(typeof value, 'number', `${String(row.customer_id)}.${column} is a number (got ${String(value)})`);
  return value as number;
};

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-events-'));
  files = await writeEventLogs(path.join(dir, 'csv'), logs);
  built = await buildEventTable(files, { cutoff, horizonDays: 30, churnDays: 60, topCategories: 2 });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('buildEventTable labels (SPEC §3)', () => {
  it('has one row per customer signed up before T, in file order, with their lines', () => {
    assert.deepEqual(
      built.table.rows.map((row) => row.customer_id),
      ['a', 'b', 'c', 'd', 'e', 'f', 'h'],
    );
    assert.deepEqual(built.table.lines, [2, 3, 4, 5, 6, 7, 9]);
    assert.equal(built.stats.excludedCustomers, 1);
    assert.equal(built.stats.duplicateOrders, 1);
    assert.equal(built.stats.orders, 14);
    assert.deepEqual(built.quarantine, []);
  });

  it('purchase_intent: an order in [T, T+H) — at T counts, at T+H does not', () => {
    const labels = Object.fromEntries(built.table.rows.map((row) => [row.customer_id, row.purchase_intent]));
    assert.deepEqual(labels, { a: 1, b: 1, c: 0, d: 0, e: 0, f: 1, h: 0 });
  });

  it('churn: null without an order before T; a session in [T, T+C) is not churn; T+C is outside', () => {
    const labels = Object.fromEntries(built.table.rows.map((row) => [row.customer_id, row.churn]));
    assert.deepEqual(labels, { a: 0, b: null, c: 0, d: 1, e: 1, f: 0, h: null });
  });

  it('cross_sell: ln(1 + horizon spend in categories never ordered before T)', () => {
    const close = (id: string, expected: number): void => assert.ok(Math.abs(num(rowOf(built, id), 'cross_sell') - expected) < 1e-12, `${id}: ${String(rowOf(built, id).cross_sell)} vs ${expected}`);
    close('a', Math.log1p(50)); // toys at T is new; books after T was bought before; garden at T+H is too late
    close('b', Math.log1p(10)); // no order before T: every category is new
    close('c', 0);
    close('f', Math.log1p(7)); // books in the last ms of the horizon, not the 100 at T+H
    close('h', 0);
  });
});

describe('buildEventTable features', () => {
  it('sees an order at T − 1 ms and none at or after T', () => {
    const a = rowOf(built, 'a');
    assert.equal(a.orders_total, 2);
    assert.equal(a.spend_total, 50);
    assert.ok(Math.abs(num(a, 'order_recency_days') - 1 / day) < 1e-9);
    assert.equal(a.orders_7d, 1);
    assert.equal(a.orders_90d, 1, 'the order 100 days back is outside the 90-day window');
    assert.equal(a.orders_365d, 2);
    assert.equal(a.avg_order_value, 25);
    assert.ok(Math.abs(num(a, 'interpurchase_mean_days') - (100 - 1 / day)) < 1e-9);
    assert.equal(a.interpurchase_std_days, null, 'one gap has no standard deviation');
    assert.equal(a.days_since_signup, 400);
    assert.equal(a.order_categories, 1, 'toys (at T) is not yet ordered');
    assert.equal(a.cat_toys_orders, 0);
  });

  it('computes windows, gaps, trends, browsing and category columns', () => {
    const d = rowOf(built, 'd');
    assert.equal(d.orders_30d, 1);
    assert.equal(d.orders_90d, 2);
    assert.equal(d.interpurchase_mean_days, 30);
    assert.equal(d.orders_trend, 1 - 1 / 3, '1 order in the last 30 days, 1 in the 90 before');
    assert.equal(d.spend_trend, 5 - 10 / 3);
    assert.equal(d.top_category_spend_share, 1);
    assert.equal(d.cat_books_orders, 2);
    assert.equal(d.cat_books_spend, 15);

    const c = rowOf(built, 'c');
    assert.equal(c.sessions_7d, 1);
    assert.equal(c.pages_7d, 4);
    assert.equal(c.duration_s_total, 100);
    assert.equal(c.browse_categories, 1);
    assert.equal(c.cat_other_sessions, 1, 'garden is not among the top 2 categories: pooled');
    assert.equal(c.cat_other_browsed_not_bought, 1);
    assert.equal(c.cat_books_browsed_not_bought, 0, 'the books session is after T');
    assert.ok(Math.abs(num(c, 'session_recency_days') - 3) < 1e-9);
    assert.deepEqual(built.categories, ['books', 'toys']);
    assert.equal(c.browsed_not_bought_categories, 1, 'garden; books was ordered');
    assert.equal(c.browsed_not_bought_sessions, 1);
    assert.equal(c.orders_per_day, 1 / 300);
    assert.equal(c.sessions_per_day, 1 / 300, 'the session after T does not count');
    const a = rowOf(built, 'a');
    assert.equal(a.browsed_not_bought_categories, 0, 'a browsed books and ordered them');
    assert.equal(a.browsed_not_bought_sessions, 0);
    assert.equal(a.orders_per_day, 2 / 400);
  });

  it('gives null recency and zero counts to a customer without events, and keeps profile columns typed', () => {
    const h = rowOf(built, 'h');
    assert.equal(h.order_recency_days, null);
    assert.equal(h.session_recency_days, null);
    assert.equal(h.orders_total, 0);
    assert.equal(h.sessions_30d, 0);
    assert.equal(h.top_category_spend_share, null);
    assert.equal(h.orders_per_day, 0, 'a signup a millisecond before T counts as a day');
    assert.equal(h.browsed_not_bought_sessions, 0);
    assert.equal(h.age, 60);
    assert.equal(rowOf(built, 'b').region, 'south, coast');
    assert.equal(rowOf(built, 'c').age, null);
  });

  it('builds the same features without labels, and eventFeatureColumns drops only the labels', async () => {
    const featuresOnly = await buildEventTable(files, { cutoff, topCategories: 2, labels: false });
    assert.deepEqual(featuresOnly.table.columns, eventFeatureColumns(built.table));
    assert.deepEqual(featuresOnly.table, eventFeatureTable(built.table));
    assert.equal(featuresOnly.table.columns[0], 'customer_id');
    for (const label of ['purchase_intent', 'churn', 'cross_sell']) assert.ok(!featuresOnly.table.columns.includes(label));
  });

  it('ranks the categories on events before T only', async () => {
    const futureGarden = Array.from({ length: 10 }, (_, i) => ({ order_id: `g${i}`, customer_id: 'c', ts: at(1 + i), amount: 1, category: 'garden' }));
    const moreFuture = await writeEventLogs(path.join(dir, 'future-garden'), { ...logs, orders: { ...logs.orders, rows: [...orderRows, ...futureGarden] } });
    const again = await buildEventTable(moreFuture, { cutoff, horizonDays: 30, churnDays: 60, topCategories: 2 });
    assert.deepEqual(again.categories, ['books', 'toys']);
    assert.deepEqual(eventFeatureTable(again.table).rows, eventFeatureTable(built.table).rows);
  });

  it('takes a fixed category list (to score with a model’s columns)', async () => {
    const fixed = await buildEventTable(files, { cutoff, categories: ['garden'], labels: false });
    assert.deepEqual(fixed.categories, ['garden']);
    const c = rowOf(fixed, 'c');
    assert.equal(c.cat_garden_browsed_not_bought, 1);
    assert.equal(c.cat_other_orders, 1);
    assert.ok(!fixed.table.columns.includes('cat_books_orders'));
  });

  it('reads JSONL and Parquet logs into the same table as CSV', async () => {
    const jsonDir = path.join(dir, 'jsonl');
    await writeEventLogs(jsonDir, logs); // then replace the files by JSONL / Parquet copies
    const jsonl = (rows: readonly EventLogRow[]): string => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
    const jsonFiles: EventFiles = { customers: path.join(jsonDir, 'customers.jsonl'), sessions: path.join(jsonDir, 'sessions.jsonl'), orders: path.join(jsonDir, 'orders.jsonl') };
    await writeFile(jsonFiles.customers, jsonl(customerRows.map((row) => ({ ...row, age: row.age === '' ? null : row.age }))));
    await writeFile(jsonFiles.sessions, jsonl(sessionRows));
    await writeFile(jsonFiles.orders, jsonl(orderRows));
    const fromJson = await buildEventTable(jsonFiles, { cutoff, horizonDays: 30, churnDays: 60, topCategories: 2 });
    assert.deepEqual(fromJson.table.rows, built.table.rows);
    assert.deepEqual(fromJson.table.lines, [1, 2, 3, 4, 5, 6, 8]);

    const parquetFiles: EventFiles = { customers: path.join(dir, 'customers.parquet'), sessions: path.join(dir, 'sessions.parquet'), orders: path.join(dir, 'orders.parquet') };
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    for (const name of ['customers', 'sessions', 'orders'] as const) {
      await connection.run(`COPY (SELECT * FROM read_csv('${files[name]}')) TO '${parquetFiles[name]}' (FORMAT parquet)`);
    }
    connection.closeSync();
    instance.closeSync();
    const fromParquet = await buildEventTable(parquetFiles, { cutoff, horizonDays: 30, churnDays: 60, topCategories: 2 });
    assert.deepEqual(fromParquet.table.rows, built.table.rows);
  });

  it('keeps profile columns whose names it uses inside (rn, malformed, reason)', async () => {
    const odd = await writeEventLogs(path.join(dir, 'odd-names'), {
      ...logs,
      customers: { columns: ['customer_id', 'signup_date', 'rn', 'malformed', 'reason'], rows: customerRows.map((row, i) => ({ ...row, rn: i, malformed: 'no', reason: 'x' })) },
    });
    const table = await buildEventTable(odd, { cutoff, labels: false });
    assert.deepEqual(table.table.columns.slice(0, 4), ['customer_id', 'rn', 'malformed', 'reason']);
    assert.deepEqual(
      table.table.rows.map((row) => row.rn),
      [0, 1, 2, 3, 4, 5, 7],
    );
  });

  it('names a missing column, a bad cutoff and an empty customer base', async () => {
    const noAmount = await writeEventLogs(path.join(dir, 'no-amount'), { ...logs, orders: { columns: ['order_id', 'customer_id', 'ts', 'category'], rows: orderRows } });
    await assert.rejects(buildEventTable(noAmount, { cutoff }), (error: unknown) => error instanceof BadInputError && /orders\.csv: missing column "amount"/.test(error.message));
    await assert.rejects(buildEventTable(files, { cutoff: 'June 1st' }), (error: unknown) => error instanceof BadInputError && /cutoff "June 1st"/.test(error.message));
    await assert.rejects(buildEventTable(files, { cutoff: '2020-01-01' }), (error: unknown) => error instanceof BadInputError && /no customer signed up before the cutoff/.test(error.message));
  });
  it('resolves cutoff "auto" to the day after the last event, minus the longer label window (labels) or not (scoring)', async () => {
    // The last event is e's session at T + 61 days (2024-08-01): the logs are complete up to 2024-08-02.
    const auto = await buildEventTable(files, { cutoff: 'auto' });
    assert.equal(auto.cutoff, '2024-06-03');
    const explicit = await buildEventTable(files, { cutoff: '2024-06-03' });
    assert.equal(explicit.cutoff, '2024-06-03');
    assert.deepEqual(auto.table.rows, explicit.table.rows);
    assert.equal((await buildEventTable(files, { cutoff: 'auto', horizonDays: 90 })).cutoff, '2024-05-04');
    assert.equal((await buildEventTable(files, { cutoff: 'auto', labels: false })).cutoff, '2024-08-02');
    const noTimes = await writeEventLogs(path.join(dir, 'no-times'), {
      ...logs,
      orders: { ...logs.orders, rows: orderRows.map((row) => ({ ...row, ts: 'soon' })) },
      sessions: { ...logs.sessions, rows: sessionRows.map((row) => ({ ...row, ts: '' })) },
    });
    await assert.rejects(buildEventTable(noTimes, { cutoff: 'auto' }), (error: unknown) => error instanceof BadInputError && /cutoff "auto" needs the last event's time/.test(error.message));
  });
});
