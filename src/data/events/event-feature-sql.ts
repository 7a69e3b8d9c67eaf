import { sqlIdentifier, sqlString } from './duckdb-session.ts';

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

/** One feature or label column of the events table: its output name and the SQL expression over the joined parts. */
export interface OutputColumn {
  readonly name: string;
  readonly sql: string;
}

/** A category that gets its own columns, and the name stem of those columns (`cat_<stem>_orders`, ...). */
export interface CategoryColumns {
  readonly category: string;
  readonly stem: string;
}

const day = microsPerDay.toString();

/** `(T - x)` in days, as DOUBLE. */
function daysBefore(pit: PointInTime, column: string): string {
  return `((${pit.cutoff} - ${column}) / ${day}::DOUBLE)`;
}

/** ts_us ≥ T − days (the window's start); callers restrict to ts_us < T. */
function since(pit: PointInTime, days: number): string {
  return `ts_us >= ${pit.cutoff - BigInt(days) * microsPerDay}`;
}

/** The 90 days before the last 30: [T − 120d, T − 30d). */
function previous90(pit: PointInTime): string {
  return `ts_us >= ${pit.cutoff - 120n * microsPerDay} AND ts_us < ${pit.cutoff - 30n * microsPerDay}`;
}

/** Per customer, from orders with ts < T: counts, spend, recency, tenure as a buyer, breadth, the 30-vs-90 trend parts. */
export function orderFeaturesSql(pit: PointInTime): string {
  const windows = featureWindowDays.flatMap((days) => [
    `count(*) FILTER (WHERE ${since(pit, days)})::DOUBLE AS orders_${days}d`,
    `coalesce(sum(amount) FILTER (WHERE ${since(pit, days)}), 0) AS spend_${days}d`,
  ]);
  return `CREATE TEMP TABLE f_orders AS
    SELECT cidx, count(*)::DOUBLE AS orders_total, sum(amount) AS spend_total, ${windows.join(', ')},
      count(*) FILTER (WHERE ${previous90(pit)})::DOUBLE AS orders_prev90,
      coalesce(sum(amount) FILTER (WHERE ${previous90(pit)}), 0) AS spend_prev90,
      ${daysBefore(pit, 'max(ts_us)')} AS order_recency_days,
      ${daysBefore(pit, 'min(ts_us)')} AS first_order_days,
      count(DISTINCT category)::DOUBLE AS order_categories
    FROM orders WHERE ts_us < ${pit.cutoff} GROUP BY cidx`;
}

/** Per customer with two or more orders before T: mean and standard deviation of the days between orders. */
export function interPurchaseSql(pit: PointInTime): string {
  return `CREATE TEMP TABLE f_gaps AS
    SELECT cidx, avg(gap) AS interpurchase_mean_days, stddev_samp(gap) AS interpurchase_std_days
    FROM (SELECT cidx, (ts_us - lag(ts_us) OVER (PARTITION BY cidx ORDER BY ts_us)) / ${day}::DOUBLE AS gap
          FROM orders WHERE ts_us < ${pit.cutoff})
    WHERE gap IS NOT NULL GROUP BY cidx`;
}

/** Which optional session columns the file has. */
export interface SessionColumns {
  readonly pages: boolean;
  readonly duration: boolean;
  readonly category: boolean;
}

/**
 * Time bands of a session relative to T, so that sessions are grouped once by band and every window is a sum of
 * bands (far cheaper than one filtered aggregate per window and row): 0 = [T−7d, T), 1 = [T−30d, T−7d),
 * 2 = [T−90d, T−30d), 3 = [T−120d, T−90d), 4 = [T−365d, T−120d), 5 = before T−365d, 8 = [T, T+C), 9 = later.
 */
function sessionBand(pit: PointInTime): string {
  const before = (days: number): bigint => pit.cutoff - BigInt(days) * microsPerDay;
  return `CASE WHEN ts_us >= ${pit.cutoff + BigInt(pit.churnDays) * microsPerDay} THEN 9 WHEN ts_us >= ${pit.cutoff} THEN 8
    WHEN ts_us >= ${before(7)} THEN 0 WHEN ts_us >= ${before(30)} THEN 1 WHEN ts_us >= ${before(90)} THEN 2
    WHEN ts_us >= ${before(120)} THEN 3 WHEN ts_us >= ${before(365)} THEN 4 ELSE 5 END`;
}

