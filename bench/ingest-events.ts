/**
 * Events-mode ingestion throughput and memory: generates a synthetic shop (`generateShop`) of about `--events` raw
 * events per size, then builds its point-in-time table with `buildEventTable` (features and labels, the work
 * `tandem ingest` does before the shared table pipeline) in a fresh child process, so peak RSS is per size; and in
 * another fresh child the whole `ingestEvents` (hashing the logs, the table, labels, split, split files written to a
 * temporary file store). Prints one JSON line per size:
 * `{bench:"ingest-events", customers, events, seconds, eventsPerSecond, peakRssMB, ingestSeconds, ingestPeakRssMB,
 * tableRows, columns, threads, memoryLimit}`. `seconds` and `peakRssMB` are the table's, `ingest…` the whole
 * ingestion's; `customers` counts the customers file, `events` the session and order rows, `tableRows` the customers
 * who signed up before the cutoff. Progress goes to stderr.
 *
 * To show that memory follows the customers and not the events, the first size is measured once more with its
 * sessions file repeated `--repeat-sessions` times (same customers, several times the events; the line carries
 * `sessionsRepeated`). `--repeat-sessions 1` skips that.
 *
 * `--customers N` measures one shop of exactly N customers instead (no repeat), e.g. the 100,000-customer shop of
 * `tandem generate --customers 100000 --seed 1` with `--cutoff 2024-11-01`.
 *
 *   npx tsx bench/ingest-events.ts [--events 1000000,5000000] [--customers N] [--repeat-sessions 6] [--seed 1] [--cutoff 2024-10-01] [--threads 2] [--memory-limit 512MB]
 */
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildEventTable } from '../src/data/events/build-event-table.ts';
import { generateShop } from '../src/data/events/generate-shop.ts';
import { ingestEvents } from '../src/data/events/ingest-events.ts';
import { parseConfig } from '../src/config/load-config.ts';
import type { EventsConfig } from '../src/config/schema.ts';
import { FileStore } from '../src/store/file-store.ts';
import { measureInChild, peakRssMB } from './measure-in-child.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000,5000000' },
    seed: { type: 'string', default: '1' },
    cutoff: { type: 'string', default: '2024-10-01' },
    threads: { type: 'string', default: '2' },
    'memory-limit': { type: 'string', default: '512MB' },
    'repeat-sessions': { type: 'string', default: '6' },
    customers: { type: 'string' },
    child: { type: 'string' },
    whole: { type: 'boolean', default: false },
  },
});
const threads = Number(values.threads);
const memoryLimit = values['memory-limit'];

/** What a measuring child reports on stdout. */
interface ChildResult {
  readonly seconds: number;
  readonly peakRssMB: number;
  readonly tableRows: number;
  readonly columns: number;
}

async function measure(dir: string): Promise<ChildResult> {
  const files = { customers: path.join(dir, 'customers.csv'), sessions: path.join(dir, 'sessions.csv'), orders: path.join(dir, 'orders.csv') };
  const started = performance.now();
  let tableRows: number;
  let columns: number;
  if (values.whole) {
    const store = await mkdtemp(path.join(os.tmpdir(), 'tandem-bench-store-'));
    try {
      const config = parseConfig({ name: 'bench', data: { kind: 'events', ...files, cutoff: values.cutoff } }, 'bench') as EventsConfig;
      const { manifest } = await ingestEvents(config, new FileStore(store), { limits: { threads, memoryLimit } });
      tableRows = manifest.rows.train + manifest.rows.validation + manifest.rows.test;
      columns = manifest.featureColumns.length;
    } finally {
      await rm(store, { recursive: true, force: true });
    }
  } else {
    const built = await buildEventTable(files, { cutoff: values.cutoff, limits: { threads, memoryLimit } });
    tableRows = built.table.lines.length;
    columns = built.table.columns.length;
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, peakRssMB: peakRssMB(), tableRows, columns };
}

function runChild(dir: string, whole: boolean): Promise<ChildResult> {
  const args = ['--child', dir, '--cutoff', values.cutoff, '--threads', String(threads), '--memory-limit', memoryLimit, ...(whole ? ['--whole'] : [])];
  return measureInChild<ChildResult>(import.meta.url, args);
}

/** Events per customer of the generator, from a small shop (the generator's mix does not depend on its size). */
async function eventsPerCustomer(seed: number): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-bench-calibrate-'));
  try {
    const shop = await generateShop({ customers: 2000, seed, out: dir });
    return (shop.sessions + shop.orders) / shop.customers;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Measures a shop folder in a fresh child and prints its JSON line. */
async function report(dir: string, shopCustomers: number, events: number, extra: Record<string, unknown> = {}): Promise<void> {
  console.error(`building the table of ${events} events`);
  const result = await runChild(dir, false);
  console.error(`ingesting ${events} events`);
  const ingest = await runChild(dir, true);
  console.log(
    JSON.stringify({
      bench: 'ingest-events',
      customers: shopCustomers,
      events,
      seconds: Number(result.seconds.toFixed(3)),
      eventsPerSecond: Math.round(events / result.seconds),
      peakRssMB: result.peakRssMB,
      ingestSeconds: Number(ingest.seconds.toFixed(3)),
      ingestPeakRssMB: ingest.peakRssMB,
      tableRows: result.tableRows,
      columns: result.columns,
      threads,
      memoryLimit,
      ...extra,
    }),
  );
}

/** Appends the sessions file's data rows to itself until it holds `times` copies; returns the session rows added. */
async function repeatSessions(dir: string, times: number): Promise<number> {
  const file = path.join(dir, 'sessions.csv');
  const text = await readFile(file, 'utf8');
  const body = text.slice(text.indexOf('\n') + 1);
  const rows = body.split('\n').filter((line) => line !== '').length;
  await writeFile(file, text);
  for (let copy = 1; copy < times; copy++) await appendFile(file, body);
  return rows * (times - 1);
}

if (values.child !== undefined) {
  process.stdout.write(JSON.stringify(await measure(values.child)));
} else {
  const seed = Number(values.seed);
  const repeat = values.customers === undefined ? Number(values['repeat-sessions']) : 1;
  const perCustomer = values.customers === undefined ? await eventsPerCustomer(seed) : 1;
  const targets = values.customers === undefined ? values.events.split(',').map(Number) : [Number(values.customers)];
  for (const [index, target] of targets.entries()) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-bench-shop-'));
    try {
      const customers = Math.max(1, Math.round(target / perCustomer));
      console.error(`generating ${customers} customers in ${dir}`);
      const shop = await generateShop({ customers, seed, out: dir });
      const events = shop.sessions + shop.orders;
      await report(dir, shop.customers, events);
      if (index === 0 && repeat > 1) {
        const added = await repeatSessions(dir, repeat);
        await report(dir, shop.customers, events + added, { sessionsRepeated: repeat });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
