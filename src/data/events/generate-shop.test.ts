import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { BadInputError } from '../../errors/bad-input-error.ts';
import type { RawRow } from '../labelled-row.ts';
import { parseCsv } from '../read-csv.ts';
import type { RawTable } from '../read-table.ts';
import { generateShop, shopCustomerColumns, shopOrderColumns, shopSessionColumns, type GeneratedShop } from './generate-shop.ts';
import { shopCategories } from './shop-catalog.ts';
import { isPromoDay } from './shop-calendar.ts';

const dayMs = 86_400_000;
const isoSecond = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

interface ParsedShop {
  customers: RawTable;
  sessions: RawTable;
  orders: RawTable;
}

async function readShop(folder: string): Promise<ParsedShop> {
  const read = async (name: string): Promise<RawTable> => parseCsv(await readFile(path.join(folder, name)), name);
  return { customers: await read('customers.csv'), sessions: await read('sessions.csv'), orders: await read('orders.csv') };
}

const text = (row: RawRow, column: string): string => String(row[column]);
const time = (row: RawRow): number => Date.parse(text(row, 'ts'));

/** Label rates of SPEC §3 at cutoff `T`, computed the plain way over the parsed files (a test-only reference). */
function labelRates({ customers, sessions, orders }: ParsedShop, cutoff: string): { purchaseIntent: number; churn: number; crossSell: number; labelledChurn: number } {
  const T = Date.parse(`${cutoff}T00:00:00Z`);
  const known = customers.rows.filter((row) => Date.parse(`${text(row, 'signup_date')}T00:00:00Z`) < T).map((row) => text(row, 'customer_id'));
  const state = new Map(known.map((id) => [id, { orderedBefore: new Set<string>(), bought: false, active: false, newSpend: 0 }]));
  const uniqueOrders = [...new Map(orders.rows.map((row) => [text(row, 'order_id'), row])).values()];
  for (const row of uniqueOrders) {
    const s = state.get(text(row, 'customer_id'));
    if (s !== undefined && time(row) < T) s.orderedBefore.add(text(row, 'category'));
  }
  for (const row of uniqueOrders) {
    const s = state.get(text(row, 'customer_id'));
    const t = time(row);
    if (s === undefined || t < T) continue;
    if (t < T + 30 * dayMs) {
      s.bought = true;
      if (!s.orderedBefore.has(text(row, 'category'))) s.newSpend += Number(row.amount);
    }
    if (t < T + 60 * dayMs) s.active = true;
  }
  for (const row of sessions.rows) {
    const s = state.get(text(row, 'customer_id'));
    const t = time(row);
    if (s !== undefined && t >= T && t < T + 60 * dayMs) s.active = true;
  }
  const all = [...state.values()];
  const churnLabelled = all.filter((s) => s.orderedBefore.size > 0);
  return {
    purchaseIntent: all.filter((s) => s.bought).length / all.length,
    churn: churnLabelled.filter((s) => !s.active).length / churnLabelled.length,
    crossSell: all.filter((s) => Math.log1p(s.newSpend) > 0).length / all.length,
    labelledChurn: churnLabelled.length,
  };
}

