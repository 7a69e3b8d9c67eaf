import { builtInEventLabelColumns } from '../../config/schema.ts';
import type { ResultColumns } from './duckdb-columns.ts';
import { bandsOf, featureWindowDays, maxBand, microsPerDay, type SessionColumns } from './event-feature-sql.ts';

/** One column of the events table: its name and its values by customer index (numbers: NaN or ±Infinity mean missing). */
export interface EventTableColumn {
  readonly name: string;
  readonly values: Float64Array | readonly (string | null)[];
}

/** What DuckDB computed, narrow (see event-feature-sql.ts): per customer in cidx order, and long parts that carry `cidx`. */
export interface EventTableParts {
  /** `customerNumbersSql`: one row per customer (labels' parts only when labels are built). */
  readonly customers: ResultColumns;
  /** `customer_id` and the text profile columns `p<i>`, per customer. */
  readonly customerTexts: ReadonlyMap<string, readonly (string | null)[]>;
  readonly orderBands: ResultColumns;
  readonly sessionBands: ResultColumns;
  readonly categorySlots: ResultColumns;
}

/** How the table is laid out: the cutoff, which session columns exist, the profile columns, the category stems. */
export interface EventTableLayout {
  /** T as epoch microseconds. */
  readonly cutoff: bigint;
  readonly has: SessionColumns;
  readonly profile: readonly { readonly name: string; readonly numeric: boolean }[];
  /** Whether the label columns are built. */
  readonly labels: boolean;
  /** Column stems of the listed categories, in slot order; the pool of the rest comes after them. */
  readonly stems: readonly string[];
  readonly otherStem: string;
}

/** The session windows in column order. */
const sessionWindows = ['total', ...featureWindowDays.map((days) => `${days}d` as const)] as const;

/** The order windows: the look-back windows and the 90 days before the last 30 (for the trends). */
const orderWindows = [...sessionWindows, 'prev90'] as const;

type WindowName = keyof typeof bandsOf;

/**
 * Lays DuckDB's narrow per-customer parts out as the events table's columns, in the table's column order (see
 * `buildEventTable`). Reshaping long results into wide columns here costs a few passes over typed arrays, where
 * DuckDB's wide aggregates (dozens of filtered sums per customer) cost several times more.
 */
