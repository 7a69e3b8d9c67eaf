import { sqlIdentifier, sqlString } from './duckdb-session.ts';
import {
  bandsOf,
  categorySummarySql,
  crossSellSpendSql,
  customerCategorySelect,
  eventBand,
  featureWindowDays,
  futureOrdersSql,
  interPurchaseSql,
  microsPerDay,
  orderBandsSql,
  sessionBandsSql,
  type PointInTime,
  type SessionColumns,
} from './event-feature-sql.ts';
import { athenaDialect } from './sql-dialect.ts';

/** The Glue tables of the three raw logs (every column a string, e.g. CSV through OpenCSVSerDe). */
export interface AthenaEventTables {
  readonly customers: string;
  readonly sessions: string;
  readonly orders: string;
}

/** What {@link athenaFeatureSelect} needs: where the logs are, T and the horizons, and the logs' optional columns. */
export interface AthenaFeatureQueryOptions {
  /** The Glue database of the raw tables. */
  readonly database: string;
  readonly tables: AthenaEventTables;
  readonly pit: PointInTime;
  /** K: category slots with their own columns (the rest are pooled in slot K, `other`). */
  readonly topCategories: number;
  /** The customers table's profile columns (every column but `customer_id` and `signup_date`), in table order. */
  readonly profile: readonly string[];
  /** Which optional session columns the sessions table has. */
  readonly has: SessionColumns;
  /** Compute the label columns. */
  readonly labels: boolean;
}

/** The CTAS around the query: the table it creates and the S3 folder its Parquet files go to. */
export interface AthenaCtasTarget {
  /** Database of the created table (usually the raw tables' database). */
  readonly database: string;
  readonly table: string;
  /** `s3://bucket/prefix/`: must be empty (Athena refuses to write a CTAS into a folder with objects). */
  readonly location: string;
}

/** The column that names the category of slot `k` in the Athena result (the same value on every row). */
export function athenaSlotNameColumn(k: number): string {
  return `category_slot_${k}`;
}

/** The stem of slot `k`'s columns in the Athena result: `cat_slot<k>_orders`, ...; slot K is `other`. */
export function athenaSlotStem(k: number): string {
  return `slot${k}`;
}

const categoryParts = ['orders', 'spend', 'sessions', 'browsed_not_bought'] as const;

/**
 * The point-in-time feature table of events mode (SPEC §3) as one Trino query for Amazon Athena: one row per customer
 * who signed up before T, the columns of `buildEventTable` in its order, with three differences the follow-up step
 * (`athenaResultTable`) undoes: profile columns stay text, category slots are named `cat_slot<k>_*` with each slot's
 * category in `category_slot_<k>`, and missing numbers are NULL. The per-band, per-category and label parts are the
 * same SQL that DuckDB runs (event-feature-sql.ts rendered with `athenaDialect`); the typed reading of the raw tables
 * and the wide layout (in DuckDB's path: `eventTableColumns` in JS) are written here.
 *
 * Unlike the DuckDB path, bad rows are dropped, not quarantined with line numbers (a table has no line numbers), and of
 * duplicate customer rows the earliest signup is kept, not the first line.
 */
