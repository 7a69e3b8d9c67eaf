import type { SeededRandom } from '../../random/seeded-random.ts';
import { normaliseLogWeights, pickCumulative } from '../../random/weighted-draws.ts';
import { lapseDays, lapseFloor, spellStateAt, type ActiveSpell } from './shop-active-spells.ts';

/** A session before the cutoff (the signup visit aside), with what whether it converted says about the customer. */
export interface ObservedShopSession {
  /** The calendar day it happened on: what the logs tell of its time (its second within the day is drawn apart). */
  readonly day: number;
  /** The chance of its outcome were the customer in a spell: the session's conversion chance if it led to an order, else 1 − that. */
  readonly ifActive: number;
  /** The same were the customer away: window shopping never converts, so 1 without an order and 0 with one. */
  readonly ifAway: number;
}

/** What the logs show of a customer before the cutoff, as far as the spells matter to it. */
export interface ObservedShopHistory {
  /** Signup, in days since the calendar's start (continuous): the first spell starts there. */
  readonly signup: number;
  /** The cutoff T as a day index. */
  readonly cutoff: number;
  /** Sessions of the activity process before T (not the signup visit, which every path has alike). */
  readonly sessions: readonly ObservedShopSession[];
  /** Days of the orders placed without a session before T. */
  readonly directOrderDays: readonly number[];
}

/** The customer's true rates: the intensities of the generator's Poisson processes per calendar day. */
export interface ShopActivityRates {
  /** Sessions per day on calendar day `day` in a spell, before the lapse's fade. */
  readonly session: (day: number) => number;
  /** Orders without a session per day on calendar day `day` in a spell, before the fade (none while away). */
  readonly directOrder: (day: number) => number;
  /** Window-shopping sessions per day while away (between spells, after the last). */
  readonly awaySession: number;
}

/** Weighted spell paths: a sample of the posterior of the customer's spells given the history before the cutoff. */
export interface SpellPosterior {
  readonly paths: readonly (readonly ActiveSpell[])[];
  /** Cumulative normalised weights of `paths`. */
  readonly cumulative: Float64Array;
  /** (Σw)² / Σw²: how many equally weighted paths the sample is worth; 0 when no path explains the history. */
  readonly effectiveSampleSize: number;
}

/**
 * The posterior of a customer's hidden spell structure (when they dropped out, lapsed, came back) given their true
 * rates and the observed history before the cutoff, by self-normalised importance sampling: paths are drawn from the
 * generator's own prior (`drawPath`) — `count`, then doubling while their effective sample size is under
 * `minEffective`, up to `maxPaths` — and each is weighted by the likelihood of the history under it. The
 * history is two Poisson processes observed per day — sessions (rate × fade in a spell, `awaySession` while away)
 * and direct orders (rate × fade in a spell, none while away) — plus each session's outcome, whose chance differs in
 * a spell and away. Factors alike on every path (the signup visit, categories, pages, amounts) are left out.
 */
export function spellPosterior(
  random: SeededRandom,
  history: ObservedShopHistory,
  rates: ShopActivityRates,
  drawPath: (random: SeededRandom) => ActiveSpell[],
  { count, minEffective = count / 4, maxPaths = 32 * count }: { readonly count: number; readonly minEffective?: number; readonly maxPaths?: number },
): SpellPosterior {
  const likelihood = prepareLikelihood(history, rates);
  const paths: ActiveSpell[][] = [];
  const logWeights: number[] = [];
  for (let target = count; ; target = Math.min(2 * target, maxPaths)) {
    while (paths.length < target) {
      const path = drawPath(random);
      paths.push(path);
      logWeights.push(likelihood(path));
    }
    const weighted = { paths, ...normaliseLogWeights(logWeights) };
    if (weighted.effectiveSampleSize >= minEffective || target >= maxPaths) return weighted;
  }
}

/** One path drawn from the weighted sample. */
export function drawPosteriorPath(random: SeededRandom, { paths, cumulative }: SpellPosterior): readonly ActiveSpell[] {
  return paths[pickCumulative(random, cumulative)] as readonly ActiveSpell[];
}

/** The posterior probability that the customer is active (not lapsing), lapsing or lost at day `cutoff`. */
export function spellStatePosterior({ paths, cumulative }: SpellPosterior, cutoff: number): { active: number; lapsing: number; lost: number } {
  const shares = { active: 0, lapsing: 0, lost: 0 };
  let previous = 0;
  paths.forEach((path, i) => {
    const weight = (cumulative[i] as number) - previous;
    previous = cumulative[i] as number;
    const state = spellStateAt(path, cutoff);
    shares[state.kind === 'lost' ? 'lost' : state.lapsing ? 'lapsing' : 'active'] += weight;
  });
  return shares;
}

/**
 * The log-likelihood of the history under a spell path, up to terms alike on every path. With a(t) the activity
 * (1 in a spell, fading to `lapseFloor` over its last `lapseDays`, 0 away), A_d = ∫_day a and W_d the time away on
 * day d: Σ_sessions log(s_d·A_d·ifActive + r·W_d·ifAway) + Σ_direct log(o_d·A_d) − ∫ (s + o)·a − r·(time away), over
 * [signup, T). The integral uses cumulative sums of s + o, so a path costs its spells × the days with events.
 */
