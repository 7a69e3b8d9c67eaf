import { identityMatrix, lowerCholesky, standardLogDensity } from '../../random/gaussian.ts';
import type { SeededRandom } from '../../random/seeded-random.ts';
import { lapseDays, lapseFloor, spellsLogDensity, withLifetimeMean, type ActiveSpell } from './shop-active-spells.ts';
import { prepareTasteLikelihood, tasteDimensions, tasteNormalsOf, type ShopTasteEvent, type ShopTasteNormals } from './shop-taste-posterior.ts';
import { conversionChance, itemsMean, newsletterChance, pagesMean, residualBrowsing, traitsFromNormals, type ShopTraitNormals, type ShopTraitProfile, type ShopTraits } from './shop-traits.ts';

/** A logged session before the cutoff, with what the logs tell of it. */
export interface LoggedShopSession {
  /** Calendar day. */
  readonly day: number;
  readonly pages: number;
  /** It led to an order. */
  readonly converted: boolean;
  /** How much what the customer had viewed and bought of its category raised its chance of converting (logs alone tell this). */
  readonly interest: number;
  /** A sale day (the calendar's). */
  readonly sale: boolean;
  /** The signup visit: its time and chance of converting are alike for every customer, its pages are not. */
  readonly signup: boolean;
}

/** What the logs show of a customer before the cutoff, as far as their traits, spells and tastes matter to it. */
export interface LoggedShopHistory {
  /** Signup, in days since the calendar's start (continuous). */
  readonly signup: number;
  /** The cutoff T as a day index. */
  readonly cutoff: number;
  /** Every session before T, in time order. */
  readonly sessions: readonly LoggedShopSession[];
  /** Days of the orders placed without a session before T. */
  readonly directOrderDays: readonly number[];
  /** Items of every order before T. */
  readonly orderItems: readonly number[];
  /** The categories of the sessions and orders (see `tastePosterior`). */
  readonly tasteEvents: readonly ShopTasteEvent[];
  /** The channel's and age band's part of the dropout risk, and the newsletter flag. */
  readonly profile: ShopTraitProfile;
}

/** The calendar's day factors of the activity processes (see `ShopCalendar`). */
export interface ShopDayFactors {
  readonly sessionFactor: ArrayLike<number>;
  readonly orderFactor: ArrayLike<number>;
  readonly promo: ArrayLike<number>;
}

/** One draw of the posterior: trait and taste normals and the spells (their means those the traits give). */
export interface TraitPosteriorDraw {
  readonly traits: ShopTraitNormals;
  readonly tastes: ShopTasteNormals;
  readonly spells: readonly ActiveSpell[];
}

/** Draws of a customer's traits, tastes and spells given the logs before the cutoff (see {@link traitPosterior}). */
export interface TraitPosterior {
  readonly draws: readonly TraitPosteriorDraw[];
  /** Share of spell proposals accepted (how well the spells mixed). */
  readonly spellAcceptance: number;
  /** Whether a spell path that explains the history was found to start from (else no draw is made: `draws` empty). */
  readonly started: boolean;
}

/** Sampler settings: `draws` kept, one every `thin` sweeps after `burnIn` sweeps; `spellTries` spell proposals per sweep. */
export interface TraitPosteriorOptions {
  readonly draws: number;
  readonly burnIn?: number;
  readonly thin?: number;
  readonly spellTries?: number;
}

const traitDimensions = 4;

/**
 * The joint posterior of a customer's rate traits (engagement, browsing, risk, promotion sensitivity), tastes and
 * spells given only what the logs before the cutoff show, by Metropolis-within-Gibbs: each sweep moves the traits
 * (a random walk, its shape learnt during burn-in), the tastes (likewise) and the spells (proposals from their prior
 * given the traits, accepted by the likelihood ratio). The likelihood is the generator's: sessions and direct
 * orders as Poisson processes shaped by the calendar and the spells (fading while lapsing, window shopping only while
 * away), each session's conversion, its pages, each order's items, the newsletter flag, and the categories (the
 * tastes' part, `prepareTasteLikelihood`). `drawSpells` draws a spell path from the prior given the first mean lifetime.
 */