export function athenaFeatureSelect(options: AthenaFeatureQueryOptions): string {
  const { pit, topCategories: K, has, labels } = options;
  const d = athenaDialect;
  const table = (name: string): string => `${sqlIdentifier(options.database)}.${sqlIdentifier(name)}`;
  const T = pit.cutoff;
  const day = d.double(microsPerDay.toString());
  const tenure = `(${d.double(`${T} - c.signup_us`)}) / ${day}`;
  const sumBands = (column: string, bands: readonly number[]): string => `coalesce(sum(CASE WHEN band IN (${bands.join(', ')}) THEN ${column} END), 0)`;
  const sessionWindows = ['total', ...featureWindowDays.map((days) => `${days}d` as const)] as const;
  const orderWindows = [...sessionWindows, 'prev90'] as const;
  const profileText = options.profile.map((name) => `, ${text(sqlIdentifier(name))} AS ${sqlIdentifier(name)}`).join('');
  const profileOut = options.profile.map((name) => `, c.${sqlIdentifier(name)}`).join('');
  const optionalNumber = (present: boolean, column: string): string => (present ? nonNegative(`try_cast(trim(${sqlIdentifier(column)}) AS DOUBLE)`) : 'CAST(NULL AS DOUBLE)');

  const orderWindowColumns = orderWindows.flatMap((w) => [`${sumBands('orders', bandsOf[w])} AS orders_${w}`, `${sumBands('spend', bandsOf[w])} AS spend_${w}`]);
  const sessionWindowColumns = [...sessionWindows, 'prev90', 'churnWindow'].map((w) => `${sumBands('sessions', bandsOf[w as keyof typeof bandsOf])} AS sessions_${w}`);
  const measureWindowColumns = (present: boolean, measure: string): string[] =>
    present ? sessionWindows.map((w) => `${sumBands(`coalesce(${measure}, 0)`, bandsOf[w])} AS ${measure}_${w}`) : [];
  const slots = Array.from({ length: K + 1 }, (_, k) => k);
  const slotColumns = slots.flatMap((k) =>
    categoryParts.map((part) => `coalesce(max(CASE WHEN slot = ${k} THEN ${part} END), 0) AS cat_${athenaSlotStem(k)}_${part}`),
  );

  const slotNameColumns = slots.slice(0, K).map((k) => `max(CASE WHEN slot = ${k} THEN category END) AS ${athenaSlotNameColumn(k)}`);
  const features = [
    'c.customer_id' + profileOut,
    `${tenure} AS days_since_signup`,
    `(${T} - ob.last_us) / ${day} AS order_recency_days`,
    `(${T} - ob.first_us) / ${day} AS first_order_days`,
    `(${T} - sb.last_us) / ${day} AS session_recency_days`,
    'coalesce(ob.orders_total, 0) AS orders_total',
    'coalesce(ob.spend_total, 0) AS spend_total',
    ...featureWindowDays.flatMap((days) => [`coalesce(ob.orders_${days}d, 0) AS orders_${days}d`, `coalesce(ob.spend_${days}d, 0) AS spend_${days}d`]),
    'ob.spend_total / nullif(ob.orders_total, 0) AS avg_order_value',
    'g.interpurchase_mean_days',
    'g.interpurchase_std_days',
    'coalesce(ob.orders_30d - ob.orders_prev90 / 3, 0) AS orders_trend',
    'coalesce(ob.spend_30d - ob.spend_prev90 / 3, 0) AS spend_trend',
    ...sessionWindows.flatMap((w) => [
      `coalesce(sb.sessions_${w}, 0) AS sessions_${w}`,
      ...(has.pages ? [`coalesce(sb.pages_${w}, 0) AS pages_${w}`] : []),
      ...(has.duration ? [`coalesce(sb.duration_s_${w}, 0) AS duration_s_${w}`] : []),
    ]),
    'coalesce(sb.sessions_30d - sb.sessions_prev90 / 3, 0) AS sessions_trend',
    `coalesce(ob.orders_total, 0) / greatest(${tenure}, 1) AS orders_per_day`,
    `coalesce(sb.sessions_total, 0) / greatest(${tenure}, 1) AS sessions_per_day`,
    `coalesce(k.order_categories, ${d.double('0')}) AS order_categories`,
    ...(has.category
      ? [
          `coalesce(k.browse_categories, ${d.double('0')}) AS browse_categories`,
          `coalesce(k.browsed_not_bought_categories, ${d.double('0')}) AS browsed_not_bought_categories`,
          `coalesce(k.browsed_not_bought_sessions, ${d.double('0')}) AS browsed_not_bought_sessions`,
        ]
      : []),
    'k.top_category_spend_share',
    ...slots.flatMap((k) => categoryParts.map((part) => `coalesce(cs.cat_${athenaSlotStem(k)}_${part}, 0) AS cat_${athenaSlotStem(k)}_${part}`)),
    ...slots.slice(0, K).map((k) => `sn.${athenaSlotNameColumn(k)}`),
  ];
  const labelColumns = labels
    ? [
        `CASE WHEN coalesce(f.in_horizon, 0) > 0 THEN ${d.double('1')} ELSE ${d.double('0')} END AS purchase_intent`,
        `CASE WHEN coalesce(ob.orders_total, 0) = 0 THEN NULL WHEN coalesce(f.in_churn_window, 0) + coalesce(sb.sessions_churnWindow, 0) = 0 THEN ${d.double('1')} ELSE ${d.double('0')} END AS churn`,
        `ln(1 + coalesce(x.spend, 0)) AS cross_sell`,
      ]
    : [];
  const labelJoins = labels ? `LEFT JOIN (${futureOrdersSql(pit, d)}) f ON f.cidx = c.cidx LEFT JOIN (${crossSellSpendSql(pit, d)}) x ON x.cidx = c.cidx` : '';

  return `WITH customer_rows AS (
    SELECT CASE WHEN trim(coalesce(customer_id, '')) <> '' THEN customer_id END AS customer_id, ${epochMicros('signup_date')} AS signup_us${profileText}
    FROM ${table(options.tables.customers)}),
  customers AS (
    SELECT customer_id AS cidx, customer_id, signup_us${options.profile.map((name) => `, ${sqlIdentifier(name)}`).join('')}
    FROM (SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY signup_us${options.profile.map((name) => `, ${sqlIdentifier(name)}`).join('')}) AS copy
          FROM customer_rows WHERE customer_id IS NOT NULL AND signup_us IS NOT NULL) r
    WHERE copy = 1 AND signup_us < ${T}),
  orders AS (
    SELECT DISTINCT c.cidx, o.order_id, o.ts_us, o.amount, o.category
    FROM (SELECT CASE WHEN trim(coalesce(order_id, '')) <> '' THEN order_id END AS order_id, customer_id, ${epochMicros('ts')} AS ts_us,
            try_cast(trim(amount) AS DOUBLE) AS amount, nullif(category, '') AS category FROM ${table(options.tables.orders)}) o
      JOIN customers c ON c.customer_id = o.customer_id
    WHERE o.order_id IS NOT NULL AND o.ts_us IS NOT NULL AND is_finite(o.amount) AND o.amount >= 0),
  session_groups AS (
    SELECT cidx, category, band, ${d.double('count(*)')} AS sessions, sum(pages) AS pages, sum(duration_s) AS duration_s, max(ts_us) AS last_us
    FROM (SELECT c.cidx, s.category, s.ts_us, s.pages, s.duration_s, ${eventBand(pit)} AS band
          FROM (SELECT customer_id, ${epochMicros('ts')} AS ts_us, ${optionalNumber(has.pages, 'pages')} AS pages,
                  ${optionalNumber(has.duration, 'duration_s')} AS duration_s, ${has.category ? `nullif(${sqlIdentifier('category')}, '')` : 'CAST(NULL AS VARCHAR)'} AS category
                FROM ${table(options.tables.sessions)}) s
            JOIN customers c ON c.customer_id = s.customer_id
          WHERE s.ts_us IS NOT NULL) b
    GROUP BY cidx, category, band),
  customer_categories AS (${customerCategorySelect(pit, d)}),
  slots AS (
    SELECT category, row_number() OVER (ORDER BY sum(orders + sessions) DESC, category) - 1 AS slot FROM customer_categories GROUP BY category),
  category_slots AS (
    SELECT cc.cidx, CASE WHEN s.slot < ${K} THEN s.slot ELSE ${K} END AS slot, sum(cc.orders) AS orders, ${d.sum('cc.spend')} AS spend,
      sum(cc.sessions) AS sessions, ${d.double('max(CASE WHEN cc.sessions > 0 AND cc.orders = 0 THEN 1 ELSE 0 END)')} AS browsed_not_bought
    FROM customer_categories cc JOIN slots s ON s.category = cc.category
    GROUP BY cc.cidx, CASE WHEN s.slot < ${K} THEN s.slot ELSE ${K} END),
  order_bands AS (${orderBandsSql(pit, d)}),
  session_bands AS (${sessionBandsSql(d)})
SELECT ${[...features, ...labelColumns].join(',\n  ')}
FROM customers c
  LEFT JOIN (SELECT cidx, min(first_us) AS first_us, max(last_us) AS last_us, ${orderWindowColumns.join(', ')} FROM order_bands GROUP BY cidx) ob ON ob.cidx = c.cidx
  LEFT JOIN (SELECT cidx, max(CASE WHEN band <= 5 THEN last_us END) AS last_us, ${[...sessionWindowColumns, ...measureWindowColumns(has.pages, 'pages'), ...measureWindowColumns(has.duration, 'duration_s')].join(', ')}
             FROM session_bands GROUP BY cidx) sb ON sb.cidx = c.cidx
  LEFT JOIN (${interPurchaseSql(pit, d)}) g ON g.cidx = c.cidx
  LEFT JOIN (${categorySummarySql(d)}) k ON k.cidx = c.cidx
  LEFT JOIN (SELECT cidx, ${slotColumns.join(', ')} FROM category_slots GROUP BY cidx) cs ON cs.cidx = c.cidx
  CROSS JOIN (SELECT ${slotNameColumns.join(', ')} FROM slots) sn
  ${labelJoins}`;
}

