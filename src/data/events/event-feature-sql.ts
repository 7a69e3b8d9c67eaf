import { sqlString } from './duckdb-session.ts';
import { duckDbDialect, type SqlDialect } from './sql-dialect.ts';

/** Microseconds in a day: event times are kept as epoch microseconds (UTC). */
export const microsPerDay = 86_400_000_000n;

/** Look-back windows, in days, of the windowed order and browsing features. */
export const featureWindowDays = [7, 30, 90, 365] as const;

/** The point in time and the label horizons, all in epoch microseconds / days. */
export interface PointInTime {
  /** T as epoch microseconds. */
  readonly cutoff: bigint;
  readonly horizonDays: number;
  readonly churnDays: number;
}

/** A category that gets its own columns, and the name stem of those columns (`cat_<stem>_orders`, ...). */
export interface CategoryColumns {
  readonly category: string;
  readonly stem: string;
}

const day = microsPerDay.toString();

/**
 * Time bands of an event relative to T, so that events are grouped once by band and every look-back window is a sum
 * of bands (far cheaper than one filtered aggregate per window): 0 = [T−7d, T), 1 = [T−30d, T−7d), 2 = [T−90d, T−30d),
 * 3 = [T−120d, T−90d), 4 = [T−365d, T−120d), 5 = before T−365d, 8 = [T, T+C), 9 = later.
 */
export function eventBand(pit: PointInTime): string {
  const before = (days: number): bigint => pit.cutoff - BigInt(days) * microsPerDay;
  return `CASE WHEN ts_us >= ${pit.cutoff + BigInt(pit.churnDays) * microsPerDay} THEN 9 WHEN ts_us >= ${pit.cutoff} THEN 8
    WHEN ts_us >= ${before(7)} THEN 0 WHEN ts_us >= ${before(30)} THEN 1 WHEN ts_us >= ${before(90)} THEN 2
    WHEN ts_us >= ${before(120)} THEN 3 WHEN ts_us >= ${before(365)} THEN 4 ELSE 5 END`;
}

/** Bands (see `eventBand`) by the windows they make up: a window's value is the sum over its bands. */
export const bandsOf = {
  '7d': [0],
  '30d': [0, 1],
  '90d': [0, 1, 2],
  '365d': [0, 1, 2, 3, 4],
  total: [0, 1, 2, 3, 4, 5],
  /** The 90 days before the last 30: [T − 120d, T − 30d). */
  prev90: [2, 3],
  /** [T, T + C): the churn window. */
  churnWindow: [8],
} as const;

/** The largest band number, for arrays indexed by band. */
export const maxBand = 9;

/** Per customer with two or more orders before T: mean and standard deviation of the days between orders. */
export function interPurchaseSql(pit: PointInTime, dialect: SqlDialect = duckDbDialect): string {
  return `SELECT cidx, ${dialect.avg('gap')} AS interpurchase_mean_days, stddev_samp(gap) AS interpurchase_std_days
    FROM (SELECT cidx, (ts_us - lag(ts_us) OVER (PARTITION BY cidx ORDER BY ts_us)) / ${dialect.double(day)} AS gap
          FROM orders WHERE ts_us < ${pit.cutoff})
    WHERE gap IS NOT NULL GROUP BY cidx`;
}

/** Per customer and band (see `eventBand`) of the orders before T: count, spend, first and last time. */
export function orderBandsSql(pit: PointInTime, dialect: SqlDialect = duckDbDialect): string {
  return `SELECT ${customerKey('cidx', dialect)} AS cidx, ${dialect.double('band')} AS band, ${dialect.double('count(*)')} AS orders, ${dialect.sum('amount')} AS spend,
      ${dialect.double('min(ts_us)')} AS first_us, ${dialect.double('max(ts_us)')} AS last_us
    FROM (SELECT cidx, amount, ts_us, ${eventBand(pit)} AS band FROM orders WHERE ts_us < ${pit.cutoff}) ${dialect.groupBy(['cidx', 'band'])}`;
}

/** Which optional session columns the file has. */
export interface SessionColumns {
  readonly pages: boolean;
  readonly duration: boolean;
  readonly category: boolean;
}

