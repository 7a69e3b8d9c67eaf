import type { ShopCustomerFutures } from './shop-customer-simulation.ts';

const secondsPerDay = 86_400;

/** Columns of `optimal-scores.csv`, in file order: the id, then one probability per built-in events-mode task. */
export const shopOptimalScoreColumns = ['customer_id', 'purchase_intent', 'churn', 'cross_sell'] as const;

/** The label windows of events mode (SPEC §3), in days of the shop's calendar. */
export interface ShopLabelWindows {
  /** T as a day index of the calendar (T at 00:00 UTC). */
  readonly cutoffDay: number;
  /** H: purchase_intent and cross_sell look at [T, T + H). */
  readonly horizonDays: number;
  /** C: churn looks at [T, T + C). */
  readonly churnDays: number;
}

/** One customer's Bayes-optimal scores: the probability of each label, null where the customer carries none. */
export interface ShopOptimalScores {
  readonly purchase_intent: number | null;
  readonly churn: number | null;
  /** The probability that cross_sell > 0 (its `positiveAbove`): some spend in a category not ordered before T. */
  readonly cross_sell: number | null;
}

/**
 * The probability of each built-in label (SPEC §3, as events-mode ingestion builds it) over a customer's simulated
 * futures: the share of futures in which purchase_intent (an order with T ≤ ts < T+H), churn (no order and no
 * session with T ≤ ts < T+C; only for customers with an order before T) and cross_sell > 0 (an order with
 * T ≤ ts < T+H in a category not ordered before T) hold. `futures` undefined (a customer who signed up on or after
 * T, outside the feature table) gives nulls.
 */
export function shopOptimalScores(futures: ShopCustomerFutures | undefined, { cutoffDay, horizonDays, churnDays }: ShopLabelWindows): ShopOptimalScores {
  if (futures === undefined || futures.replicas.length === 0) return { purchase_intent: null, churn: null, cross_sell: null };
  const start = cutoffDay * secondsPerDay;
  const horizonEnd = start + horizonDays * secondsPerDay;
  const churnEnd = start + churnDays * secondsPerDay;
  const inWindow = (second: number, end: number): boolean => second >= start && second < end;
  let purchases = 0;
  let churns = 0;
  let crossSells = 0;
  for (const { sessions, orders } of futures.replicas) {
    if (orders.some((o) => inWindow(o.second, horizonEnd))) purchases++;
    if (!orders.some((o) => inWindow(o.second, churnEnd)) && !sessions.some((s) => inWindow(s.second, churnEnd))) churns++;
    if (orders.some((o) => inWindow(o.second, horizonEnd) && !futures.orderedCategories.has(o.category))) crossSells++;
  }
  const n = futures.replicas.length;
  return { purchase_intent: purchases / n, churn: futures.orderedCategories.size > 0 ? churns / n : null, cross_sell: crossSells / n };
}
