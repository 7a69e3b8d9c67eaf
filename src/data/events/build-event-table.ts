import type { DuckDBConnection } from '@duckdb/node-api';
import { builtInEventLabelColumns } from '../../config/schema.ts';
import { BadInputError } from '../../errors/bad-input-error.ts';
import { tableFromColumns, type RawTable } from '../read-table.ts';
import { openDuckDbSession, sqlIdentifier, sqlString, type DuckDbLimits } from './duckdb-session.ts';
import { eventTableColumns, type EventTableColumn } from './event-table-columns.ts';
import { readResultColumns, readTextColumns } from './duckdb-columns.ts';
import {
  categorySlotsSql,
  customerCategorySql,
  customerNumbersSql,
  orderBandsSql,
  sessionBandsSql,
  sessionGroupsSql,
  topCategoriesSql,
  type CategoryColumns,
  type PointInTime,
} from './event-feature-sql.ts';
import { openEventFile, type EventFile } from './event-file.ts';
import { collectQuarantine, type CheckedRows, type QuarantinedRow } from './event-quarantine.ts';

/** The three raw logs of events mode (SPEC §3): CSV, JSONL or Parquet by extension. */
export interface EventFiles {
  /** `customer_id`, `signup_date`, then profile columns. */
  readonly customers: string;
  /** `customer_id`, `ts`, then optional `pages`, `duration_s`, `category` (other columns are ignored). */
  readonly sessions: string;
  /** `order_id`, `customer_id`, `ts`, `amount`, `category` (other columns are ignored). */
  readonly orders: string;
}

/** Options of {@link buildEventTable}; the defaults are those of the events config (SPEC §3). */
export interface BuildEventTableOptions {
  /**
   * T, an ISO 8601 date or time (UTC when it has no offset): features see events with ts < T. `auto`: the UTC day
   * after the last event (of orders and sessions), minus max(horizonDays, churnDays) when labels are computed, so
   * that the logs cover the label windows; without labels (scoring), that day itself.
   */
  readonly cutoff: string;
  /** @default 30 */
  readonly horizonDays?: number;
  /** @default 60 */
  readonly churnDays?: number;
  /** K: categories with their own columns, the most frequent before T; the rest are pooled as `other`. @default 8 */
  readonly topCategories?: number;
  /** Share of malformed rows per file above which the build fails. @default 0.01 */
  readonly maxBadRowShare?: number;
  /** Compute the label columns (false for scoring: only features). @default true */
  readonly labels?: boolean;
  /**
   * The categories that get their own columns, in order, instead of the K most frequent: pass the list a model was
   * trained with (`manifest.events.categories`) so that scoring builds the same columns.
   */
  readonly categories?: readonly string[];
  /** DuckDB's threads, memory limit and spill folder. */
  readonly limits?: DuckDbLimits;
}

/** Counts of a build. */
export interface EventTableStats {
  /** Rows of the table: customers who signed up before T, with a good customers row. */
  readonly customers: number;
  /** Good sessions of those customers (before and after T). */
  readonly sessions: number;
  /** Good orders of those customers, exact duplicates removed. */
  readonly orders: number;
  /** Quarantined rows over the three files. */
  readonly badRows: number;
  /** Order rows dropped as exact copies of another order row (same order_id, customer, ts, amount, category). */
  readonly duplicateOrders: number;
  /** Customers left out because they signed up at or after T (nothing about them is observable at T). */
  readonly excludedCustomers: number;
  /** Data rows read per file (good and bad). */
  readonly rowsRead: { readonly customers: number; readonly sessions: number; readonly orders: number };
  readonly seconds: number;
}

/** The point-in-time table of events mode. */
export interface EventTable {
  /** One row per customer in customers-file order: `customer_id`, features, then the labels (when asked for). */
  readonly table: RawTable;
  /** Malformed rows, by file (customers, sessions, orders) and line. */
  readonly quarantine: QuarantinedRow[];
  readonly stats: EventTableStats;
  /** The categories that got their own columns, in column order (record them to score with the same columns). */
  readonly categories: string[];
  /** T as used: the option as given, or the date `auto` stood for (YYYY-MM-DD). */
  readonly cutoff: string;
}

const required = {
  customers: ['customer_id', 'signup_date'],
  sessions: ['customer_id', 'ts'],
  orders: ['order_id', 'customer_id', 'ts', 'amount', 'category'],
} as const;

