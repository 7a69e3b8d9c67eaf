/**
 * The floor events ingestion is measured against: the plain DuckDB feature query ENVIRONMENT.md describes (RFM,
 * browsing and per-category features plus the three labels, joined per customer and written as Parquet), run on this
 * machine over the same generated shop that `bench:ingest` and `tandem ingest` read. It trusts the files: the CSV
 * reader guesses the types, no row is checked or quarantined, nothing is handed to JavaScript, and its features are a
 * subset of Tandem's. A second, minimal variant only counts and sums orders and sessions per customer (no windows, no
 * categories, one label). Prints one JSON line per variant:
 * `{bench:"duckdb-reference", variant, customers, events, seconds, peakRssMB, tableRows, threads}` (seconds and RSS of
 * a fresh process that only opens DuckDB and runs the query).
 *
 *   npx tsx bench/duckdb-reference.ts [--customers 100000] [--seed 1] [--cutoff 2024-11-01] [--threads 2]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateShop } from '../src/data/events/generate-shop.ts';
import { measureInChild, peakRssMB } from './measure-in-child.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    cutoff: { type: 'string', default: '2024-11-01' },
    threads: { type: 'string', default: '2' },
    child: { type: 'string' },
    variant: { type: 'string', default: 'full' },
  },
});

/** The variants: the full reference query, and a minimal one that shows the machine's floor for reading the files. */
const variants = ['full', 'minimal'] as const;
type Variant = (typeof variants)[number];

/** The query: one statement per step, the last writes the table as Parquet. */
function referenceStatements(dir: string, cutoff: string, variant: Variant): string[] {
  const file = (name: string): string => `read_csv('${path.join(dir, `${name}.csv`)}')`;
  const T = `TIMESTAMPTZ '${cutoff}'`;
  if (variant === 'minimal') {
    return [
      `CREATE TEMP TABLE features AS
       WITH o AS (SELECT customer_id, count(*) FILTER (ts < ${T}) AS orders, sum(amount) FILTER (ts < ${T}) AS spend, max(ts) FILTER (ts < ${T}) AS last_order,
                    count(*) FILTER (ts >= ${T}) > 0 AS purchase_later FROM ${file('orders')} GROUP BY ALL),
            s AS (SELECT customer_id, count(*) FILTER (ts < ${T}) AS sessions, sum(pages) FILTER (ts < ${T}) AS pages,
                    sum(duration_s) FILTER (ts < ${T}) AS duration FROM ${file('sessions')} GROUP BY ALL)
       SELECT * FROM ${file('customers')} c LEFT JOIN o USING (customer_id) LEFT JOIN s USING (customer_id)`,
      `COPY features TO '${path.join(dir, 'features.parquet')}' (FORMAT parquet)`,
    ];
  }
  const window = (days: number): string => `ts >= ${T} - INTERVAL ${days} DAY AND ts < ${T}`;
  return [
    `CREATE TEMP TABLE o AS SELECT customer_id, ts, amount, category FROM ${file('orders')}`,
    `CREATE TEMP TABLE s AS SELECT customer_id, category, ts >= ${T} AS future, (epoch_us(${T}) - epoch_us(ts)) // 2592000000000 AS months_before,
       count(*) AS n, sum(pages) AS pages, sum(duration_s) AS duration, max(ts) AS last_ts
     FROM ${file('sessions')} GROUP BY ALL`,
    `CREATE TEMP TABLE features AS
     WITH rfm AS (
       SELECT customer_id, count(*) FILTER (ts < ${T}) AS orders, sum(amount) FILTER (ts < ${T}) AS spend,
         (epoch_us(${T}) - epoch_us(max(ts) FILTER (ts < ${T}))) / 86400e6 AS recency_days,
         ${[7, 30, 90, 365].map((days) => `count(*) FILTER (${window(days)}) AS orders_${days}d, sum(amount) FILTER (${window(days)}) AS spend_${days}d`).join(', ')},
         count(DISTINCT category) FILTER (ts < ${T}) AS order_categories,
         count(*) FILTER (ts >= ${T} AND ts < ${T} + INTERVAL 30 DAY) > 0 AS purchase_intent,
         count(*) FILTER (ts >= ${T} AND ts < ${T} + INTERVAL 60 DAY) AS orders_in_churn_window
       FROM o GROUP BY customer_id),
     browsing AS (
       SELECT customer_id, sum(n) FILTER (NOT future) AS sessions, sum(n) FILTER (NOT future AND months_before < 1) AS sessions_30d,
         sum(n) FILTER (NOT future AND months_before < 3) AS sessions_90d, sum(pages) FILTER (NOT future) AS pages,
         sum(duration) FILTER (NOT future) AS duration, count(DISTINCT category) FILTER (NOT future) AS browse_categories,
         sum(n) FILTER (future AND last_ts < ${T} + INTERVAL 60 DAY) AS sessions_in_churn_window
       FROM s GROUP BY customer_id),
     per_category AS (PIVOT (SELECT customer_id, category, n FROM s WHERE NOT future) ON category USING sum(n) GROUP BY customer_id),
     bought_before AS (SELECT DISTINCT customer_id, category FROM o WHERE ts < ${T}),
     cross_sell AS (
       SELECT o.customer_id, ln(1 + sum(o.amount)) AS cross_sell FROM o ANTI JOIN bought_before b USING (customer_id, category)
       WHERE o.ts >= ${T} AND o.ts < ${T} + INTERVAL 30 DAY GROUP BY o.customer_id)
     SELECT c.*, rfm.* EXCLUDE (customer_id, orders_in_churn_window), browsing.* EXCLUDE (customer_id, sessions_in_churn_window),
       per_category.* EXCLUDE (customer_id), coalesce(cross_sell.cross_sell, 0) AS cross_sell,
       CASE WHEN coalesce(rfm.orders, 0) = 0 THEN NULL
            WHEN coalesce(rfm.orders_in_churn_window, 0) + coalesce(browsing.sessions_in_churn_window, 0) = 0 THEN 1 ELSE 0 END AS churn
     FROM ${file('customers')} c LEFT JOIN rfm USING (customer_id) LEFT JOIN browsing USING (customer_id)
       LEFT JOIN per_category USING (customer_id) LEFT JOIN cross_sell USING (customer_id)
     WHERE c.signup_date < ${T}`,
    `COPY features TO '${path.join(dir, 'features.parquet')}' (FORMAT parquet)`,
  ];
}