export function traitPosterior(
  random: SeededRandom,
  history: LoggedShopHistory,
  days: ShopDayFactors,
  drawSpells: (random: SeededRandom, lifetimeMean: number) => ActiveSpell[],
  { draws, burnIn = 1000, thin = 3, spellTries = 3 }: TraitPosteriorOptions,
): TraitPosterior {
  const timing = prepareTimingLikelihood(history, days);
  const tasteLikelihood = prepareTasteLikelihood(history.tasteEvents);
  const content = prepareContentLikelihood(history);

  let traitNormals: Float64Array = new Float64Array(traitDimensions);
  let traits = traitsOf(traitNormals, history.profile);
  let tasteNormals: Float64Array = new Float64Array(tasteDimensions);
  // A start that explains the history: spells from the prior until one has every logged order in a spell.
  let spells: ActiveSpell[] | undefined;
  let stats: PathStats | undefined;
  for (let tries = 0; tries < 5000 && stats === undefined; tries++) {
    const candidate = drawSpells(random, traits.lifetimeMean);
    const candidateStats = timing.stats(candidate);
    if (Number.isFinite(timing.logLikelihood(traits, candidateStats))) [spells, stats] = [candidate, candidateStats];
  }
  if (spells === undefined || stats === undefined) return { draws: [], spellAcceptance: 0, started: false };

  // The log posterior (up to a constant) at traits `normals` and the current tastes and spells.
  const logPosterior = (normals: Float64Array, t: ShopTraits, s: PathStats, path: readonly ActiveSpell[]): number =>
    standardLogDensity(normals) +
    timing.logLikelihood(t, s) +
    content(t) +
    spellsLogDensity(path, t.lifetimeMean) +
    standardLogDensity(tasteNormals) +
    tasteLikelihood(tasteNormals, t.browsing);
  const traitWalk = adaptiveWalk(traitDimensions, 0.5);
  const tasteWalk = adaptiveWalk(tasteDimensions, 0.3);
  let current = logPosterior(traitNormals, traits, stats, spells);
  let spellProposals = 0;
  let spellAccepted = 0;
  const kept: TraitPosteriorDraw[] = [];
  for (let sweep = 0; kept.length < draws; sweep++) {
    const adapting = sweep < burnIn;
    // Traits.
    const proposedNormals = traitWalk.propose(random, traitNormals);
    const proposedTraits = traitsOf(proposedNormals, history.profile);
    const proposed = logPosterior(proposedNormals, proposedTraits, stats, spells);
    const traitMove = Math.log(random.next()) < proposed - current;
    if (traitMove) [traitNormals, traits, current] = [proposedNormals, proposedTraits, proposed];
    traitWalk.record(traitNormals, traitMove, adapting);
    // Tastes (their prior and the categories are all that depend on them).
    const proposedTastes = tasteWalk.propose(random, tasteNormals);
    const tasteDelta = standardLogDensity(proposedTastes) + tasteLikelihood(proposedTastes, traits.browsing) - standardLogDensity(tasteNormals) - tasteLikelihood(tasteNormals, traits.browsing);
    const tasteMove = Math.log(random.next()) < tasteDelta;
    if (tasteMove) {
      tasteNormals = proposedTastes;
      current += tasteDelta;
    }
    tasteWalk.record(tasteNormals, tasteMove, adapting);
    // Spells: proposals from their prior given the traits, so only the likelihood ratio decides.
    let currentTiming = timing.logLikelihood(traits, stats);
    for (let k = 0; k < spellTries; k++) {
      const candidate = drawSpells(random, traits.lifetimeMean);
      const candidateStats = timing.stats(candidate);
      const candidateTiming = timing.logLikelihood(traits, candidateStats);
      const delta = candidateTiming - currentTiming;
      spellProposals++;
      if (Math.log(random.next()) < delta) {
        current += delta + spellsLogDensity(candidate, traits.lifetimeMean) - spellsLogDensity(spells, traits.lifetimeMean);
        [spells, stats, currentTiming] = [candidate, candidateStats, candidateTiming];
        spellAccepted++;
      }
    }
    if (sweep >= burnIn && (sweep - burnIn) % thin === 0) {
      kept.push({
        // Views, not copies: the moves replace these arrays, never write into them.
        traits: traitNormalsOf(traitNormals),
        tastes: tasteNormalsOf(tasteNormals),
        spells: withLifetimeMean(spells, traits.lifetimeMean),
      });
    }
  }
  return { draws: kept, spellAcceptance: spellAccepted / Math.max(1, spellProposals), started: true };
}