/** Longest raw value quoted in a quarantine reason. */
const maxQuotedValue = 60;

/**
 * Events mode (SPEC §3): turns the raw customers, sessions and orders logs into one row per customer as of the cutoff
 * T. DuckDB reads and aggregates the files (all columns as text, checked with TRY_CAST) down to narrow per-customer
 * parts (per time band, per category slot), and `eventTableColumns` lays those out as the table's columns (numbers in
 * Float64Arrays): memory grows with the number of customers, not events, and no event or row becomes a JS object.
 *
 * Features use only events with ts < T: days since signup; recency of the last order and session; order counts and
 * spend over 7/30/90/365 days and lifetime; average order value; days since the first order; mean and standard
 * deviation of the days between orders; trends (last 30 days minus a third of the 90 days before them, for orders,
 * spend and sessions); session counts, pages and durations over the same windows; distinct categories ordered and
 * browsed; share of spend in the top category; per category (the K most frequent before T, the rest pooled as
 * `other`) orders, spend, sessions and browsed_not_bought; and the profile columns (numbers where every value is one).
 * Missing means unknown (null: recency without an order), counts and sums are 0.
 *
 * Labels: purchase_intent (an order with T ≤ ts < T+H), churn (null without an order before T; else 1 when there is
 * no order and no session with T ≤ ts < T+C), cross_sell (ln(1 + spend with T ≤ ts < T+H in categories not ordered
 * before T)). Customers who signed up at or after T are left out. Exact duplicate order rows count once.
 *
 * Malformed rows are quarantined with their exact line: a row that is too short or long, unreadable JSON, a missing
 * or unparsable id, ts, signup_date or amount, a negative amount, an event of a customer_id that is not in the
 * customers file, a repeated customer_id.
 * @throws BadInputError for a missing or unreadable file, a missing required column, a bad cutoff, more bad rows in
 *   a file than `maxBadRowShare` allows (naming file, lines and reasons), or no customer signed up before T.
 */