/** What a measuring child reports on stdout. */
interface Measured {
  readonly seconds: number;
  readonly peakRssMB: number;
  readonly tableRows: number;
}

/** Runs the query in this (fresh) process and reports its time, peak RSS and rows. */
async function measure(dir: string, variant: Variant): Promise<Measured> {
  const started = performance.now();
  const instance = await DuckDBInstance.create(':memory:', { threads: values.threads, memory_limit: '512MB', preserve_insertion_order: 'false' });
  const connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
  for (const statement of referenceStatements(dir, values.cutoff, variant)) await connection.run(statement);
  const seconds = (performance.now() - started) / 1000;
  const rows = (await connection.runAndReadAll('SELECT count(*)::DOUBLE AS n FROM features')).getRowObjectsJS()[0]?.n;
  connection.closeSync();
  instance.closeSync();
  return { seconds, peakRssMB: peakRssMB(), tableRows: Number(rows) };
}

function runChild(dir: string, variant: Variant): Promise<Measured> {
  return measureInChild<Measured>(import.meta.url, ['--child', dir, '--variant', variant, '--cutoff', values.cutoff, '--threads', values.threads]);
}

if (values.child !== undefined) {
  process.stdout.write(JSON.stringify(await measure(values.child, values.variant as Variant)));
} else {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-bench-reference-'));
  try {
    console.error(`generating ${values.customers} customers in ${dir}`);
    const shop = await generateShop({ customers: Number(values.customers), seed: Number(values.seed), out: dir });
    for (const variant of variants) {
      console.error(`running the ${variant} reference query in a fresh process`);
      const result = await runChild(dir, variant);
      console.log(
        JSON.stringify({
          bench: 'duckdb-reference',
          variant,
          customers: shop.customers,
          events: shop.sessions + shop.orders,
          seconds: Number(result.seconds.toFixed(3)),
          peakRssMB: result.peakRssMB,
          tableRows: result.tableRows,
          threads: Number(values.threads),
        }),
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
