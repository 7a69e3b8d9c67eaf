import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodeSqlParser from 'node-sql-parser';
import { cellOf, columnCellsOf, type RawTable } from '../read-table.ts';
import { athenaFeatureCtas, athenaFeatureSelect, type AthenaFeatureQueryOptions } from './athena-feature-sql.ts';
import { attachEventTables, registerAthenaShims } from './athena-duckdb-shims.ts';
import { athenaResultTable } from './athena-result-table.ts';
import { buildEventTable, type EventFiles, type EventTable } from './build-event-table.ts';
import { openDuckDbSession } from './duckdb-session.ts';
import { generateShop } from './generate-shop.ts';

const cutoff = '2024-10-01';
const tables = { customers: 'shop_customers', sessions: 'shop_sessions', orders: 'shop_orders' };
const profile = ['age_band', 'region', 'channel', 'device_preference', 'newsletter'];

let dir = '';
let files: EventFiles;
let duck: EventTable;

/** The options `athenaFeatureSelect` gets for the generated shop, with T as DuckDB parsed it. */
function queryOptions(topCategories: number, labels = true): AthenaFeatureQueryOptions {
  return {
    database: 'tandem_raw',
    tables,
    pit: { cutoff: BigInt(Date.parse(`${cutoff}T00:00:00Z`)) * 1000n, horizonDays: 30, churnDays: 60 },
    topCategories,
    profile,
    has: { pages: true, duration: true, category: true },
    labels,
  };
}

/** Runs the Athena text in DuckDB (with the documented shims) and lays its result out as the events table. */
async function runAthenaTextInDuckDb(options: AthenaFeatureQueryOptions): Promise<{ table: RawTable; categories: string[] }> {
  const session = await openDuckDbSession();
  try {
    await registerAthenaShims(session.connection);
    await attachEventTables(session.connection, options.database, tables, files);
    return await athenaResultTable(session.connection, `(${athenaFeatureSelect(options)})`, profile, files.customers);
  } finally {
    await session.close();
  }
}

/** Asserts two events tables hold the same columns and, per customer id, the same values (numbers within 1e-9). */
function assertSameTable(actual: RawTable, expected: RawTable): void {
  assert.deepEqual(actual.columns, expected.columns);
  assert.equal(actual.lines.length, expected.lines.length);
  const ids = columnCellsOf(expected, 'customer_id');
  const rowOf = new Map<unknown, number>();
  const actualIds = columnCellsOf(actual, 'customer_id');
  for (let r = 0; r < actual.lines.length; r++) rowOf.set(cellOf(actualIds, r), r);
  for (const column of expected.columns) {
    const want = columnCellsOf(expected, column);
    const got = columnCellsOf(actual, column);
    for (let r = 0; r < expected.lines.length; r++) {
      const id = cellOf(ids, r);
      const a = cellOf(got, rowOf.get(id) ?? -1);
      const e = cellOf(want, r);
      if (typeof e === 'number' && typeof a === 'number') {
        if (Number.isNaN(e)) assert.ok(Number.isNaN(a), `${String(id)}.${column}: want missing, got ${a}`);
        else assert.ok(Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e)), `${String(id)}.${column}: want ${e}, got ${a}`);
      } else {
        assert.equal(a, e, `${String(id)}.${column}`);
      }
    }
  }
}

describe('athenaFeatureSelect', () => {
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-athena-'));
    await generateShop({ customers: 200, seed: 11, out: dir });
    files = { customers: path.join(dir, 'customers.csv'), sessions: path.join(dir, 'sessions.csv'), orders: path.join(dir, 'orders.csv') };
    duck = await buildEventTable(files, { cutoff, horizonDays: 30, churnDays: 60, topCategories: 3 });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives, run in DuckDB with the Trino shims, the same features and labels as the DuckDB path', async () => {
    const athena = await runAthenaTextInDuckDb(queryOptions(3));
    assert.deepEqual(athena.categories, duck.categories);
    assert.ok(duck.table.lines.length > 120, 'most of the 200 customers signed up before T');
    assertSameTable(athena.table, duck.table);
  });

  it('gives the same table when every category gets its own columns, and without labels', async () => {
    const all = await buildEventTable(files, { cutoff, topCategories: 50, labels: false });
    const athena = await runAthenaTextInDuckDb(queryOptions(50, false));
    assert.deepEqual(athena.categories, all.categories);
    assertSameTable(athena.table, all.table);
  });

  // node-sql-parser 5.4 parses Trino queries but not CTAS table properties (`WITH (format = ...)`): the query is parsed,
  // the CTAS header matched.
  it('renders a CTAS whose query a Trino parser accepts, with no DuckDB-only syntax', () => {
    const ctas = athenaFeatureCtas(queryOptions(3), { database: 'tandem_raw', table: 'features_run1', location: 's3://store/athena/run1/' });
    assert.match(ctas, /^CREATE TABLE "tandem_raw"\."features_run1"\nWITH \(format = 'PARQUET', external_location = 's3:\/\/store\/athena\/run1\/'\) AS\n/);
    for (const duckOnly of [/::/, /\bfsum\b/, /\bfavg\b/, /GROUP BY ALL/, /\bQUALIFY\b/i, /FILTER \(WHERE/, /list_position/, /\bepoch_us\b/, /\bisfinite\b/]) {
      assert.doesNotMatch(ctas, duckOnly);
    }
    const parser = new nodeSqlParser.Parser();
    assert.doesNotThrow(() => parser.astify(athenaFeatureSelect(queryOptions(3)), { database: 'trino' }));
  });
});