export async function buildEventTable(files: EventFiles, options: BuildEventTableOptions): Promise<EventTable> {
  const started = performance.now();
  const { horizonDays = 30, churnDays = 60, topCategories = 8, maxBadRowShare = 0.01, labels = true } = options;
  const session = await openDuckDbSession(options.limits);
  try {
    const connection = session.connection;
    const customers = await openChecked(connection, files.customers, 'customers');
    const sessions = await openChecked(connection, files.sessions, 'sessions');
    const orders = await openChecked(connection, files.orders, 'orders');
    const cutoff = options.cutoff.trim() === 'auto' ? await autoCutoff(connection, [orders, sessions], labels ? Math.max(horizonDays, churnDays) : 0) : options.cutoff;
    const pit: PointInTime = { cutoff: await parseCutoff(connection, cutoff), horizonDays, churnDays };

    const profile = customers.columns.filter((column) => column !== 'customer_id' && column !== 'signup_date');
    await connection.run(`CREATE TEMP TABLE customer_rows AS ${customerRowsSelect(customers.relation({ numbered: true, storeRejects: true }), profile)}`);
    const customerBad = await collectQuarantine(connection, customers, tableRows('customer_rows', 'SELECT rn, reason FROM customer_rows'), maxBadRowShare);
    await connection.run(`CREATE TEMP TABLE customers AS
      SELECT (row_number() OVER (ORDER BY rn) - 1)::INTEGER AS cidx, * EXCLUDE (reason, malformed)
      FROM customer_rows WHERE reason IS NULL AND signup_us < ${pit.cutoff}`);
    const tableCustomers = await countRows(connection, 'customers');
    if (tableCustomers === 0) {
      const issue = `no customer signed up before the cutoff ${cutoff} (of ${customerBad.rows} rows)`;
      throw new BadInputError(`${files.customers}: ${issue}`, { value: cutoff, details: [{ path: files.customers, issue }] });
    }
    // Every customer_id of the customers file as an ENUM, the table's customers first (code = cidx): events find
    // their customer by a dictionary cast, not a join whose hash table DuckDB might build on the events side.
    await connection.run(`CREATE TYPE customer_key AS ENUM (
      SELECT customer_id FROM (SELECT DISTINCT r.customer_id, c.cidx FROM customer_rows r LEFT JOIN customers c ON c.customer_id = r.customer_id WHERE r.customer_id IS NOT NULL)
      ORDER BY cidx NULLS LAST, customer_id)`);
    // Read tables are dropped as soon as they have given what they hold: DuckDB reuses their memory for the next
    // step, and fresh memory (page faults) is what costs most here.
    const goodCustomers = await countRows(connection, 'customer_rows', 'reason IS NULL');
    await connection.run('DROP TABLE customer_rows');

    const has = { pages: sessions.columns.includes('pages'), duration: sessions.columns.includes('duration_s'), category: sessions.columns.includes('category') };
    // Events are read on all threads without row numbers; only when some rows are bad are they read again, numbered
    // (on one thread), to find those rows' lines.
    const orderRows = (numbered: boolean): string => orderRowsSelect(orders.relation({ numbered, storeRejects: !numbered }), tableCustomers);
    await connection.run(`CREATE TEMP TABLE order_rows AS SELECT * EXCLUDE (rn) FROM (${orderRows(false)})`);
    const orderBad = await collectQuarantine(connection, orders, tableRows('order_rows', `SELECT rn, reason FROM (${orderRows(true)})`), maxBadRowShare);
    await connection.run(`CREATE TEMP TABLE orders AS
      SELECT DISTINCT cidx, order_id, ts_us, amount, category FROM order_rows WHERE reason IS NULL AND cidx IS NOT NULL`);
    const goodOrderRows = await countRows(connection, 'order_rows', 'reason IS NULL AND cidx IS NOT NULL');
    await connection.run('DROP TABLE order_rows');
    // Sessions, most of the events, are aggregated as they are read and never stored.
    await connection.run(sessionGroupsSql(pit, sessionReadingsSelect(sessions.relation({ numbered: false, storeRejects: true }), has), customerCodeOf('customer_id'), tableCustomers));
    const sessionBadRows = sessionBadRowsSelect(sessions.relation({ numbered: true, storeRejects: false }), has);
    const sessionBad = await collectQuarantine(
      connection,
      sessions,
      { counts: 'SELECT sum(n) AS n, sum(bad) AS bad FROM session_groups', badRows: sessionBadRows },
      maxBadRowShare,
    );
    const counts = { customers: tableCustomers, goodCustomers, orders: await countRows(connection, 'orders'), goodOrderRows, sessions: await countSessions(connection) };

    await connection.run(customerCategorySql(pit));
    const sessionBands = await readResultColumns(connection, sessionBandsSql());
    await connection.run('DROP TABLE session_groups');
    const categories = options.categories ? [...options.categories] : await readTopCategories(connection, topCategories);
    const { listed, otherStem } = categoryStems(categories);
    const profileTypes = await profileColumnTypes(connection, profile.length);
    const layout = { cutoff: pit.cutoff, has, labels, profile: profile.map((name, i) => ({ name, numeric: profileTypes[i] === 'number' })), stems: listed.map((c) => c.stem), otherStem };
    const numericProfile = layout.profile.flatMap((column, i) => (column.numeric ? [i] : []));
    const textProfile = layout.profile.flatMap((column, i) => (column.numeric ? [] : [`p${i}`]));
    const customerNumbers = await readResultColumns(connection, customerNumbersSql(pit, numericProfile, labels));
    const parts = {
      customers: customerNumbers,
      customerTexts: await readTextColumns(connection, 'customers', ['customer_id', ...textProfile], 'cidx'),
      orderBands: await readResultColumns(connection, orderBandsSql(pit)),
      sessionBands,
      categorySlots: await readResultColumns(connection, categorySlotsSql(listed)),
    };
    const columns = eventTableColumns(parts, layout);
    checkNoClash(files.customers, profile, columns);
    const ordinals = Array.from(customerNumbers.numbers('rn'));
    const { ordinalLines } = await customers.lineNumbers(ordinals, []);
    const table = tableFromColumns(
      files.customers,
      columns.map((column) => column.name),
      columns.map((column) => column.values),
      ordinals.map((rn) => ordinalLines.get(rn) ?? rn + 1),
    );
    const quarantine = [...customerBad.quarantined, ...sessionBad.quarantined, ...orderBad.quarantined];
    return {
      table,
      quarantine,
      categories,
      cutoff,
      stats: {
        customers: table.lines.length,
        sessions: counts.sessions,
        orders: counts.orders,
        badRows: quarantine.length,
        duplicateOrders: counts.goodOrderRows - counts.orders,
        excludedCustomers: counts.goodCustomers - counts.customers,
        rowsRead: { customers: customerBad.rows, sessions: sessionBad.rows, orders: orderBad.rows },
        seconds: (performance.now() - started) / 1000,
      },
    };
  } finally {
    await session.close();
  }
}