describe('generateShop', () => {
  let dir: string;
  let shop: ParsedShop;
  let result: GeneratedShop;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-shop-'));
    result = await generateShop({ customers: 3000, seed: 11, out: path.join(dir, 'main') });
    shop = await readShop(result.out);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the three files with the documented headers and reports their row counts', async () => {
    assert.deepEqual(shop.customers.columns, [...shopCustomerColumns]);
    assert.deepEqual(shop.sessions.columns, [...shopSessionColumns]);
    assert.deepEqual(shop.orders.columns, [...shopOrderColumns]);
    assert.deepEqual(result, { out: path.join(dir, 'main'), customers: 3000, sessions: shop.sessions.rows.length, orders: shop.orders.rows.length });
    assert.deepEqual((await readdir(result.out)).sort(), ['customers.csv', 'orders.csv', 'sessions.csv']);
    assert.equal(new Set(shop.customers.rows.map((row) => row.customer_id)).size, 3000);
  });

  it('is byte-identical for the same seed and differs for another', async () => {
    const again = await generateShop({ customers: 300, seed: 5, out: path.join(dir, 'a') });
    const same = await generateShop({ customers: 300, seed: 5, out: path.join(dir, 'b') });
    const other = await generateShop({ customers: 300, seed: 6, out: path.join(dir, 'c') });
    for (const file of ['customers.csv', 'sessions.csv', 'orders.csv']) {
      const bytes = await readFile(path.join(again.out, file));
      assert.ok(bytes.equals(await readFile(path.join(same.out, file))), `${file} differs between runs with one seed`);
      assert.ok(!bytes.equals(await readFile(path.join(other.out, file))), `${file} is the same for two seeds`);
    }
  });

  it('keeps every event between the customer\'s signup and the end, with well-formed values', () => {
    const signup = new Map(shop.customers.rows.map((row) => [text(row, 'customer_id'), Date.parse(`${text(row, 'signup_date')}T00:00:00Z`)]));
    const first = Date.parse('2023-01-01T00:00:00Z');
    const afterEnd = Date.parse('2025-01-01T00:00:00Z');
    for (const row of shop.customers.rows) assert.ok((signup.get(text(row, 'customer_id')) as number) >= first);
    for (const [file, rows] of [['sessions', shop.sessions.rows], ['orders', shop.orders.rows]] as const) {
      for (const row of rows) {
        const where = `${file} ${JSON.stringify(row)}`;
        assert.match(text(row, 'ts'), isoSecond, where);
        const since = signup.get(text(row, 'customer_id'));
        assert.ok(since !== undefined, `unknown customer in ${where}`);
        assert.ok(time(row) >= since && time(row) < afterEnd, `out of range: ${where}`);
        assert.ok((shopCategories as readonly string[]).includes(text(row, 'category')), where);
      }
    }
    for (const row of shop.orders.rows) {
      assert.match(text(row, 'amount'), /^\d+\.\d{2}$/);
      assert.ok(Number(row.amount) > 0);
      assert.ok(Number.isInteger(Number(row.items)) && Number(row.items) >= 1);
      assert.ok(row.promo === 'yes' || row.promo === 'no');
    }
    for (const row of shop.sessions.rows) assert.ok(Number(row.pages) >= 1 && Number(row.duration_s) > 0);
  });

  it('stays within a shorter history given by start and end', async () => {
    const short = await readShop((await generateShop({ customers: 200, seed: 3, start: '2024-02-01', end: '2024-03-31', out: path.join(dir, 'short') })).out);
    const from = Date.parse('2024-02-01T00:00:00Z');
    const to = Date.parse('2024-04-01T00:00:00Z');
    assert.ok(short.sessions.rows.length > 0 && short.orders.rows.length > 0);
    for (const row of [...short.sessions.rows, ...short.orders.rows]) assert.ok(time(row) >= from && time(row) < to, text(row, 'ts'));
  });

  it('carries the realistic defects: a few duplicated orders and a few % of blank profile fields', () => {
    const ids = shop.orders.rows.map((row) => text(row, 'order_id'));
    const duplicates = ids.length - new Set(ids).size;
    assert.ok(duplicates > 0 && duplicates / ids.length < 0.006, `${duplicates} duplicated of ${ids.length}`);
    for (const column of ['age_band', 'region', 'device_preference', 'newsletter']) {
      const blank = shop.customers.rows.filter((row) => row[column] === null).length / shop.customers.rows.length;
      assert.ok(blank > 0.003 && blank < 0.06, `${column} blank share ${blank}`);
    }
    for (const column of ['customer_id', 'signup_date', 'channel']) assert.ok(shop.customers.rows.every((row) => row[column] !== null), column);
  });

  it('has the label rates of a real shop at cutoff 2024-11-01 and 20–40 events per customer', () => {
    const rates = labelRates(shop, '2024-11-01');
    assert.ok(rates.purchaseIntent > 0.15 && rates.purchaseIntent < 0.35, `purchase_intent ${rates.purchaseIntent}`);
    assert.ok(rates.churn > 0.3 && rates.churn < 0.6, `churn ${rates.churn}`);
    assert.ok(rates.crossSell > 0.05 && rates.crossSell < 0.15, `cross_sell ${rates.crossSell}`);
    assert.ok(rates.labelledChurn > 1000, `${rates.labelledChurn} customers with an order before the cutoff`);
    const perCustomer = (shop.sessions.rows.length + shop.orders.rows.length) / shop.customers.rows.length;
    assert.ok(perCustomer > 20 && perCustomer < 40, `${perCustomer} events per customer`);
  });

  it('links browsing and buying: orders follow sessions in their category, heavy browsers buy more', () => {
    const browsed = new Set(shop.sessions.rows.map((row) => `${text(row, 'customer_id')}|${text(row, 'ts').slice(0, 10)}|${text(row, 'category')}`));
    const followed = shop.orders.rows.filter((row) => browsed.has(`${text(row, 'customer_id')}|${text(row, 'ts').slice(0, 10)}|${text(row, 'category')}`));
    assert.ok(followed.length / shop.orders.rows.length > 0.5, `${followed.length} of ${shop.orders.rows.length} orders after a same-day session in the category`);
    const count = (rows: RawRow[]): Map<string, number> => {
      const counts = new Map<string, number>();
      for (const row of rows) counts.set(text(row, 'customer_id'), (counts.get(text(row, 'customer_id')) ?? 0) + 1);
      return counts;
    };
    const sessions = count(shop.sessions.rows);
    const orders = count(shop.orders.rows);
    const ids = shop.customers.rows.map((row) => text(row, 'customer_id')).sort((a, b) => (sessions.get(a) ?? 0) - (sessions.get(b) ?? 0));
    const meanOrders = (part: string[]): number => part.reduce((s, id) => s + (orders.get(id) ?? 0), 0) / part.length;
    const quarter = Math.floor(ids.length / 4);
    assert.ok(meanOrders(ids.slice(-quarter)) > 3 * meanOrders(ids.slice(0, quarter)), 'the top browsing quarter buys far more than the bottom one');
  });

  it('follows the calendar: busier weekends, a November/December peak, sales with more and cheaper orders', () => {
    const days = new Map<string, { orders: number; amount: number }>();
    for (const row of shop.orders.rows) {
      const day = text(row, 'ts').slice(0, 10);
      const d = days.get(day) ?? { orders: 0, amount: 0 };
      d.orders++;
      d.amount += Number(row.amount);
      days.set(day, d);
    }
    const sum = (test: (day: Date) => boolean): { orders: number; amount: number; days: number } => {
      const total = { orders: 0, amount: 0, days: 0 };
      for (let t = Date.parse('2024-01-01T00:00:00Z'); t < Date.parse('2024-11-01T00:00:00Z'); t += dayMs) {
        const date = new Date(t);
        if (!test(date)) continue;
        const d = days.get(date.toISOString().slice(0, 10));
        total.days++;
        total.orders += d?.orders ?? 0;
        total.amount += d?.amount ?? 0;
      }
      return total;
    };
    const perDay = (s: { orders: number; days: number }): number => s.orders / s.days;
    const weekend = sum((d) => !isPromoDay(d) && (d.getUTCDay() === 0 || d.getUTCDay() === 6));
    const weekday = sum((d) => !isPromoDay(d) && d.getUTCDay() >= 1 && d.getUTCDay() <= 5);
    assert.ok(perDay(weekend) > 1.1 * perDay(weekday), 'weekends sell more');
    const sale = sum(isPromoDay);
    const regular = sum((d) => !isPromoDay(d));
    assert.ok(perDay(sale) > 1.4 * perDay(regular), 'sales sell more per day');
    assert.ok(sale.amount / sale.orders < 0.95 * (regular.amount / regular.orders), 'sale orders are cheaper');
    const month = (prefix: string): number => shop.orders.rows.filter((row) => text(row, 'ts').startsWith(prefix)).length;
    assert.ok(month('2024-12') > 1.3 * month('2024-09'), 'December beats September');
    const promoShare = (rows: RawRow[]): number => rows.filter((row) => row.promo === 'yes').length / rows.length;
    const inSale = shop.orders.rows.filter((row) => isPromoDay(new Date(text(row, 'ts'))));
    assert.ok(promoShare(inSale) > 0.5 && promoShare(shop.orders.rows.filter((row) => !inSale.includes(row))) < 0.1);
  });

  it('rejects bad options with BadInputError naming the field', async () => {
    const out = path.join(dir, 'bad');
    const cases: [Parameters<typeof generateShop>[0], string][] = [
      [{ customers: 0, seed: 1, out }, 'customers'],
      [{ customers: 10, seed: 1.5, out }, 'seed'],
      [{ customers: 10, seed: 1, start: '2024-02-30', out }, 'start'],
      [{ customers: 10, seed: 1, start: '2024-03-01', end: '2024-02-01', out }, 'end'],
    ];
    for (const [options, field] of cases) {
      await assert.rejects(generateShop(options), (error: unknown) => error instanceof BadInputError && error.details[0]?.path === field, field);
    }
  });

  it('leaves nothing behind when it fails part-way, and keeps an earlier shop whole', async () => {
    const out = path.join(dir, 'failing');
    await generateShop({ customers: 50, seed: 1, out });
    const before = await readFile(path.join(out, 'orders.csv'));
    const stop = new Error('stop');
    const failing = generateShop({
      customers: 5000,
      seed: 2,
      out,
      onProgress: ({ done }) => {
        if (done >= 2500) throw stop;
      },
    });
    await assert.rejects(failing, (error) => error === stop);
    assert.deepEqual((await readdir(out)).sort(), ['customers.csv', 'orders.csv', 'sessions.csv']);
    assert.ok(before.equals(await readFile(path.join(out, 'orders.csv'))));
    // A folder that cannot be created: a plain file is in the way.
    await writeFile(path.join(dir, 'a-file'), 'x');
    await assert.rejects(generateShop({ customers: 5, seed: 1, out: path.join(dir, 'a-file', 'shop') }));
  });

  it('streams: 20k customers (26 MB of CSV) fit in a 24 MB heap and raise RSS by less than 150 MB', async () => {
    // A child process with a capped old generation: holding the shop's rows would run out of heap.
    const script = [
      `const { generateShop } = await import(${JSON.stringify(new URL('./generate-shop.ts', import.meta.url).href)});`,
      'const rss = process.memoryUsage().rss;',
      `const shop = await generateShop({ customers: 20000, seed: 9, out: ${JSON.stringify(path.join(dir, 'big'))} });`,
      'console.log(JSON.stringify({ shop, growth: process.resourceUsage().maxRSS * 1024 - rss }));',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=24', '--import', 'tsx', '--input-type=module', '-e', script], { maxBuffer: 1 << 20 });
    const { shop: big, growth } = JSON.parse(stdout) as { shop: GeneratedShop; growth: number };
    assert.equal(big.customers, 20000);
    assert.ok(big.sessions + big.orders > 400_000, `${big.sessions + big.orders} events`);
    assert.ok(growth < 150 * 2 ** 20, `RSS grew by ${(growth / 2 ** 20).toFixed(0)} MB`);
  });
});
