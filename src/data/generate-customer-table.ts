import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { parseConfig } from '../config/load-config.ts';
import { isTableConfig, type TableConfig } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { exponential, pickIndex, poisson } from '../random/random-draws.ts';
import { createSeededRandom, type SeededRandom } from '../random/seeded-random.ts';
import type { RawRow } from './labelled-row.ts';

/** Size and seed of a synthetic customer table. */
export interface CustomerTableOptions {
  /** Number of customers (rows); a positive integer. */
  readonly customers: number;
  /** Same seed, same rows. */
  readonly seed: number;
}

/** A generated table: column names in file order and one row per customer (numbers as numbers, blanks as null). */
export interface CustomerTable {
  readonly columns: string[];
  readonly rows: RawRow[];
}

/** What {@link writeCustomerTableCsv} wrote. */
export interface WrittenCustomerTable {
  readonly file: string;
  readonly rows: number;
  readonly columns: readonly string[];
}

/**
 * Columns of the demo table, in file order: id, profile, behaviour over the past year, then the four label columns
 * (what happened in the 30/60 days after the snapshot).
 */
export const customerTableColumns: readonly string[] = [
  'customer_id',
  'age_band',
  'region',
  'channel',
  'has_app',
  'newsletter',
  'tenure_days',
  'customer_status',
  'orders_30d',
  'orders_90d',
  'orders_365d',
  'spend_90d',
  'spend_365d',
  'days_since_last_order',
  'sessions_30d',
  'avg_session_minutes',
  'categories_bought',
  'favourite_category',
  'purchased_next_30d',
  'spend_next_30d',
  'churned',
  'bought_new_category',
];

const categories = ['fashion', 'electronics', 'home', 'beauty', 'sports', 'books', 'toys', 'grocery'] as const;
const categoryPopularity = [0.22, 0.16, 0.16, 0.12, 0.1, 0.1, 0.07, 0.07];
const regions = ['north', 'south', 'east', 'west', 'central'] as const;
const regionWeights = [0.24, 0.22, 0.18, 0.2, 0.16];
/** Average order value multiplier per region (a mild price-level effect). */
const regionPrice = [1.0, 0.92, 1.05, 1.12, 0.97];
const channels = ['organic', 'paid_search', 'social', 'referral', 'email', 'affiliate'] as const;
const channelWeights = [0.32, 0.22, 0.18, 0.1, 0.1, 0.08];
/** Added to the latent dropout risk: customers bought with ads leave sooner, referred ones stay. */
const channelRisk = [0, 0.25, 0.45, -0.35, -0.2, 0.3];
const ageBands = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const;
const ageWeights = [0.14, 0.27, 0.23, 0.17, 0.12, 0.07];
const agePrice = [-0.5, -0.1, 0.2, 0.3, 0.2, 0.0];
const ageApp = [0.8, 0.6, 0.2, -0.2, -0.6, -1.0];

/** Windows that the observed counts cover, in days before the snapshot: [0,30), [30,90), [90,365), [365, tenure). */
const windowEdges = [0, 30, 90, 365] as const;
/** Share of their former browsing that customers who have quietly left still do. */
const residualBrowsing = 0.05;
/** Share of numeric cells blanked at random in the columns that real exports lose cells from. */
const missingShare = 0.02;

/**
 * Yields the rows of a synthetic one-row-per-customer shop snapshot, deterministically for `seed`.
 *
 * Each customer has latent traits — purchase rate, browsing intensity, dropout hazard, price level, category
 * affinity and appetite for new categories — that drive the observed features through a simple lifetime model
 * (orders and sessions are Poisson processes that stop when the customer silently drops out). The labels come
 * from the same process run 30/60 days past the snapshot, plus a per-customer change of pace nobody can observe,
 * so the four tasks share structure and a good model ranks them well without reaching certainty.
 */