/**
 * The `auto` cutoff: the UTC day after the last readable event ts of `files`, minus `windowDays`, as YYYY-MM-DD.
 * @throws BadInputError when no event has a readable ts.
 */
async function autoCutoff(connection: DuckDBConnection, files: readonly EventFile[], windowDays: number): Promise<string> {
  const timestamps = files.map((file) => `SELECT max(${typed('ts', 'TIMESTAMPTZ')}) AS ts FROM ${file.relation({ numbered: false, storeRejects: false })}`);
  const reader = await connection.runAndReadAll(`SELECT strftime(date_trunc('day', max(ts)) + INTERVAL 1 DAY - INTERVAL ${windowDays} DAY, '%Y-%m-%d') AS t
    FROM (${timestamps.join(' UNION ALL ')})`);
  const value = reader.getRowObjectsJS()[0]?.t;
  if (typeof value !== 'string') {
    const issue = `cutoff "auto" needs the last event's time, but no row of ${files.map((file) => file.path).join(' or ')} has a readable ts`;
    throw new BadInputError(issue, { value: 'auto', details: [{ path: 'data.cutoff', issue }] });
  }
  return value;
}

async function parseCutoff(connection: DuckDBConnection, cutoff: string): Promise<bigint> {
  const reader = await connection.runAndReadAll(`SELECT epoch_us(TRY_CAST(${sqlString(cutoff.trim())} AS TIMESTAMPTZ)) AS t`);
  const value = reader.getRowObjectsJS()[0]?.t;
  if (typeof value !== 'bigint') {
    const issue = `cutoff "${cutoff}" is not an ISO 8601 date or time`;
    throw new BadInputError(issue, { value: cutoff, details: [{ path: 'data.cutoff', issue }] });
  }
  return value;
}

async function openChecked(connection: DuckDBConnection, file: string, name: keyof typeof required): Promise<EventFile> {
  const opened = await openEventFile(connection, file, name);
  const missing = required[name].filter((column) => !opened.columns.includes(column));
  if (missing.length > 0) {
    const issue = `missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}; the ${name} file needs ${required[name].join(', ')} and has: ${opened.columns.join(', ')}`;
    throw new BadInputError(`${file}: ${issue}`, { value: missing, details: missing.map((column) => ({ path: `${file}:${column}`, issue: `missing column "${column}"` })) });
  }
  return opened;
}

/** A column (or an expression) as trimmed text, NULL when empty. */
function text(column: string, expression = sqlIdentifier(column)): string {
  return `nullif(trim(CAST(${expression} AS VARCHAR)), '')`;
}

/** A column cast to `type` (the cast allows surrounding spaces): NULL when empty or no such value. */
function typed(column: string, type: 'TIMESTAMPTZ' | 'DOUBLE'): string {
  return `TRY_CAST(${sqlIdentifier(column)} AS ${type})`;
}

/** An id as written (ids match exactly), NULL when empty or blank. */
function id(column: string): string {
  return `CASE WHEN trim(coalesce(${sqlIdentifier(column)}, '')) <> '' THEN ${sqlIdentifier(column)} END`;
}

/** A category as written, NULL when empty (CSV gives NULL already; JSONL and Parquet may give ''). */
function category(column: string): string {
  return `nullif(${sqlIdentifier(column)}, '')`;
}

/** A customer id's `customer_key` code: NULL for an id the customers file does not have; the table's customers have codes below `tableCustomers`. */
function customerCodeOf(column: string): string {
  return `enum_code(TRY_CAST(${sqlIdentifier(column)} AS customer_key))::INTEGER`;
}

/** A raw value quoted in a reason, cut short. */
function quoted(expression: string): string {
  return `'"' || left(${expression}, ${maxQuotedValue}) || '"'`;
}