/**
 * Sessions aggregated straight from the file's rows per customer id (as written), category and band (see
 * `eventBand`), so no session is ever stored: sessions, pages, durations, the last time, and per group the rows read
 * (`n`) and bad (`bad`). `readings` gives per row `customer_id`, `usable` (the row was read and its ts parsed),
 * `ts_us`, `category`, `pages` and `duration_s`. The groups, not the rows, then find their customer with
 * `customerCode` (an expression of `customer_id`: the customer's code, NULL when the customers file does not have it):
 * grouping by the id text is cheaper than looking up every row. Groups of bad rows (unusable, unknown or missing id)
 * and of customers outside the table (code ≥ `tableCustomers`) get cidx NULL.
 */
export function sessionGroupsSql(pit: PointInTime, readings: string, customerCode: string, tableCustomers: number): string {
  return `CREATE TEMP TABLE session_groups AS
    WITH g AS (
      SELECT customer_id, category, CASE WHEN usable THEN ${eventBand(pit)} END AS band,
        count(*)::DOUBLE AS n, sum(pages) AS pages, sum(duration_s) AS duration_s, max(ts_us) AS last_us
      FROM (${readings}) GROUP BY ALL),
    coded AS (SELECT *, ${customerCode} AS code FROM g)
    SELECT CASE WHEN band IS NOT NULL AND code < ${tableCustomers} THEN code END AS cidx, category, band, n,
      CASE WHEN band IS NULL OR code IS NULL THEN n ELSE 0 END AS bad, CASE WHEN band IS NULL OR code IS NULL THEN 0 ELSE n END AS sessions,
      pages, duration_s, last_us
    FROM coded`;
}

/** Per customer and band of their sessions: count, pages and durations (NaN when none was given), the last time. */
export function sessionBandsSql(dialect: SqlDialect = duckDbDialect): string {
  return `SELECT ${customerKey('cidx', dialect)} AS cidx, ${dialect.double('band')} AS band, sum(sessions) AS sessions, sum(pages) AS pages, sum(duration_s) AS duration_s,
      ${dialect.double('max(last_us)')} AS last_us
    FROM session_groups WHERE cidx IS NOT NULL ${dialect.groupBy(['cidx', 'band'])}`;
}

/** Per customer and category, before T: orders, spend and sessions (the base of the category features and cross_sell). */
export function customerCategorySql(pit: PointInTime): string {
  return `CREATE TEMP TABLE customer_categories AS
    ${customerCategorySelect(pit)}`;
}

/** The query of `customer_categories` (see {@link customerCategorySql}). */
export function customerCategorySelect(pit: PointInTime, dialect: SqlDialect = duckDbDialect): string {
  return `SELECT cidx, category, ${dialect.double('sum(o)')} AS orders, ${dialect.sum('spend')} AS spend, ${dialect.double('sum(s)')} AS sessions
    FROM (SELECT cidx, category, 1 AS o, amount AS spend, 0 AS s FROM orders WHERE ts_us < ${pit.cutoff} AND category IS NOT NULL
          UNION ALL SELECT cidx, category, 0 AS o, 0.0 AS spend, sessions AS s FROM session_groups
          WHERE cidx IS NOT NULL AND category IS NOT NULL AND band <= 5)
    GROUP BY cidx, category`;
}

/** The K categories with the most orders and sessions before T (ties by name): the ones that get their own columns. */
export function topCategoriesSql(limit: number): string {
  return `SELECT category FROM customer_categories GROUP BY category ORDER BY sum(orders + sessions) DESC, category LIMIT ${limit}`;
}

/**
 * Per customer and slot (the listed categories' positions 0..K−1; every other category is slot K, `other`), before T:
 * orders, spend, sessions and `browsed_not_bought` (1 when a category of the slot was browsed and never ordered).
 */
export function categorySlotsSql(categories: readonly CategoryColumns[]): string {
  const listed = `[${categories.map(({ category }) => sqlString(category)).join(', ')}]::VARCHAR[]`;
  return `SELECT cidx::DOUBLE AS cidx, slot::DOUBLE AS slot, sum(orders) AS orders, fsum(spend) AS spend, sum(sessions) AS sessions,
      max(CASE WHEN sessions > 0 AND orders = 0 THEN 1 ELSE 0 END)::DOUBLE AS browsed_not_bought
    FROM (SELECT *, coalesce(list_position(${listed}, category) - 1, ${categories.length}) AS slot FROM customer_categories) GROUP BY ALL`;
}

/**
 * Per customer, before T: how many categories they ordered and browsed, how many they browsed without ever ordering
 * and their sessions in those (where a first purchase — cross-sell — would come from), and the share of their spend in
 * their top category.
 */