export function eventTableColumns(parts: EventTableParts, layout: EventTableLayout): EventTableColumn[] {
  const size = parts.customers.rowCount;
  const T = Number(layout.cutoff);
  const day = Number(microsPerDay);
  const daysBefore = (us: number): number => (T - us) / day;
  const filled = (value: number): Float64Array => new Float64Array(size).fill(value);

  // Orders before T, per band: windows are sums over bands.
  const orderCounts = windowSums(parts.orderBands, 'orders', size, orderWindows);
  const spends = windowSums(parts.orderBands, 'spend', size, orderWindows);
  const firstOrder = perCustomer(parts.orderBands, 'first_us', size, Math.min);
  const lastOrder = perCustomer(parts.orderBands, 'last_us', size, Math.max);
  const ordersTotal = orderCounts.total;
  const spendTotal = spends.total;

  const sessionCounts = windowSums(parts.sessionBands, 'sessions', size, [...sessionWindows, 'prev90', 'churnWindow']);
  const pages = layout.has.pages ? windowSums(parts.sessionBands, 'pages', size, sessionWindows) : undefined;
  const durations = layout.has.duration ? windowSums(parts.sessionBands, 'duration_s', size, sessionWindows) : undefined;
  const lastSession = perCustomer(parts.sessionBands, 'last_us', size, Math.max, bandsOf.total);
  const customers = parts.customers;
  const tenure = customers.numbers('signup_us').map(daysBefore);
  const text = (name: string): readonly (string | null)[] => {
    const values = parts.customerTexts.get(name);
    if (values === undefined) throw new Error(`no text column "${name}" was read`);
    return values;
  };

  const slots = layout.stems.length + 1;
  const perSlot = (name: string): Float64Array[] => {
    const values = Array.from({ length: slots }, () => filled(0));
    const { cidx, key: slot, value } = longColumns(parts.categorySlots, 'slot', name);
    for (let r = 0; r < cidx.length; r++) values[slot[r]!]![cidx[r]!] = value[r]!;
    return values;
  };
  const categoryParts = { orders: perSlot('orders'), spend: perSlot('spend'), sessions: perSlot('sessions'), browsed_not_bought: perSlot('browsed_not_bought') };

  const columns: EventTableColumn[] = [
    { name: 'customer_id', values: text('customer_id') },
    ...layout.profile.map(({ name, numeric }, i) => ({ name, values: numeric ? customers.numbers(`p${i}`) : text(`p${i}`) })),
    { name: 'days_since_signup', values: tenure },
    { name: 'order_recency_days', values: lastOrder.map(daysBefore) },
    { name: 'first_order_days', values: firstOrder.map(daysBefore) },
    { name: 'session_recency_days', values: lastSession.map(daysBefore) },
    { name: 'orders_total', values: ordersTotal },
    { name: 'spend_total', values: spendTotal },
    ...featureWindowDays.flatMap((days) => [
      { name: `orders_${days}d`, values: orderCounts[`${days}d`] },
      { name: `spend_${days}d`, values: spends[`${days}d`] },
    ]),
    { name: 'avg_order_value', values: spendTotal.map((spend, c) => (ordersTotal[c] === 0 ? Number.NaN : spend / ordersTotal[c]!)) },
    { name: 'interpurchase_mean_days', values: customers.numbers('interpurchase_mean_days') },
    { name: 'interpurchase_std_days', values: customers.numbers('interpurchase_std_days') },
    { name: 'orders_trend', values: trend(orderCounts['30d'], orderCounts.prev90) },
    { name: 'spend_trend', values: trend(spends['30d'], spends.prev90) },
    ...sessionWindows.flatMap((suffix) => [
      { name: `sessions_${suffix}`, values: sessionCounts[suffix] },
      ...(pages ? [{ name: `pages_${suffix}`, values: pages[suffix] }] : []),
      ...(durations ? [{ name: `duration_s_${suffix}`, values: durations[suffix] }] : []),
    ]),
    { name: 'sessions_trend', values: trend(sessionCounts['30d'], sessionCounts.prev90) },
    // Frequency per day since signup: how often the customer comes, which recency alone cannot tell apart from leaving.
    { name: 'orders_per_day', values: perTenureDay(ordersTotal, tenure) },
    { name: 'sessions_per_day', values: perTenureDay(sessionCounts.total, tenure) },
    { name: 'order_categories', values: customers.numbers('order_categories') },
    ...(layout.has.category
      ? [
          { name: 'browse_categories', values: customers.numbers('browse_categories') },
          { name: 'browsed_not_bought_categories', values: customers.numbers('browsed_not_bought_categories') },
          { name: 'browsed_not_bought_sessions', values: customers.numbers('browsed_not_bought_sessions') },
        ]
      : []),
    { name: 'top_category_spend_share', values: customers.numbers('top_category_spend_share') },
    ...[...layout.stems, layout.otherStem].flatMap((stem, slot) =>
      (['orders', 'spend', 'sessions', 'browsed_not_bought'] as const).map((what) => ({ name: `cat_${stem}_${what}`, values: categoryParts[what][slot]! })),
    ),
  ];
  if (!layout.labels) return columns;

  // The labels of SPEC §3 (see `buildEventTable`): an order in [T, T+H); for buyers before T, no order and no session
  // in [T, T+C); ln(1 + spend in [T, T+H) on categories not ordered before T).
  const purchaseIntent = customers.numbers('in_horizon').map((orders) => (orders > 0 ? 1 : 0));
  const futureInChurnWindow = customers.numbers('in_churn_window');
  const sessionsInChurnWindow = sessionCounts.churnWindow;
  const churn = ordersTotal.map((orders, c) => (orders === 0 ? Number.NaN : futureInChurnWindow[c]! + sessionsInChurnWindow[c]! === 0 ? 1 : 0));
  const crossSell = customers.numbers('cross_sell_spend').map((spend) => Math.log(1 + spend));
  const labels: Record<(typeof builtInEventLabelColumns)[number], Float64Array> = { purchase_intent: purchaseIntent, churn, cross_sell: crossSell };
  return [...columns, ...builtInEventLabelColumns.map((name) => ({ name, values: labels[name] }))];
}