/** The customers file's rows (`relation` must be numbered): id, signup, profile cells as text, and a reason when bad. */
function customerRowsSelect(relation: string, profile: readonly string[]): string {
  // Profile cells are kept as text here; their type is decided over all customers later.
  const profileColumns = profile.map((column, i) => `, ${text(column)} AS p${i}`).join('');
  return `WITH r AS (SELECT _tandem_rn AS rn, _tandem_malformed AS malformed, ${id('customer_id')} AS customer_id, ${text('signup_date')} AS signup_text,
                      epoch_us(${typed('signup_date', 'TIMESTAMPTZ')}) AS signup_us ${profileColumns} FROM ${relation}),
    v AS (SELECT *, CASE
        WHEN malformed IS NOT NULL THEN malformed
        WHEN customer_id IS NULL THEN 'missing customer_id'
        WHEN signup_text IS NULL THEN 'missing signup_date'
        WHEN signup_us IS NULL THEN 'bad signup_date ' || ${quoted('signup_text')}
      END AS problem FROM r)
    SELECT * EXCLUDE (problem, signup_text), coalesce(problem,
      CASE WHEN row_number() OVER (PARTITION BY customer_id, problem IS NULL ORDER BY rn) > 1 THEN 'duplicate customer_id ' || ${quoted('customer_id')} END) AS reason
    FROM v`;
}

/**
 * Checks shared by orders and sessions: readable row, known customer, parsable ts. A CASE tests each WHEN on the rows
 * that reach it, so the cheap NULL tests come first and raw text is only looked at for failing rows.
 */
function eventProblem(): string {
  return `WHEN malformed IS NOT NULL THEN malformed
      WHEN code IS NULL THEN CASE WHEN ${text('', 'customer_id')} IS NULL THEN 'missing customer_id' ELSE 'unknown customer_id ' || ${quoted('customer_id')} END
      WHEN ts_us IS NULL THEN CASE WHEN ${text('', 'ts_raw')} IS NULL THEN 'missing ts' ELSE 'bad ts ' || ${quoted(text('', 'ts_raw'))} END`;
}

/** The orders file's rows: the customer (cidx NULL for one not in the table), typed values, and a reason when bad. */
function orderRowsSelect(relation: string, tableCustomers: number): string {
  return `WITH r AS (SELECT _tandem_rn AS rn, _tandem_malformed AS malformed, "order_id" AS order_id, "customer_id" AS customer_id, "ts" AS ts_raw,
                      epoch_us(${typed('ts', 'TIMESTAMPTZ')}) AS ts_us, "amount" AS amount_raw, ${typed('amount', 'DOUBLE')} AS amount,
                      ${category('category')} AS category FROM ${relation}),
    t AS (SELECT *, ${customerCodeOf('customer_id')} AS code FROM r)
    SELECT rn, CASE WHEN code < ${tableCustomers} THEN code END AS cidx, order_id, ts_us, amount, category, CASE
      ${eventProblem()}
      WHEN ${id('order_id')} IS NULL THEN 'missing order_id'
      WHEN amount IS NULL THEN CASE WHEN ${text('', 'amount_raw')} IS NULL THEN 'missing amount' ELSE 'bad amount ' || ${quoted(text('', 'amount_raw'))} END
      WHEN NOT isfinite(amount) THEN 'bad amount ' || ${quoted(text('', 'amount_raw'))}
      WHEN amount < 0 THEN 'negative amount ' || ${quoted(text('', 'amount_raw'))}
    END AS reason FROM t`;
}

/** The sessions file's values: raw and typed (pages and durations as read), and `usable` (read, ts parsed). */
function sessionValuesSelect(relation: string, has: { pages: boolean; duration: boolean; category: boolean }): string {
  const optional = (present: boolean, column: string): string => (present ? typed(column, 'DOUBLE') : 'NULL::DOUBLE');
  return `SELECT *, malformed IS NULL AND ts_us IS NOT NULL AS usable FROM (
    SELECT _tandem_rn AS rn, _tandem_malformed AS malformed, "customer_id" AS customer_id, "ts" AS ts_raw, epoch_us(${typed('ts', 'TIMESTAMPTZ')}) AS ts_us,
      ${optional(has.pages, 'pages')} AS pages, ${optional(has.duration, 'duration_s')} AS duration_s,
      ${has.category ? category('category') : 'NULL::VARCHAR'} AS category FROM ${relation})`;
}