/** The last band of each look-back window (see `sessionBand`); `total` is every band before T. */
const lastBand: Readonly<Record<string, number>> = { '7d': 0, '30d': 1, '90d': 2, '365d': 4, total: 5 };

/**
 * Sessions aggregated straight from the file's rows per customer id (as written), category and time band, so no
 * session is ever stored: sessions, pages, durations, the last time, and per group the rows read (`n`) and bad
 * (`bad`). `readings` gives per row `customer_id`, `usable` (the row was read and its ts parsed), `ts_us`, `category`,
 * `pages` and `duration_s`. The groups, not the rows, then find their customer with `customerCode` (an expression
 * of `customer_id`: the customer's code, NULL when the customers file does not have it): grouping by the id text is
 * cheaper than looking up every row. Groups of bad rows (unusable, unknown or missing id) and of customers outside
 * the table (code ≥ `tableCustomers`) get cidx NULL.
 */
export function sessionGroupsSql(pit: PointInTime, readings: string, customerCode: string, tableCustomers: number): string {
  return `CREATE TEMP TABLE session_groups AS
    WITH g AS (
      SELECT customer_id, category, CASE WHEN usable THEN ${sessionBand(pit)} END AS band,
        count(*)::DOUBLE AS n, sum(pages) AS pages, sum(duration_s) AS duration_s, max(ts_us) AS last_us
      FROM (${readings}) GROUP BY ALL),
    coded AS (SELECT *, ${customerCode} AS code FROM g)
    SELECT CASE WHEN band IS NOT NULL AND code < ${tableCustomers} THEN code END AS cidx, category, band, n,
      CASE WHEN band IS NULL OR code IS NULL THEN n ELSE 0 END AS bad, CASE WHEN band IS NULL OR code IS NULL THEN 0 ELSE n END AS sessions,
      pages, duration_s, last_us
    FROM coded`;
}

/** Per customer, from the session groups: counts, pages and durations over the windows, recency, breadth. */
export function sessionFeaturesSql(pit: PointInTime, has: SessionColumns): string {
  const sums = Object.entries(lastBand).flatMap(([suffix, band]) => [
    `coalesce(sum(sessions) FILTER (WHERE band <= ${band}), 0) AS sessions_${suffix}`,
    ...(has.pages ? [`coalesce(sum(pages) FILTER (WHERE band <= ${band}), 0) AS pages_${suffix}`] : []),
    ...(has.duration ? [`coalesce(sum(duration_s) FILTER (WHERE band <= ${band}), 0) AS duration_s_${suffix}`] : []),
  ]);
  return `CREATE TEMP TABLE f_sessions AS
    SELECT cidx, ${sums.join(', ')},
      coalesce(sum(sessions) FILTER (WHERE band IN (2, 3)), 0) AS sessions_prev90,
      coalesce(sum(sessions) FILTER (WHERE band = 8), 0) AS in_churn_window,
      ${daysBefore(pit, 'max(last_us) FILTER (WHERE band <= 5)')} AS session_recency_days,
      count(DISTINCT category) FILTER (WHERE band <= 5)::DOUBLE AS browse_categories
    FROM session_groups WHERE cidx IS NOT NULL GROUP BY cidx`;
}