function traitNormalsOf(normals: Float64Array): ShopTraitNormals {
  return { engagement: normals[0] as number, browsing: normals[1] as number, risk: normals[2] as number, promo: normals[3] as number };
}

function traitsOf(normals: Float64Array, profile: ShopTraitProfile): ShopTraits {
  return traitsFromNormals(traitNormalsOf(normals), profile);
}

/**
 * A Gaussian random walk whose shape is learnt while adapting: its covariance is the draws' so far (refreshed every
 * 100 moves) and its scale is steered towards accepting a quarter of the moves.
 */
function adaptiveWalk(d: number, initialScale: number): {
  propose: (random: SeededRandom, from: Float64Array) => Float64Array;
  record: (at: Float64Array, accepted: boolean, adapting: boolean) => void;
} {
  let scale = initialScale;
  let chol = identityMatrix(d);
  let moves = 0;
  const sum = new Float64Array(d);
  const products = new Float64Array(d * d);
  return {
    propose: (random, from) => {
      const z = Float64Array.from({ length: d }, () => random.normal());
      return Float64Array.from({ length: d }, (_, a) => {
        let step = 0;
        for (let k = 0; k <= a; k++) step += (chol[a * d + k] as number) * (z[k] as number);
        return (from[a] as number) + scale * step;
      });
    },
    record: (at, accepted, adapting) => {
      if (!adapting) return;
      moves++;
      scale *= Math.exp(((accepted ? 1 : 0) - 0.25) / Math.sqrt(moves));
      for (let a = 0; a < d; a++) {
        sum[a] = (sum[a] as number) + (at[a] as number);
        for (let b = 0; b <= a; b++) products[a * d + b] = (products[a * d + b] as number) + (at[a] as number) * (at[b] as number);
      }
      if (moves % 100 === 0 && moves >= 200) {
        const covariance = new Float64Array(d * d);
        for (let a = 0; a < d; a++) {
          for (let b = 0; b <= a; b++) covariance[a * d + b] = (products[a * d + b] as number) / moves - ((sum[a] as number) / moves) * ((sum[b] as number) / moves);
        }
        // Normalised to unit average variance: the scale carries the size, the covariance the shape.
        let trace = 0;
        for (let a = 0; a < d; a++) trace += covariance[a * d + a] as number;
        for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) covariance[a * d + b] = ((covariance[a * d + b] as number) * d) / trace + (a === b ? 1e-3 : 0);
        chol = lowerCholesky(covariance, d) ?? chol;
      }
    },
  };
}

/** What a spell path contributes to the timing likelihood, whatever the rates: exposures and each event day's activity. */
interface PathStats {
  /** ∫ over [signup, T) of the activity weighted by the session factor, the order factor off sale, and on sale. */
  readonly sessionExposure: number;
  readonly orderExposure: number;
  readonly saleOrderExposure: number;
  /** Days in spells over [signup, T). */
  readonly activeTime: number;
  /** Per event day (in {@link prepareTimingLikelihood}'s order): ∫ of the activity over the day, and the time away. */
  readonly active: Float64Array;
  readonly away: Float64Array;
}