export function categorySummarySql(dialect: SqlDialect = duckDbDialect): string {
  return `SELECT cidx, ${dialect.countWhere('orders > 0')} AS order_categories, ${dialect.countWhere('sessions > 0')} AS browse_categories,
      ${dialect.countWhere('sessions > 0 AND orders = 0')} AS browsed_not_bought_categories,
      ${dialect.sum(`CASE WHEN orders = 0 THEN sessions ELSE ${dialect.double('0')} END`)} AS browsed_not_bought_sessions,
      max(spend) / nullif(${dialect.sum('spend')}, 0) AS top_category_spend_share
    FROM customer_categories GROUP BY cidx`;
}

/** Per customer with orders in [T, max(T+H, T+C)): how many fall in [T, T+H) (purchase_intent) and in [T, T+C) (churn). */
export function futureOrdersSql(pit: PointInTime, dialect: SqlDialect = duckDbDialect): string {
  const horizonEnd = pit.cutoff + BigInt(pit.horizonDays) * microsPerDay;
  const churnEnd = pit.cutoff + BigInt(pit.churnDays) * microsPerDay;
  const lastEnd = horizonEnd > churnEnd ? horizonEnd : churnEnd;
  return `SELECT cidx, ${dialect.countWhere(`ts_us < ${horizonEnd}`)} AS in_horizon,
      ${dialect.countWhere(`ts_us < ${churnEnd}`)} AS in_churn_window
    FROM orders WHERE ts_us >= ${pit.cutoff} AND ts_us < ${lastEnd} GROUP BY cidx`;
}

/** Per customer: spend in [T, T+H) on categories they never ordered before T (the base of cross_sell). */
export function crossSellSpendSql(pit: PointInTime, dialect: SqlDialect = duckDbDialect): string {
  const horizonEnd = pit.cutoff + BigInt(pit.horizonDays) * microsPerDay;
  return `SELECT o.cidx, ${dialect.sum('o.amount')} AS spend FROM orders o
    WHERE o.ts_us >= ${pit.cutoff} AND o.ts_us < ${horizonEnd} AND o.category IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM customer_categories cc WHERE cc.cidx = o.cidx AND cc.category = o.category AND cc.orders > 0)
    GROUP BY o.cidx`;
}

/**
 * The table's customers in cidx order with every per-customer number: ordinal, signup time, the numeric profile
 * columns `p<i>` (`numericProfile`), the days between orders, category breadth and top share, and with `labels` the
 * future orders and cross-sell spend (0 where a customer has none).
 */
export function customerNumbersSql(pit: PointInTime, numericProfile: readonly number[], labels: boolean): string {
  const profile = numericProfile.map((i) => `, TRY_CAST(c.p${i} AS DOUBLE) AS p${i}`).join('');
  const labelColumns = labels ? ', coalesce(f.in_horizon, 0) AS in_horizon, coalesce(f.in_churn_window, 0) AS in_churn_window, coalesce(x.spend, 0) AS cross_sell_spend' : '';
  const labelJoins = labels ? `LEFT JOIN (${futureOrdersSql(pit)}) f ON f.cidx = c.cidx LEFT JOIN (${crossSellSpendSql(pit)}) x ON x.cidx = c.cidx` : '';
  return `SELECT c.rn::DOUBLE AS rn, c.signup_us::DOUBLE AS signup_us ${profile},
      g.interpurchase_mean_days, g.interpurchase_std_days,
      coalesce(k.order_categories, 0) AS order_categories, coalesce(k.browse_categories, 0) AS browse_categories,
      coalesce(k.browsed_not_bought_categories, 0) AS browsed_not_bought_categories, coalesce(k.browsed_not_bought_sessions, 0) AS browsed_not_bought_sessions,
      k.top_category_spend_share
      ${labelColumns}
    FROM customers c LEFT JOIN (${interPurchaseSql(pit)}) g ON g.cidx = c.cidx LEFT JOIN (${categorySummarySql()}) k ON k.cidx = c.cidx ${labelJoins}
    ORDER BY c.cidx`;
}

/**
 * A customer key in a long part: DuckDB's customer codes become DOUBLE (the typed arrays `eventTableColumns` indexes);
 * Athena keys customers by their id text, which stays as it is.
 */
function customerKey(column: string, dialect: SqlDialect): string {
  return dialect.name === 'duckdb' ? dialect.double(column) : column;
}