/** Per customer and category, before T: orders, spend and sessions (the base of the category features and cross_sell). */
export function customerCategorySql(pit: PointInTime): string {
  return `CREATE TEMP TABLE customer_categories AS
    SELECT cidx, category, sum(o)::DOUBLE AS orders, sum(spend) AS spend, sum(s)::DOUBLE AS sessions
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
 * Per customer: share of spend in their top category, and per listed category (the rest pooled as `other`) order
 * count, spend, session count and browsed_not_bought (1 when a category was browsed and never ordered before T).
 */
export function categoryFeaturesSql(categories: readonly CategoryColumns[], otherStem: string): string {
  const parts = categories.map(({ category, stem }) => ({ filter: `category = ${sqlString(category)}`, stem }));
  const listed = categories.map(({ category }) => sqlString(category));
  parts.push({ filter: listed.length === 0 ? 'true' : `category NOT IN (${listed.join(', ')})`, stem: otherStem });
  const columns = parts.flatMap(({ filter, stem }) => [
    `coalesce(sum(orders) FILTER (WHERE ${filter}), 0) AS ${sqlIdentifier(`cat_${stem}_orders`)}`,
    `coalesce(sum(spend) FILTER (WHERE ${filter}), 0) AS ${sqlIdentifier(`cat_${stem}_spend`)}`,
    `coalesce(sum(sessions) FILTER (WHERE ${filter}), 0) AS ${sqlIdentifier(`cat_${stem}_sessions`)}`,
    `coalesce(max(CASE WHEN sessions > 0 AND orders = 0 THEN 1 ELSE 0 END) FILTER (WHERE ${filter}), 0)::DOUBLE AS ${sqlIdentifier(`cat_${stem}_browsed_not_bought`)}`,
  ]);
  return `CREATE TEMP TABLE f_categories AS
    SELECT cidx, max(spend) / nullif(sum(spend), 0) AS top_category_spend_share, ${columns.join(', ')}
    FROM customer_categories GROUP BY cidx`;
}

/**
 * The SPEC §3 labels per customer: purchase_intent (an order in [T, T+H)), churn (customers with an order before T:
 * no order and no session in [T, T+C); others NULL), cross_sell (ln(1 + spend in [T, T+H) on categories the customer
 * never ordered before T)).
 */
export function labelsSql(pit: PointInTime): string {
  const horizonEnd = pit.cutoff + BigInt(pit.horizonDays) * microsPerDay;
  const churnEnd = pit.cutoff + BigInt(pit.churnDays) * microsPerDay;
  const lastEnd = horizonEnd > churnEnd ? horizonEnd : churnEnd;
  return `CREATE TEMP TABLE f_labels AS
    SELECT c.cidx,
      CASE WHEN coalesce(fo.in_horizon, 0) > 0 THEN 1 ELSE 0 END::DOUBLE AS purchase_intent,
      CASE WHEN coalesce(po.orders_total, 0) = 0 THEN NULL
           WHEN coalesce(fo.in_churn_window, 0) + coalesce(fs.in_churn_window, 0) = 0 THEN 1 ELSE 0 END::DOUBLE AS churn,
      ln(1 + coalesce(xs.spend, 0)) AS cross_sell
    FROM customers c
    LEFT JOIN (SELECT cidx, count(*) FILTER (WHERE ts_us < ${horizonEnd}) AS in_horizon, count(*) FILTER (WHERE ts_us < ${churnEnd}) AS in_churn_window
               FROM orders WHERE ts_us >= ${pit.cutoff} AND ts_us < ${lastEnd} GROUP BY cidx) fo ON fo.cidx = c.cidx
    LEFT JOIN f_sessions fs ON fs.cidx = c.cidx
    LEFT JOIN f_orders po ON po.cidx = c.cidx
    LEFT JOIN (SELECT o.cidx, sum(o.amount) AS spend FROM orders o
               WHERE o.ts_us >= ${pit.cutoff} AND o.ts_us < ${horizonEnd} AND o.category IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM customer_categories cc WHERE cc.cidx = o.cidx AND cc.category = o.category AND cc.orders > 0)
               GROUP BY o.cidx) xs ON xs.cidx = c.cidx`;
}

/** `coalesce(part.column, 0)`: a count or sum that is 0, not missing, for a customer without such events. */
export function zeroIfMissing(part: string, column: string): string {
  return `coalesce(${part}.${sqlIdentifier(column)}, 0)`;
}

/** Column names of the order features (besides the trend and recency columns built by the caller). */
export function orderCountColumns(): string[] {
  return ['orders_total', 'spend_total', ...featureWindowDays.flatMap((days) => [`orders_${days}d`, `spend_${days}d`])];
}

/** Column names of the session count/sum features. */
export function sessionCountColumns(has: Pick<SessionColumns, 'pages' | 'duration'>): string[] {
  const of = (suffix: string): string[] => [`sessions_${suffix}`, ...(has.pages ? [`pages_${suffix}`] : []), ...(has.duration ? [`duration_s_${suffix}`] : [])];
  return [...of('total'), ...featureWindowDays.flatMap((days) => of(`${days}d`))];
}