/**
 * The log-likelihood of the sessions' and direct orders' times and the sessions' conversions given the traits and a
 * spell path's {@link PathStats}: Σ_sessions log(s_d·A_d·P(outcome | in a spell) + r·W_d·P(outcome | away)) +
 * Σ_direct log(o_d·A_d) − ∫ (s + o)·a − r·(time away), as `spellPosterior` weighs spells for known rates.
 */
function prepareTimingLikelihood(history: LoggedShopHistory, { sessionFactor, orderFactor, promo }: ShopDayFactors): {
  stats: (spells: readonly ActiveSpell[]) => PathStats;
  logLikelihood: (traits: ShopTraits, stats: PathStats) => number;
} {
  const { signup, cutoff } = history;
  const cumulative = (weight: (d: number) => number): { at: (x: number) => number; timesT: (x: number) => number; w: Float64Array } => {
    const w = Float64Array.from({ length: cutoff + 1 }, (_, d) => (d < cutoff ? weight(d) : 0));
    const k0 = new Float64Array(cutoff + 2);
    const k1 = new Float64Array(cutoff + 2);
    for (let d = 0; d <= cutoff; d++) {
      k0[d + 1] = (k0[d] as number) + (w[d] as number);
      k1[d + 1] = (k1[d] as number) + ((w[d] as number) * (2 * d + 1)) / 2;
    }
    return {
      w,
      // ∫_0^x w and ∫_0^x w·t, w constant within a day.
      at: (x) => {
        const d = Math.min(Math.floor(x), cutoff);
        return (k0[d] as number) + (x - d) * (w[d] as number);
      },
      timesT: (x) => {
        const d = Math.min(Math.floor(x), cutoff);
        return (k1[d] as number) + ((w[d] as number) * (x * x - d * d)) / 2;
      },
    };
  };
  const weights = [
    cumulative((d) => sessionFactor[d] as number),
    cumulative((d) => (promo[d] === 1 ? 0 : (orderFactor[d] as number))),
    cumulative((d) => (promo[d] === 1 ? (orderFactor[d] as number) : 0)),
  ] as const;
  const fadeSlope = (1 - lapseFloor) / lapseDays;
  /** ∫ over [lo, hi) of w·a for a spell (w = 1 without a weight): flat up to the lapse, then lapseFloor + slope·(to − t). */
  const activity = (spell: ActiveSpell, lo: number, hi: number, weight?: (typeof weights)[number]): number => {
    const mass = (a: number, b: number): number => (weight === undefined ? b - a : weight.at(b) - weight.at(a));
    const fadeStart = spell.to - lapseDays;
    let sum = 0;
    const flatEnd = Math.min(hi, fadeStart);
    if (flatEnd > lo) sum += mass(lo, flatEnd);
    const fadeFrom = Math.max(lo, fadeStart);
    if (hi > fadeFrom) {
      const m = mass(fadeFrom, hi);
      const toward = weight === undefined ? ((spell.to - fadeFrom) ** 2 - (spell.to - hi) ** 2) / 2 : spell.to * m - (weight.timesT(hi) - weight.timesT(fadeFrom));
      sum += lapseFloor * m + fadeSlope * toward;
    }
    return sum;
  };

  // Event days: the days with a session (not the signup visit) or a direct order, each with what happened.
  const byDay = new Map<number, { sessions: LoggedShopSession[]; direct: number }>();
  const at = (day: number): { sessions: LoggedShopSession[]; direct: number } => {
    let entry = byDay.get(day);
    if (entry === undefined) byDay.set(day, (entry = { sessions: [], direct: 0 }));
    return entry;
  };
  for (const session of history.sessions) if (!session.signup) at(session.day).sessions.push(session);
  for (const day of history.directOrderDays) at(day).direct++;
  const eventDays = [...byDay.entries()].sort(([a], [b]) => a - b).map(([day, entry]) => ({ day, ...entry }));

  return {
    stats: (spells) => {
      let sessionExposure = 0;
      let orderExposure = 0;
      let saleOrderExposure = 0;
      let activeTime = 0;
      for (const spell of spells) {
        if (spell.from >= cutoff) break;
        const hi = Math.min(spell.to, cutoff);
        activeTime += hi - spell.from;
        sessionExposure += activity(spell, spell.from, hi, weights[0]);
        orderExposure += activity(spell, spell.from, hi, weights[1]);
        saleOrderExposure += activity(spell, spell.from, hi, weights[2]);
      }
      const active = new Float64Array(eventDays.length);
      const away = new Float64Array(eventDays.length);
      eventDays.forEach(({ day }, k) => {
        const lo = Math.max(day, signup);
        const hi = Math.min(day + 1, cutoff);
        let inSpells = 0;
        let sum = 0;
        for (const spell of spells) {
          if (spell.from >= hi) break;
          const l = Math.max(lo, spell.from);
          const u = Math.min(hi, spell.to);
          if (u > l) {
            sum += activity(spell, l, u);
            inSpells += u - l;
          }
        }
        active[k] = sum;
        away[k] = Math.max(0, hi - lo - inSpells);
      });
      return { sessionExposure, orderExposure, saleOrderExposure, activeTime, active, away };
    },
    logLikelihood: (traits, { sessionExposure, orderExposure, saleOrderExposure, activeTime, active, away }) => {
      const awayRate = traits.sessionRate * residualBrowsing;
      let log = 0;
      for (let k = 0; k < eventDays.length; k++) {
        const { day, sessions, direct } = eventDays[k] as (typeof eventDays)[number];
        const a = active[k] as number;
        const w = away[k] as number;
        const sessionRate = traits.sessionRate * (sessionFactor[day] as number);
        for (const session of sessions) {
          const chance = conversionChance(traits, session.interest, session.sale);
          log += Math.log(sessionRate * a * (session.converted ? chance : 1 - chance) + (session.converted ? 0 : awayRate * w));
        }
        if (direct > 0) log += direct * Math.log(traits.directRate * (orderFactor[day] as number) * (promo[day] === 1 ? traits.promoSensitivity : 1) * a);
      }
      const expected =
        traits.sessionRate * sessionExposure + traits.directRate * (orderExposure + traits.promoSensitivity * saleOrderExposure) + awayRate * (cutoff - signup - activeTime);
      return log - expected;
    },
  };
}

/**
 * log P(pages, items and newsletter flag | traits), up to constants: a session's pages beyond the first are Poisson
 * (plus Poisson(2) more when it converts), an order's items beyond the first Poisson, the flag Bernoulli.
 */
function prepareContentLikelihood(history: LoggedShopHistory): (traits: ShopTraits) => number {
  let browsedPages = 0;
  let browsed = 0;
  let convertedPages = 0;
  let converted = 0;
  for (const session of history.sessions) {
    if (session.converted) {
      convertedPages += session.pages - 3;
      converted++;
    } else {
      browsedPages += session.pages - 1;
      browsed++;
    }
  }
  const extraItems = history.orderItems.reduce((s, items) => s + items - 1, 0);
  const orders = history.orderItems.length;
  return (traits) => {
    const pages = pagesMean(traits.browsing);
    const items = itemsMean(traits.engagement);
    const subscribed = newsletterChance(traits.engagement, traits.risk);
    return (
      browsedPages * Math.log(pages) -
      browsed * pages +
      convertedPages * Math.log(pages + 2) -
      converted * (pages + 2) +
      extraItems * Math.log(items) -
      orders * items +
      Math.log(history.profile.newsletter ? subscribed : 1 - subscribed)
    );
  };
}