function prepareLikelihood({ signup, cutoff, sessions, directOrderDays }: ObservedShopHistory, rates: ShopActivityRates): (path: readonly ActiveSpell[]) => number {
  // g(t) = s + o on the day of t; K0/K1: Σ over whole days before d of ∫ g and ∫ g·t.
  const g = new Float64Array(cutoff + 1);
  const k0 = new Float64Array(cutoff + 1);
  const k1 = new Float64Array(cutoff + 1);
  for (let d = 0; d < cutoff; d++) {
    g[d] = rates.session(d) + rates.directOrder(d);
    k0[d + 1] = (k0[d] as number) + (g[d] as number);
    k1[d + 1] = (k1[d] as number) + ((g[d] as number) * (2 * d + 1)) / 2;
  }
  const g0 = (x: number): number => {
    const d = Math.floor(x);
    return (k0[d] as number) + (x - d) * (g[d] as number);
  };
  const g1 = (x: number): number => {
    const d = Math.floor(x);
    return (k1[d] as number) + ((g[d] as number) * (x * x - d * d)) / 2;
  };
  const fadeSlope = (1 - lapseFloor) / lapseDays;
  // ∫ over [lo, hi) of w·a for a spell, w = g (weighted) or 1: flat up to the lapse, then lapseFloor + slope·(to − t).
  const activity = (spell: ActiveSpell, lo: number, hi: number, weighted: boolean): number => {
    const fadeStart = spell.to - lapseDays;
    let sum = 0;
    const flatEnd = Math.min(hi, fadeStart);
    if (flatEnd > lo) sum += weighted ? g0(flatEnd) - g0(lo) : flatEnd - lo;
    const fadeFrom = Math.max(lo, fadeStart);
    if (hi > fadeFrom) {
      const mass = weighted ? g0(hi) - g0(fadeFrom) : hi - fadeFrom;
      // ∫ w·(to − t) dt
      const toward = weighted ? spell.to * mass - (g1(hi) - g1(fadeFrom)) : ((spell.to - fadeFrom) ** 2 - (spell.to - hi) ** 2) / 2;
      sum += lapseFloor * mass + fadeSlope * toward;
    }
    return sum;
  };

  // The history grouped by day.
  const byDay = new Map<number, { sessions: ObservedShopSession[]; direct: number }>();
  const at = (day: number): { sessions: ObservedShopSession[]; direct: number } => {
    let entry = byDay.get(day);
    if (entry === undefined) byDay.set(day, (entry = { sessions: [], direct: 0 }));
    return entry;
  };
  for (const session of sessions) at(session.day).sessions.push(session);
  for (const day of directOrderDays) at(day).direct++;
  const days = [...byDay.entries()]
    .sort(([a], [b]) => a - b)
    .map(([day, { sessions: daySessions, direct }]) => ({ day, sessions: daySessions, direct, session: rates.session(day), directOrder: rates.directOrder(day) }));
  // Σ over the days before index k of the day's terms on a path that is in a spell, not yet lapsing, all day
  // (A_d = 1, W_d = 0): the common case, added in one step for each spell's steady stretch.
  const steadyBefore = new Float64Array(days.length + 1);
  days.forEach(({ sessions: daySessions, direct, session, directOrder }, k) => {
    let steady = direct > 0 ? direct * Math.log(directOrder) : 0;
    for (const s of daySessions) steady += Math.log(session * s.ifActive);
    steadyBefore[k + 1] = (steadyBefore[k] as number) + steady;
  });
  const firstDayFrom = (day: number): number => {
    let lo = 0;
    let hi = days.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((days[mid] as (typeof days)[number]).day < day) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // The terms of the day at index k on `path`, in general.
  const dayTerms = (path: readonly ActiveSpell[], k: number): number => {
    const { day, sessions: daySessions, direct, session, directOrder } = days[k] as (typeof days)[number];
    const lo = Math.max(day, signup);
    const hi = Math.min(day + 1, cutoff);
    let active = 0;
    let inSpells = 0;
    for (const spell of path) {
      if (spell.from >= hi) break;
      const l = Math.max(lo, spell.from);
      const u = Math.min(hi, spell.to);
      if (u > l) {
        active += activity(spell, l, u, false);
        inSpells += u - l;
      }
    }
    const away = Math.max(0, hi - lo - inSpells);
    let log = direct > 0 ? direct * Math.log(directOrder * active) : 0;
    for (const s of daySessions) log += Math.log(session * active * s.ifActive + rates.awaySession * away * s.ifAway);
    return log;
  };

  return (path) => {
    let activeTime = 0;
    let expected = 0;
    let log = 0;
    let k = 0;
    for (const spell of path) {
      if (spell.from >= cutoff) break;
      const hi = Math.min(spell.to, cutoff);
      activeTime += hi - spell.from;
      expected += activity(spell, spell.from, hi, true);
      // Days d with spell.from <= d and d + 1 <= spell.to - lapseDays are steady.
      const steadyFrom = firstDayFrom(Math.ceil(spell.from));
      const steadyTo = firstDayFrom(Math.floor(spell.to - lapseDays));
      if (steadyTo <= steadyFrom) continue;
      for (; k < steadyFrom; k++) log += dayTerms(path, k);
      log += (steadyBefore[steadyTo] as number) - (steadyBefore[steadyFrom] as number);
      k = steadyTo;
      if (log === Number.NEGATIVE_INFINITY) return log;
    }
    for (; k < days.length && log !== Number.NEGATIVE_INFINITY; k++) log += dayTerms(path, k);
    return log - expected - rates.awaySession * (cutoff - signup - activeTime);
    return log;
  };
}