/**
 * {@link athenaFeatureSelect} as an Athena CTAS: the table written as Parquet into `target.location`, which the
 * dataset step then reads.
 */
export function athenaFeatureCtas(options: AthenaFeatureQueryOptions, target: AthenaCtasTarget): string {
  return `CREATE TABLE ${sqlIdentifier(target.database)}.${sqlIdentifier(target.table)}
WITH (format = 'PARQUET', external_location = ${sqlString(target.location)}) AS
${athenaFeatureSelect(options)}`;
}

/** The parts of a CTAS that {@link athenaFeatureCtas} rendered, or undefined for any other text. */
export function parseAthenaCtas(ctas: string): (AthenaCtasTarget & { readonly select: string }) | undefined {
  const match = /^CREATE TABLE "((?:[^"]|"")+)"\."((?:[^"]|"")+)"\nWITH \(format = 'PARQUET', external_location = '((?:[^']|'')*)'\) AS\n([\s\S]+)$/.exec(ctas);
  if (match === null) return undefined;
  const [, database, table, location, select] = match as unknown as [string, string, string, string, string];
  return { database: database.replaceAll('""', '"'), table: table.replaceAll('""', '"'), location: location.replaceAll("''", "'"), select };
}

/** A raw text cell trimmed, NULL when empty. */
function text(expression: string): string {
  return `nullif(trim(CAST(${expression} AS VARCHAR)), '')`;
}

/** An ISO 8601 text column as epoch microseconds (BIGINT), NULL when it does not parse (Athena keeps milliseconds). */
function epochMicros(column: string): string {
  return `date_diff('millisecond', from_iso8601_timestamp('1970-01-01T00:00:00Z'), try(from_iso8601_timestamp(trim(${sqlIdentifier(column)})))) * 1000`;
}

/** A number that is NULL unless finite and ≥ 0. */
function nonNegative(expression: string): string {
  return `CASE WHEN is_finite(${expression}) AND ${expression} >= 0 THEN ${expression} END`;
}