export function* generateCustomerRows({ customers, seed }: CustomerTableOptions): Generator<RawRow> {
  checkOptions({ customers, seed });
  const random = createSeededRandom(seed);
  const idWidth = Math.max(6, String(customers).length);
  for (let i = 0; i < customers; i++) {
    yield generateCustomer(random, `C${String(i + 1).padStart(idWidth, '0')}`);
  }
}

/** The whole synthetic table in memory (see {@link generateCustomerRows}). */
export function generateCustomerTable(options: CustomerTableOptions): CustomerTable {
  return { columns: [...customerTableColumns], rows: [...generateCustomerRows(options)] };
}

/**
 * Streams the synthetic table to a CSV file (header first, blanks for missing cells), creating its folder.
 * Memory stays flat in the number of customers; 100k rows (9 MB) take one to two seconds.
 */
export async function writeCustomerTableCsv(file: string, options: CustomerTableOptions): Promise<WrittenCustomerTable> {
  checkOptions(options);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const stream = createWriteStream(file, { encoding: 'utf8' });
  const failed = once(stream, 'error').then(([error]: unknown[]) => {
    throw error;
  });
  // A rejection that no one awaits (the normal case, no error) must not crash the process.
  failed.catch(() => undefined);
  let rows = 0;
  let chunk: string[] = [customerTableColumns.map(csvCell).join(',')];
  const flush = async (): Promise<void> => {
    if (!stream.write(`${chunk.join('\n')}\n`)) await Promise.race([once(stream, 'drain'), failed]);
    chunk = [];
  };
  for (const row of generateCustomerRows(options)) {
    chunk.push(customerTableColumns.map((column) => csvCell(row[column] ?? null)).join(','));
    rows++;
    if (chunk.length >= 2000) await flush();
  }
  if (chunk.length > 0) await flush();
  stream.end();
  await Promise.race([finished(stream), failed]);
  return { file, rows, columns: customerTableColumns };
}

/**
 * The config that goes with the synthetic table at `csvPath`: name "demo", id `customer_id`, and the tasks
 * `purchase_intent`, `churn` (only for customers past their first 60 days, `customer_status` not "new"),
 * `cross_sell` and `next_spend` (regression). Validated, with the schema's defaults filled in.
 */
export function demoTableConfig(csvPath: string): TableConfig {
  const config = parseConfig(
    {
      name: 'demo',
      data: { kind: 'table', path: csvPath, id: 'customer_id' },
      tasks: [
        { name: 'purchase_intent', type: 'binary', label: { column: 'purchased_next_30d', positive: ['yes'] } },
        {
          name: 'churn',
          type: 'binary',
          label: { column: 'churned', positive: ['yes'] },
          when: { column: 'customer_status', notIn: ['new'] },
        },
        { name: 'cross_sell', type: 'binary', label: { column: 'bought_new_category', positive: ['yes'] } },
        { name: 'next_spend', type: 'regression', label: { column: 'spend_next_30d' } },
      ],
      split: { test: 0.2, validation: 0.1, seed: 42 },
    },
    'demo config',
  );
  if (!isTableConfig(config)) throw new Error('the demo config is table mode');
  return config;
}

function checkOptions({ customers, seed }: CustomerTableOptions): void {
  if (!Number.isInteger(customers) || customers < 1) {
    const issue = `customers must be a positive integer, got ${String(customers)}`;
    throw new BadInputError(issue, { value: customers, details: [{ path: 'customers', issue }] });
  }
  if (!Number.isInteger(seed)) {
    const issue = `seed must be an integer, got ${String(seed)}`;
    throw new BadInputError(issue, { value: seed, details: [{ path: 'seed', issue }] });
  }
}

