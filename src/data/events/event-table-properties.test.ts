import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { builtInEventLabelColumns } from '../../config/schema.ts';
import { createSeededRandom } from '../../random/seeded-random.ts';
import { buildEventTable, type EventTable } from './build-event-table.ts';
import { eventFeatureColumns } from './event-feature-columns.ts';
import { writeEventLogs, type EventLogRow, type EventLogs } from './write-event-logs.ts';

/**
 * Point-in-time properties on seeded random small shops: whatever happens at or after T never shows in a feature,
 * and a customer's future orders only ever reach that customer's labels.
 */

const cutoff = '2024-06-01T00:00:00Z';
const T = Date.parse(cutoff);
const day = 86_400_000;
const horizonDays = 30;
const churnDays = 60;
const categories = ['books', 'toys', 'garden', 'tech', 'food', 'music'];
const iterations = 20;
/** Shops per build in the first property. */
const shopsPerBuild = 4;

/** Uniform draws in [0, 1) from a seeded stream. */
type Draw = () => number;
const seeded = (seed: number): Draw => createSeededRandom(seed).next;

const int = (random: Draw, low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
const choose = <T>(random: Draw, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const iso = (ms: number): string => new Date(ms).toISOString();

/** A time around T, often on a boundary that an off-by-one would get wrong. */
function eventTime(random: Draw): number {
  const boundaries = [0, -1, 1, -7 * day, -30 * day, -90 * day, -120 * day, -365 * day, horizonDays * day, horizonDays * day - 1, churnDays * day, churnDays * day - 1];
  if (random() < 0.2) return T + choose(random, boundaries);
  return T + Math.round((random() * 500 - 400) * day);
}

/** A future time: at or after T. */
function futureTime(random: Draw): number {
  return random() < 0.25 ? T + choose(random, [0, 1, horizonDays * day - 1, horizonDays * day, churnDays * day]) : T + Math.round(random() * 120 * day);
}

function randomOrder(random: Draw, id: string, customer: string, ts: number): EventLogRow {
  return { order_id: id, customer_id: customer, ts: iso(ts), amount: random() < 0.05 ? 0 : Math.round(random() * 10_000) / 100, category: choose(random, categories) };
}

function randomSession(random: Draw, customer: string, ts: number): EventLogRow {
  return { customer_id: customer, ts: iso(ts), pages: int(random, 1, 20), duration_s: int(random, 5, 900), category: choose(random, categories) };
}

function randomShop(seed: number): EventLogs {
  const random = seeded(seed);
  const ids = Array.from({ length: int(random, 6, 12) }, (_, i) => `u${seed}_${i}`);
  const customers = ids.map((id) => ({
    customer_id: id,
    signup_date: iso(random() < 0.1 ? T : T - Math.round((random() * 510 - 10) * day)),
    region: choose(random, ['north', 'south']),
    age: random() < 0.2 ? null : int(random, 18, 80),
  }));
  const orders: EventLogRow[] = [];
  const sessions: EventLogRow[] = [];
  for (const id of ids) {
    for (let n = int(random, 0, 8); n > 0; n--) {
      const order = randomOrder(random, `o${orders.length}`, id, eventTime(random));
      orders.push(order);
      if (random() < 0.05) orders.push({ ...order });
    }
    for (let n = int(random, 0, 10); n > 0; n--) sessions.push(randomSession(random, id, eventTime(random)));
  }
  // Interleave customers' events as real logs do.
  const shuffle = (rows: EventLogRow[]): EventLogRow[] => rows.map((row) => ({ row, key: random() })).sort((a, b) => a.key - b.key).map(({ row }) => row);
  return {
    customers: { columns: ['customer_id', 'signup_date', 'region', 'age'], rows: customers },
    sessions: { columns: ['customer_id', 'ts', 'pages', 'duration_s', 'category'], rows: shuffle(sessions) },
    orders: { columns: ['order_id', 'customer_id', 'ts', 'amount', 'category'], rows: shuffle(orders) },
  };
}

const isFuture = (row: EventLogRow): boolean => Date.parse(String(row.ts)) >= T;

/** Changes, deletes and adds events at or after T only. */
function mutateFuture(shop: EventLogs, seed: number): EventLogs {
  const random = seeded(seed * 7919 + 1);
  const ids = shop.customers.rows.map((row) => String(row.customer_id));
  const orders: EventLogRow[] = [];
  for (const row of shop.orders.rows) {
    if (!isFuture(row)) orders.push(row);
    else if (random() < 0.3) continue;
    else if (random() < 0.5) orders.push({ ...randomOrder(random, String(row.order_id), String(row.customer_id), futureTime(random)) });
    else orders.push(row);
  }
  for (let n = int(random, 1, 6); n > 0; n--) orders.splice(int(random, 0, orders.length), 0, randomOrder(random, `new${n}`, choose(random, ids), futureTime(random)));
  const sessions: EventLogRow[] = [];
  for (const row of shop.sessions.rows) {
    if (!isFuture(row)) sessions.push(row);
    else if (random() < 0.3) continue;
    else if (random() < 0.5) sessions.push(randomSession(random, String(row.customer_id), futureTime(random)));
    else sessions.push(row);
  }
  for (let n = int(random, 1, 6); n > 0; n--) sessions.splice(int(random, 0, sessions.length), 0, randomSession(random, choose(random, ids), futureTime(random)));
  return { ...shop, orders: { ...shop.orders, rows: orders }, sessions: { ...shop.sessions, rows: sessions } };
}

const labelColumns = new Set<string>(builtInEventLabelColumns);

function features(table: EventTable): Record<string, unknown>[] {
  const columns = eventFeatureColumns(table.table);
  return table.table.rows.map((row) => Object.fromEntries(columns.map((column) => [column, row[column]])));
}

function labels(table: EventTable): Record<string, unknown>[] {
  return table.table.rows.map((row) => Object.fromEntries([['customer_id', row.customer_id], ...[...labelColumns].map((column) => [column, row[column]])]));
}

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-pit-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Shops side by side in one set of logs (customer ids differ by seed, so nothing is shared but the categories). */
function combineShops(shops: readonly EventLogs[]): EventLogs {
  const [first] = shops;
  assert.ok(first);
  return {
    customers: { ...first.customers, rows: shops.flatMap((shop) => shop.customers.rows) },
    sessions: { ...first.sessions, rows: shops.flatMap((shop) => shop.sessions.rows) },
    orders: { ...first.orders, rows: shops.flatMap((shop) => shop.orders.rows) },
  };
}

async function build(shop: EventLogs, name: string): Promise<EventTable> {
  const files = await writeEventLogs(path.join(dir, name), shop);
  return buildEventTable(files, { cutoff, horizonDays, churnDays, topCategories: 3, limits: { threads: 1 } });
}

describe('events mode point-in-time properties', () => {
  it(`future changes, additions and deletions leave every feature unchanged (${iterations} seeded shops)`, async () => {
    let labelsChanged = 0;
    // Shops in groups side by side (their customers never meet), to keep the builds few.
    for (let first = 1; first <= iterations; first += shopsPerBuild) {
      const seeds = Array.from({ length: shopsPerBuild }, (_, i) => first + i);
      const shops = seeds.map(randomShop);
      const base = await build(combineShops(shops), `base-${first}`);
      const mutated = await build(combineShops(shops.map((shop, i) => mutateFuture(shop, seeds[i] as number))), `future-${first}`);
      const which = `seeds ${seeds.join(', ')}`;
      assert.deepEqual(mutated.table.columns, base.table.columns, `${which}: same columns`);
      assert.deepEqual(features(mutated), features(base), `${which}: features unchanged`);
      assert.deepEqual(mutated.quarantine, [], `${which}: nothing quarantined`);
      const before = labels(base);
      labelsChanged += labels(mutated).filter((row, i) => JSON.stringify(row) !== JSON.stringify(before[i])).length;
    }
    assert.ok(labelsChanged >= iterations, `the mutations reach the labels of ${labelsChanged} customers, so they did touch the future`);
  });

  it(`deleting one customer's future orders changes only that customer's labels (${iterations} seeded shops)`, async () => {
    // The shops of all seeds side by side (their customers and orders never meet): one build before and one after
    // deleting, in every shop, the future orders of one customer who has some.
    const shops = Array.from({ length: iterations }, (_, i) => randomShop(101 + i));
    const base = await build(combineShops(shops), 'combined-base');
    const inTable = new Set(base.table.rows.map((row) => String(row.customer_id)));
    const targets = new Set<string>();
    const deleted = shops.map((shop): EventLogs => {
      const withFuture = shop.orders.rows.filter((row) => isFuture(row) && inTable.has(String(row.customer_id)));
      if (withFuture.length === 0) return shop;
      const target = String(choose(seeded(withFuture.length), withFuture).customer_id);
      targets.add(target);
      return { ...shop, orders: { ...shop.orders, rows: shop.orders.rows.filter((row) => !(row.customer_id === target && isFuture(row))) } };
    });
    const after = await build(combineShops(deleted), 'combined-deleted');
    assert.ok(targets.size >= iterations - 2, `${targets.size} shops had a customer with future orders`);
    assert.deepEqual(features(after), features(base), 'features unchanged');
    const before = labels(base);
    labels(after).forEach((row, i) => {
      const id = String(row.customer_id);
      if (targets.has(id)) {
        assert.equal(row.purchase_intent, 0, `${id} has no future order left`);
        assert.equal(row.cross_sell, 0);
      } else {
        assert.deepEqual(row, before[i], `${id}'s labels unchanged`);
      }
    });
  });
});