/** A count that is NULL unless it is a finite number ≥ 0. */
function nonNegative(column: string): string {
  return `CASE WHEN isfinite(${column}) AND ${column} >= 0 THEN ${column} END`;
}

/** The sessions file's rows as `sessionGroupsSql` reads them: id as written, usable, typed values (pages and durations NULL unless ≥ 0). */
function sessionReadingsSelect(relation: string, has: { pages: boolean; duration: boolean; category: boolean }): string {
  return `SELECT customer_id, usable, ts_us, category, ${nonNegative('pages')} AS pages, ${nonNegative('duration_s')} AS duration_s
    FROM (${sessionValuesSelect(relation, has)})`;
}

/** The sessions file's bad rows (`relation` numbered): ordinal and reason. */
function sessionBadRowsSelect(relation: string, has: { pages: boolean; duration: boolean; category: boolean }): string {
  return `SELECT rn, reason FROM (SELECT rn, CASE ${eventProblem()} END AS reason
    FROM (SELECT *, ${customerCodeOf('customer_id')} AS code FROM (${sessionValuesSelect(relation, has)})))`;
}

/** Counting and listing the bad rows of a stored table with `rn` and `reason`. */
function tableRows(table: string, badRows: string): CheckedRows {
  return { counts: `SELECT count(*) AS n, count(reason) AS bad FROM ${sqlIdentifier(table)}`, badRows };
}

async function countRows(connection: DuckDBConnection, table: string, where = 'true'): Promise<number> {
  const reader = await connection.runAndReadAll(`SELECT count(*)::DOUBLE AS n FROM ${sqlIdentifier(table)} WHERE ${where}`);
  return Number(reader.getRowObjectsJS()[0]?.n ?? 0);
}

/** Good sessions of the table's customers. */
async function countSessions(connection: DuckDBConnection): Promise<number> {
  const reader = await connection.runAndReadAll('SELECT coalesce(sum(n), 0)::DOUBLE AS n FROM session_groups WHERE cidx IS NOT NULL');
  return Number(reader.getRowObjectsJS()[0]?.n ?? 0);
}

async function readTopCategories(connection: DuckDBConnection, limit: number): Promise<string[]> {
  const reader = await connection.runAndReadAll(topCategoriesSql(limit));
  return reader.getRowObjectsJS().map((row) => String(row.category));
}

/** Column-name stems for categories: lower-case letters, digits and _, unique, `other` kept for the pool. */
export function categoryStems(categories: readonly string[]): { listed: CategoryColumns[]; otherStem: string } {
  const used = new Set<string>(['other']);
  const listed = categories.map((category) => {
    const base = category.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'blank';
    let stem = base;
    for (let n = 2; used.has(stem); n++) stem = `${base}_${n}`;
    used.add(stem);
    return { category, stem };
  });
  return { listed, otherStem: 'other' };
}

/** Per profile column: numeric when every value present is a finite number (and at least one is present). */
async function profileColumnTypes(connection: DuckDBConnection, count: number): Promise<('number' | 'text')[]> {
  if (count === 0) return [];
  const checks = Array.from({ length: count }, (_, i) => `(count(p${i}) > 0 AND count(p${i}) = count(CASE WHEN isfinite(TRY_CAST(p${i} AS DOUBLE)) THEN 1 END)) AS n${i}`);
  const row = (await connection.runAndReadAll(`SELECT ${checks.join(', ')} FROM customers`)).getRowObjectsJS()[0] ?? {};
  return Array.from({ length: count }, (_, i) => (row[`n${i}`] === true ? 'number' : 'text'));
}

/** A profile column may not take the name of a computed column (it would be silently replaced). */
function checkNoClash(file: string, profile: readonly string[], columns: readonly EventTableColumn[]): void {
  const computed = new Set(columns.slice(1 + profile.length).map((column) => column.name));
  for (const name of [...builtInEventLabelColumns]) computed.add(name);
  const clash = profile.find((name) => computed.has(name));
  if (clash !== undefined) {
    const issue = `profile column "${clash}" has the name of a column events mode computes; rename it`;
    throw new BadInputError(`${file}: ${issue}`, { value: clash, details: [{ path: `${file}:${clash}`, issue }] });
  }
}