/** One customer: draws the latent traits, simulates the past year and the next 60 days, returns the observed row. */
function generateCustomer(random: SeededRandom, id: string): RawRow {
  const normal = (): number => random.normal();
  const ageIndex = pickIndex(random, ageWeights);
  const regionIndex = pickIndex(random, regionWeights);
  const channelIndex = pickIndex(random, channelWeights);

  // Latent traits (standard-normal scores, correlated the way shoppers are).
  const engagement = normal();
  const browsing = 0.6 * engagement + 0.8 * normal();
  const risk = -0.45 * engagement + 0.85 * normal() + (channelRisk[channelIndex] ?? 0) + (ageIndex === 0 ? 0.2 : 0);
  const priceLevel = 0.5 * normal() + (agePrice[ageIndex] ?? 0) * 0.5;

  const orderRate = 0.014 * Math.exp(0.8 * engagement); // orders per active day
  const sessionRate = 0.07 * Math.exp(0.75 * browsing); // sessions per active day
  const hazard = 0.0011 * Math.exp(0.8 * risk); // dropouts per day
  const orderValue = 48 * Math.exp(0.4 * priceLevel) * (regionPrice[regionIndex] ?? 1);
  const sessionMinutes = 6 * Math.exp(0.25 * browsing + 0.3 * normal());
  const explore = sigmoid(-1.2 + 0.7 * normal() + 0.35 * browsing);
  const affinity = categoryPopularity.map((p) => p * Math.exp(1.4 * normal()));

  const hasApp = random.next() < sigmoid(-0.6 + 0.9 * browsing + (ageApp[ageIndex] ?? 0));
  const newsletter = random.next() < sigmoid(-0.7 + 0.5 * engagement - 0.4 * risk);

  // Lifetime: signed up `tenure` days ago, silently drops out after an exponential lifetime.
  const tenure = random.next() < 0.1 ? 1 + random.int(59) : Math.min(3000, 60 + Math.floor(exponential(random, 600)));
  const lifetime = exponential(random, 1 / hazard);
  const deadDays = Math.max(0, tenure - lifetime); // days since the customer left (0: still active)

  // Orders per window (most recent first); the oldest window's orders only feed category breadth.
  const counts: number[] = [];
  const spends: number[] = [];
  for (let w = 0; w < 4; w++) {
    const start = windowEdges[w] as number;
    const end = w < 3 ? (windowEdges[w + 1] as number) : Math.max(tenure, start);
    const active = overlap(start, end, deadDays, tenure);
    const n = poisson(random, orderRate * active);
    counts.push(n);
    spends.push(w < 3 ? orderSpend(random, n, orderValue) : 0);
  }
  const lifetimeOrders = counts.reduce((s, n) => s + n, 0);
  let bought = 0; // bit set of categories ever bought
  const boughtCounts = new Array<number>(categories.length).fill(0);
  for (let k = 0; k < Math.min(lifetimeOrders, 40); k++) {
    const c = pickCategory(random, affinity, explore);
    bought |= 1 << c;
    boughtCounts[c] = (boughtCounts[c] ?? 0) + 1;
  }
  const daysSinceLastOrder = lastOrderDaysAgo(random, counts, deadDays, tenure);

  const active30 = overlap(0, 30, deadDays, tenure);
  const sessions30 = poisson(random, sessionRate * (active30 + residualBrowsing * (Math.min(30, tenure) - active30)));
  const recency = daysSinceLastOrder ?? tenure;
  const status = tenure < 60 ? 'new' : recency <= 60 ? 'active' : recency <= 180 ? 'lapsing' : 'lost';
  const favourite = lifetimeOrders > 0 ? argmax(boughtCounts) : argmax(affinity);

  // The next 60 days: still-active customers keep their pace, times a change nobody observes.
  const remaining = deadDays > 0 ? 0 : exponential(random, 1 / hazard);
  const pace = Math.exp(0.45 * normal());
  const next30 = Math.min(30, remaining);
  const next60 = Math.min(60, remaining);
  const futureOrders30 = poisson(random, orderRate * pace * next30);
  const futureOrders60 = futureOrders30 + poisson(random, orderRate * pace * (next60 - next30));
  const futureSessions60 = poisson(random, sessionRate * (next60 + residualBrowsing * (60 - next60)));
  let newCategory = false;
  for (let k = 0; k < futureOrders30; k++) {
    // A customer who already buys broadly has fewer new categories left to try.
    if ((bought & (1 << pickCategory(random, affinity, Math.min(0.9, 2 * explore)))) === 0) newCategory = true;
  }
  const futureSpend30 = orderSpend(random, futureOrders30, orderValue);

  const maybeMissing = <T>(value: T): T | null => (random.next() < missingShare ? null : value);
  return {
    customer_id: id,
    age_band: maybeMissing(ageBands[ageIndex] ?? null),
    region: regions[regionIndex] ?? null,
    channel: channels[channelIndex] ?? null,
    has_app: hasApp ? 'yes' : 'no',
    newsletter: newsletter ? 'yes' : 'no',
    tenure_days: tenure,
    customer_status: status,
    orders_30d: counts[0] ?? 0,
    orders_90d: (counts[0] ?? 0) + (counts[1] ?? 0),
    orders_365d: (counts[0] ?? 0) + (counts[1] ?? 0) + (counts[2] ?? 0),
    spend_90d: round((spends[0] ?? 0) + (spends[1] ?? 0), 2),
    spend_365d: maybeMissing(round((spends[0] ?? 0) + (spends[1] ?? 0) + (spends[2] ?? 0), 2)),
    // Blank for a customer who never ordered, as an export from an orders table would leave it.
    days_since_last_order: daysSinceLastOrder,
    sessions_30d: sessions30,
    avg_session_minutes: maybeMissing(round(sessionMinutes * Math.exp(0.15 * normal()), 1)),
    categories_bought: popcount(bought),
    favourite_category: categories[favourite] ?? null,
    purchased_next_30d: futureOrders30 > 0 ? 'yes' : 'no',
    spend_next_30d: round(futureSpend30, 2),
    churned: futureOrders60 === 0 && futureSessions60 === 0 ? 'yes' : 'no',
    bought_new_category: newCategory ? 'yes' : 'no',
  };
}