/** A count before T per day since signup (at least one day, so a signup on the eve of T is not a burst). */
function perTenureDay(counts: Float64Array, tenure: Float64Array): Float64Array {
  return counts.map((count, c) => count / Math.max(1, tenure[c]!));
}

/** Last 30 days minus a third of the 90 days before them. */
function trend(last30: Float64Array, previous90: Float64Array): Float64Array {
  return last30.map((value, c) => value - previous90[c]! / 3);
}

/** A part's `cidx` column with a key column (band, slot) and a value column. */
function longColumns(part: ResultColumns, key: string, value: string): { cidx: Float64Array; key: Float64Array; value: Float64Array } {
  return { cidx: part.numbers('cidx'), key: part.numbers(key), value: part.numbers(value) };
}

/**
 * One value per customer from a long part's column: `combine`d over the customer's rows (with `bands`, only the rows
 * of those bands), NaN values skipped; NaN for customers without one.
 */
function perCustomer(part: ResultColumns, name: string, size: number, combine: (a: number, b: number) => number, bands?: readonly number[]): Float64Array {
  const result = new Float64Array(size).fill(Number.NaN);
  const cidx = part.numbers('cidx');
  const values = part.numbers(name);
  const band = bands === undefined ? undefined : part.numbers('band');
  for (let r = 0; r < part.rowCount; r++) {
    const value = values[r]!;
    if (Number.isNaN(value) || (band !== undefined && !bands!.includes(band[r]!))) continue;
    const c = cidx[r]!;
    const current = result[c]!;
    result[c] = Number.isNaN(current) ? value : combine(current, value);
  }
  return result;
}

/**
 * A per-band quantity summed over each of `windows` (see `bandsOf`): one pass over the part's rows adds every value
 * to the windows its band belongs to, so no per-band copy of the values is made (each fresh array of a value per
 * customer costs page faults on first touch). NaN values (a sum of nothing given) count as 0.
 */
function windowSums<const W extends WindowName>(part: ResultColumns, name: string, size: number, windows: readonly W[]): Record<W, Float64Array> {
  const sums = windows.map(() => new Float64Array(size));
  const windowsOfBand = Array.from({ length: maxBand + 1 }, (_, band) => sums.filter((_, w) => (bandsOf[windows[w] as W] as readonly number[]).includes(band)));
  const { cidx, key: band, value } = longColumns(part, 'band', name);
  // Bands in ascending order (DuckDB returns groups in any order): every customer's sums then add the same numbers in
  // the same order on every run, so the same logs give the same bits.
  for (const rows of rowsByBand(band)) {
    for (const r of rows) {
      const amount = value[r]!;
      if (Number.isNaN(amount)) continue;
      const c = cidx[r]!;
      for (const sum of windowsOfBand[band[r]!]!) sum[c]! += amount;
    }
  }
  return Object.fromEntries(windows.map((window, w) => [window, sums[w]])) as Record<W, Float64Array>;
}

/** Row indices grouped by band, bands ascending (a counting sort: bands are small integers). */
function rowsByBand(band: Float64Array): Int32Array[] {
  const counts = new Int32Array(maxBand + 1);
  for (let r = 0; r < band.length; r++) counts[band[r]!]!++;
  const rows = Array.from(counts, (count) => new Int32Array(count));
  const filled = new Int32Array(maxBand + 1);
  for (let r = 0; r < band.length; r++) {
    const b = band[r]!;
    rows[b]![filled[b]!++] = r;
  }
  return rows;
}