/**
 * Days since the last order, consistent with the window counts: the last order lies in the most recent window that
 * has one, at the latest of its orders spread uniformly over the part of the window the customer was active in.
 * Null when there was no order at all.
 */
function lastOrderDaysAgo(random: SeededRandom, counts: readonly number[], deadDays: number, tenure: number): number | null {
  for (let w = 0; w < counts.length; w++) {
    const n = counts[w] ?? 0;
    if (n === 0) continue;
    const start = Math.max(windowEdges[w] as number, deadDays);
    const end = w < 3 ? Math.min(windowEdges[w + 1] as number, tenure) : tenure;
    // The minimum of n uniforms on [0, 1) is 1 - U^(1/n).
    const first = 1 - random.next() ** (1 / n);
    return Math.min(Math.floor(start + first * (end - start)), Math.max(Math.ceil(end) - 1, 0));
  }
  return null;
}

/** Length of [a, b) ∩ [lo, hi). */
function overlap(a: number, b: number, lo: number, hi: number): number {
  return Math.max(0, Math.min(b, hi) - Math.max(a, lo));
}

function orderSpend(random: SeededRandom, orders: number, orderValue: number): number {
  let total = 0;
  for (let k = 0; k < orders; k++) total += orderValue * Math.exp(0.45 * random.normal() - 0.1);
  return total;
}

/** A category: with probability `explore` any category alike, else by the customer's affinity. */
function pickCategory(random: SeededRandom, affinity: readonly number[], explore: number): number {
  return random.next() < explore ? random.int(categories.length) : pickIndex(random, affinity);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

function popcount(bits: number): number {
  let count = 0;
  for (let b = bits; b !== 0; b &= b - 1) count++;
  return count;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** A CSV cell: blank for null, quoted only when the text needs it. */
function csvCell(value: RawRow[string] | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
