import { exponential, pickIndex, poisson } from '../../random/random-draws.ts';
import type { SeededRandom } from '../../random/seeded-random.ts';
import { drawActiveSpells, lapseFade, redrawSpells, spellStateAt, type ActiveSpell } from './shop-active-spells.ts';
import type { ShopCalendar } from './shop-calendar.ts';
import { drawPosteriorPath, spellPosterior, spellStatePosterior, type ObservedShopSession, type ShopActivityRates, type SpellPosterior } from './shop-spell-posterior.ts';
import { traitPosterior, type LoggedShopSession, type TraitPosterior, type TraitPosteriorDraw } from './shop-trait-posterior.ts';
import { conversionChance, itemsMean, newsletterChance, pagesMean, residualBrowsing, traitsFromNormals, type ShopTraits } from './shop-traits.ts';
import { drawPosteriorTaste, shiftTaste, tastePosterior, tastesAfter, tastesFromNormals, type ShopTasteEvent, type ShopTasteNormals, type TastePosterior } from './shop-taste-posterior.ts';
import {
  ageBands,
  agePrice,
  ageWeights,
  categoryPopularity,
  categoryPrice,
  categoryRelations,
  channelRisk,
  channels,
  channelWeights,
  deviceWeightsByAge,
  devices,
  hourWeights,
  regionPrice,
  regions,
  regionWeights,
  shopCategories,
} from './shop-catalog.ts';

/** A customer's profile as the shop exported it: `null` where the export lost the field. */
export interface ShopCustomerProfile {
  readonly customerId: string;
  /** `YYYY-MM-DD`. */
  readonly signupDate: string;
  readonly ageBand: string | null;
  readonly region: string | null;
  readonly channel: string;
  readonly devicePreference: string | null;
  readonly newsletter: 'yes' | 'no' | null;
}

/** One browsing session. Times are whole seconds since the calendar's first day, 00:00 UTC. */
export interface ShopSession {
  readonly second: number;
  readonly pages: number;
  readonly durationS: number;
  readonly device: string;
  readonly category: string;
}

/** One order (the id is given when it is written). */
export interface ShopOrder {
  readonly second: number;
  /** Positive, rounded to cents. */
  readonly amount: number;
  readonly category: string;
  readonly items: number;
  readonly promo: boolean;
  /** The export wrote this row twice (a realistic defect). */
  readonly duplicated: boolean;
}

/** Everything one customer did: the profile and their sessions and orders, each in time order. */
export interface SimulatedShopCustomer {
  readonly profile: ShopCustomerProfile;
  readonly sessions: ShopSession[];
  readonly orders: ShopOrder[];
  /** With {@link ShopFuturesOptions} and a signup before the cutoff: what could happen from the cutoff on. */
  readonly futures?: ShopCustomerFutures;
}

/**
 * Replays of a customer's future from a cutoff: the simulation is stopped at the cutoff day (all events before it
 * done) and run on from there `replicas` times with fresh random draws. What the logs do not show is not taken from
 * the generator's draw but from its posterior given the history before the cutoff (see `knows`): by default the
 * customer's rate traits, tastes (the affinity for each category, how often sessions stray to related ones, how far
 * orders pull the taste) and spell structure (when they dropped out, whether lapsing or lost at the cutoff) together
 * (`traitPosterior`); what lies ahead (when the spell ends, comebacks) is drawn afresh. The share of replicas in which
 * a label holds is the probability of that label given the observed history: the Bayes-optimal score.
 */
export interface ShopFuturesOptions {
  /** The cutoff T as a day index of the calendar (T at 00:00 UTC). */
  readonly cutoffDay: number;
  /** Futures to simulate per customer. */
  readonly replicas: number;
  /** The stream the futures draw from; the customer's own stream (and so the files) stay as without futures. */
  readonly random: SeededRandom;
  /** Futures are simulated up to this day (excluded): the end of the last label window. @default the calendar's end */
  readonly endDay?: number;
  /**
   * What the futures know beyond the history before the cutoff: `logs` — nothing (traits, tastes and spells weighed
   * by that history: the Bayes-optimal score of an observer of the logs, who is only also told which orders came from
   * a session and the few profile fields the export lost); `rates` — the true rate traits (tastes and spells
   * weighed); `tastes` — the true tastes too (spells weighed); `spells` — the spells up to the cutoff too (the hidden
   * state). Each knows more than the one before, so each is a higher ceiling.
   * @default 'logs'
   */
  readonly knows?: ShopFuturesKnowledge;
  /**
   * Spell paths drawn from the prior and weighted by the history, unless `knows: 'spells'`; doubled, up to 32 times
   * as many, while their effective sample size is under a quarter of this. @default 400
   */
  readonly paths?: number;
  /** Draws of the tastes that stand for their posterior (`tastePosterior`), with `knows: 'rates'`. @default 200 */
  readonly tasteDraws?: number;
  /** Draws of traits, tastes and spells kept from their joint posterior (`traitPosterior`), with `knows: 'logs'`. @default 200 */
  readonly traitDraws?: number;
}

/** What simulated futures may know beyond the history before the cutoff (see {@link ShopFuturesOptions.knows}). */
export const shopFuturesKnowledge = ['logs', 'rates', 'tastes', 'spells'] as const;
export type ShopFuturesKnowledge = (typeof shopFuturesKnowledge)[number];

/** A customer's simulated futures from the cutoff (see {@link ShopFuturesOptions}). */
export interface ShopCustomerFutures {
  /** Categories the customer ordered before the cutoff. */
  readonly orderedCategories: ReadonlySet<string>;
  /** Where the customer truly stood at the cutoff (the generator's draw): in a spell (lapsing: in its last days), or lost. */
  readonly state: 'active' | 'lapsing' | 'lost';
  /** The probability of each state given what the futures start from (see {@link ShopFuturesOptions.knows}). */
  readonly statePosterior: { readonly active: number; readonly lapsing: number; readonly lost: number };
  /** The effective sample size of the weighted spell paths (1 with `knows: 'spells'`; 0 if no drawn path fit, see `replayFutures`). */
  readonly effectiveSampleSize: number;
  /** With `knows: 'rates'`: the tastes' posterior, and the generator's own taste normals, which it should cover (for checks). */
  readonly tastes?: { readonly posterior: TastePosterior; readonly own: ShopTasteNormals };
  /** With `knows: 'logs'`: the joint posterior of traits, tastes and spells, and the generator's own (for checks). */
  readonly traits?: { readonly posterior: TraitPosterior; readonly own: TraitPosteriorDraw };
  /** Per replica, the sessions and orders at or after the cutoff, in the order they were simulated. */
  readonly replicas: readonly { readonly sessions: readonly ShopSession[]; readonly orders: readonly ShopOrder[] }[];
}

/** Share of new customers whose signup visit is logged as a session, and its chance of converting. */
const signupSessionChance = 0.8;
const signupConversion = 0.35;
/** Share of orders with a promo code outside and inside a sale, and the discount range. */
const promoCodeShareOutsideSale = 0.04;
const promoCodeShareInSale = 0.8;
/** Share of new signups in the last days of the history (a recent acquisition push). */
const recentSignupShare = 0.12;
const recentSignupDays = 90;
/** Realistic defects: duplicated order rows and profile fields lost in export. */
const duplicateOrderShare = 0.002;
const missingAgeShare = 0.03;
const missingRegionShare = 0.015;
const missingDeviceShare = 0.025;
const missingNewsletterShare = 0.025;

const secondsPerDay = 86_400;
const twoDigits = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/**
 * Simulates one customer of the shop from signup to the calendar's last day, drawing everything from `random`.
 *
 * Latent traits — engagement (purchase rate), browsing intensity, dropout risk, price level, category affinities,
 * a taste for related categories and promotion sensitivity — drive two Poisson processes (sessions, and orders
 * placed without a logged session) that follow the calendar's weekly, yearly and sale rhythm. Sessions convert into
 * an order in the browsed (or a related) category, more often for engaged customers and in categories they have
 * looked at before; each order shifts the customer's taste towards related categories. A customer stays active for
 * an exponential lifetime (shorter for risky ones), fades out over a lapsing phase, then is lost (rare window
 * shopping only) and occasionally comes back.
 */
export function simulateShopCustomer(random: SeededRandom, calendar: ShopCalendar, customerId: string, futuresOptions?: ShopFuturesOptions): SimulatedShopCustomer {
  // The stream the activity draws from: the customer's own, or a future's while futures are replayed.
  let rng = random;
  const normal = (): number => rng.normal();
  const ageIndex = pickIndex(random, ageWeights);
  const regionIndex = pickIndex(random, regionWeights);
  const channelIndex = pickIndex(random, channelWeights);
  const deviceIndex = pickIndex(random, deviceWeightsByAge[ageIndex] ?? [1]);

  // Latent traits as standard-normal scores, correlated the way shoppers are.
  const traitNormals = { engagement: normal(), browsing: normal(), risk: normal(), promo: 0 };
  const riskOffset = (channelRisk[channelIndex] ?? 0) + (ageIndex === 0 ? 0.2 : 0);
  const priceLevel = 0.4 * normal() + 0.5 * (agePrice[ageIndex] ?? 0) + (regionPrice[regionIndex] ?? 0);
  const exploreNormal = normal();
  const driftNormal = normal();
  const { engagement, risk } = traitsFromNormals(traitNormals, { riskOffset, newsletter: false });
  const newsletter = random.next() < newsletterChance(engagement, risk);
  traitNormals.promo = normal();
  const traitProfile = { riskOffset, newsletter };
  const ownTraits = traitsFromNormals(traitNormals, traitProfile);
  // Replayed futures that weigh the traits from the history set these to a posterior draw.
  let { browsing, promoSensitivity, sessionRate, directRate, conversion, lifetimeMean } = ownTraits;
  let itemsPerOrder = itemsMean(engagement);
  const ownTasteNormals: ShopTasteNormals = { affinity: categoryPopularity.map(() => normal()), explore: exploreNormal, drift: driftNormal };
  const tastes = tastesFromNormals(ownTasteNormals, browsing);
  const affinity = tastes.affinity;
  // Replayed futures that weigh the tastes from the history set these (and the affinity) to a posterior draw.
  let { explore, drift } = tastes;

  const signupDay = drawSignupDay(random, calendar.days);
  const signupSecond = signupDay * secondsPerDay + timeOfDay(random);
  const activeSpells = drawActiveSpells(random, signupSecond / secondsPerDay, calendar.days, lifetimeMean);

  const views = new Array<number>(shopCategories.length).fill(0);
  const bought = new Array<boolean>(shopCategories.length).fill(false);
  const sessions: ShopSession[] = [];
  const orders: ShopOrder[] = [];
  const lastSecond = calendar.days * secondsPerDay;
  const atDay = (day: number): number => Math.max(signupSecond, day * secondsPerDay + timeOfDay(rng));
  // Futures branch off at the first event on or after the cutoff day, before it draws anything.
  let futures: ShopCustomerFutures | undefined;
  let cutPending = futuresOptions !== undefined && signupDay < futuresOptions.cutoffDay;
  // The history before the cutoff as the posteriors of tastes and traits weigh it: categories, sessions, items.
  const tasteEvents: ShopTasteEvent[] = [];
  const loggedSessions: LoggedShopSession[] = [];
  const orderItems: number[] = [];

  const placeOrder = (second: number, category: number, kind: 'direct' | 'basket'): void => {
    if (second >= lastSecond) return;
    if (cutPending) tasteEvents.push({ kind, category });
    const day = Math.floor(second / secondsPerDay);
    const promo = rng.next() < (calendar.promo[day] === 1 ? promoCodeShareInSale : promoCodeShareOutsideSale);
    const items = 1 + poisson(rng, itemsPerOrder);
    if (cutPending) orderItems.push(items);
    const unitPrice = (categoryPrice[category] as number) * Math.exp(0.35 * priceLevel + 0.35 * normal());
    const discount = promo ? 0.7 + 0.15 * rng.next() : 1;
    const amount = Math.max(0.99, Math.round(unitPrice * items ** 0.85 * discount * 100) / 100);
    orders.push({ second, amount, category: shopCategories[category] as string, items, promo, duplicated: rng.next() < duplicateOrderShare });
    shiftTaste(affinity, category, drift);
    bought[category] = true;
  };

  const browse = (second: number, kind: 'signup' | 'active' | 'away'): void => {
    const category = rng.next() < explore ? relatedCategory(rng, pickIndex(rng, affinity)) : pickIndex(rng, affinity);
    if (cutPending) tasteEvents.push({ kind: 'browse', category });
    const day = Math.floor(second / secondsPerDay);
    // Customers come back to buy what they have looked at before; a first purchase in a category is a bigger step.
    const considered = 1 + 0.25 * Math.min(views[category] as number, 4);
    const familiar = bought[category] === true ? 1.25 : 0.6;
    const activeChance = conversionChance({ conversion, promoSensitivity }, considered * familiar, calendar.promo[day] === 1);
    const converts = rng.next() < (kind === 'signup' ? signupConversion : kind === 'away' ? 0 : activeChance);
    const pages = 1 + poisson(rng, pagesMean(browsing)) + (converts ? 2 + poisson(rng, 2) : 0);
    if (cutPending) loggedSessions.push({ day, pages, converted: converts, interest: considered * familiar, sale: calendar.promo[day] === 1, signup: kind === 'signup' });
    const durationS = Math.round(pages * 30 * Math.exp(0.5 * normal())) + 5;
    const device = rng.next() < 0.75 ? (devices[deviceIndex] as string) : (devices[rng.int(devices.length)] as string);
    sessions.push({ second, pages, durationS, device, category: shopCategories[category] as string });
    views[category] = (views[category] as number) + 1;
    if (converts) {
      const basket = rng.next() < 0.08 ? relatedCategory(rng, category) : category;
      placeOrder(second + Math.floor(durationS * (0.5 + 0.5 * rng.next())), basket, 'basket');
    }
  };

  if (rng.next() < signupSessionChance) browse(signupSecond, 'signup');

  // Sessions and direct orders as one thinned Poisson process, so that each order's drift shapes what follows.
  const segments = activitySegments(activeSpells, signupSecond / secondsPerDay, calendar.days);
  let sessionMax = sessionRate * calendar.maxSessionFactor;
  let directMax = directRate * calendar.maxOrderFactor * Math.max(1, promoSensitivity);

  const reach = (day: number): void => {
    if (!cutPending || futuresOptions === undefined || day < futuresOptions.cutoffDay) return;
    cutPending = false;
    futures = replayFutures(futuresOptions);
  };

  // Days of the direct orders before the cutoff (the logs do not tell them from a session's, the posteriors do).
  const directOrderDays: number[] = [];
  // The intensities of that process per calendar day in a spell (the thinning below accepts candidates at these rates × fade).
  const rates: ShopActivityRates = {
    session: (day) => sessionRate * (calendar.sessionFactor[day] as number),
    directOrder: (day) => directRate * (calendar.orderFactor[day] as number) * (calendar.promo[day] === 1 ? promoSensitivity : 1),
    awaySession: sessionRate * residualBrowsing,
  };

  /** Simulates `stretch` from `startIndex` on, the first segment from `startDay`, up to day `end` (excluded). */
  const simulateFrom = (stretch: readonly ActivitySegment[], startIndex: number, startDay: number, end: number): void => {
    for (let i = startIndex; i < stretch.length; i++) {
      const segment = stretch[i] as ActivitySegment;
      const begin = i === startIndex ? startDay : segment.from;
      reach(Math.floor(begin));
      const spell = segment.spell;
      if (spell === null) {
        browseWhileAway(rng, calendar, begin, Math.min(segment.to, end), sessionRate * residualBrowsing, (day) => {
          reach(day);
          browse(atDay(day), 'away');
        });
        continue;
      }
      const until = Math.min(spell.to, end);
      for (let t = begin + exponential(rng, 1 / (sessionMax + directMax)); t < until; t += exponential(rng, 1 / (sessionMax + directMax))) {
        const day = Math.floor(t);
        reach(day);
        const fade = lapseFade(spell.to, t);
        if (rng.next() * (sessionMax + directMax) < sessionMax) {
          if (rng.next() < ((calendar.sessionFactor[day] as number) / calendar.maxSessionFactor) * fade) {
            browse(atDay(day), 'active');
          }
        } else {
          const sale = calendar.promo[day] === 1 ? promoSensitivity : 1;
          const accept = ((calendar.orderFactor[day] as number) * sale * fade) / (calendar.maxOrderFactor * Math.max(1, promoSensitivity));
          if (rng.next() < accept) {
            if (cutPending) directOrderDays.push(day);
            placeOrder(atDay(day), pickIndex(rng, affinity), 'direct');
          }
        }
      }
    }
  };

  /** Sets the rate traits the activity draws from (a posterior draw's, or back to the customer's own). */
  const useTraits = (traits: ShopTraits): void => {
    ({ browsing, promoSensitivity, sessionRate, directRate, conversion, lifetimeMean } = traits);
    itemsPerOrder = itemsMean(traits.engagement);
    sessionMax = sessionRate * calendar.maxSessionFactor;
    directMax = directRate * calendar.maxOrderFactor * Math.max(1, promoSensitivity);
  };

  /**
   * Runs the customer on from the cutoff `replicas` times on the futures' stream, then restores the state. What each
   * replica keeps is what the customer is at the cutoff apart from what `knows` leaves to be weighed: what was viewed
   * and bought, and the history before the cutoff. Each replica takes a spell path from the posterior given that
   * history (`spellPosterior` for known rates; with `knows: 'spells'`, the generator's own), takes where it stands at
   * the cutoff (`spellStateAt`) and draws what lies ahead afresh (`redrawSpells`); tastes come from their posterior
   * given the history's categories (`tastePosterior`, shifted by the orders before the cutoff), and with `knows:
   * 'logs'` traits, tastes and spells come together from one draw of their joint posterior (`traitPosterior`).
   */
  const replayFutures = ({ cutoffDay, replicas, random: futureRandom, endDay, knows = 'logs', paths = 400, tasteDraws = 200, traitDraws = 200 }: ShopFuturesOptions): ShopCustomerFutures => {
    const cutoffSecond = cutoffDay * secondsPerDay;
    const end = Math.min(endDay ?? calendar.days, calendar.days);
    const saved = { affinity: [...affinity], explore, drift, views: [...views], bought: [...bought], sessions: sessions.length, orders: orders.length };
    // An order placed just before midnight can land on the cutoff day: it is already decided, so every future has it.
    const decided = orders.filter((o) => o.second >= cutoffSecond);
    const orderedCategories = new Set(orders.filter((o) => o.second < cutoffSecond).map((o) => o.category));
    const truth = spellStateAt(activeSpells, cutoffDay);
    const own = rng;
    rng = futureRandom;
    const signup = signupSecond / secondsPerDay;
    const ownSpells: SpellPosterior = { paths: [activeSpells], cumulative: Float64Array.of(1), effectiveSampleSize: 1 };
    const joint =
      knows === 'logs'
        ? traitPosterior(
            rng,
            { signup, cutoff: cutoffDay, sessions: loggedSessions, directOrderDays, orderItems, tasteEvents, profile: traitProfile },
            calendar,
            (r, mean) => drawActiveSpells(r, signup, calendar.days, mean),
            { draws: traitDraws },
          )
        : undefined;
    // Should no drawn path explain the history, the generator's own is one draw from the posterior given it.
    const ownDraw: TraitPosteriorDraw = { traits: traitNormals, tastes: ownTasteNormals, spells: activeSpells };
    const jointDraws = joint === undefined ? undefined : joint.started ? joint.draws : [ownDraw];
    let posterior: SpellPosterior;
    if (jointDraws !== undefined) {
      posterior = { paths: jointDraws.map((draw) => draw.spells), cumulative: Float64Array.from(jointDraws, (_, i) => (i + 1) / jointDraws.length), effectiveSampleSize: joint?.started === true ? jointDraws.length : 0 };
    } else {
      // The sessions of the activity process (not the signup visit) and what each outcome says, at the true rates.
      const observed = loggedSessions
        .filter((session) => !session.signup)
        .map(({ day, converted, interest, sale }): ObservedShopSession => {
          const chance = conversionChance(ownTraits, interest, sale);
          return converted ? { day, ifActive: chance, ifAway: 0 } : { day, ifActive: 1 - chance, ifAway: 1 };
        });
      const history = { signup, cutoff: cutoffDay, sessions: observed, directOrderDays };
      const drawPath = (r: SeededRandom): ActiveSpell[] => drawActiveSpells(r, signup, calendar.days, lifetimeMean);
      const weighted = knows === 'spells' ? ownSpells : spellPosterior(rng, history, rates, drawPath, { count: paths });
      posterior = weighted.effectiveSampleSize === 0 ? { ...ownSpells, effectiveSampleSize: 0 } : weighted;
    }
    const weighedTastes = knows === 'rates' ? tastePosterior(rng, tasteEvents, browsing, { count: tasteDraws }) : undefined;
    const replayed: ShopCustomerFutures['replicas'][number][] = [];
    for (let r = 0; r < replicas; r++) {
      let path: readonly ActiveSpell[];
      if (jointDraws !== undefined) {
        const draw = jointDraws[rng.int(jointDraws.length)] as TraitPosteriorDraw;
        useTraits(traitsFromNormals(draw.traits, traitProfile));
        const drawn = tastesAfter(tasteEvents, draw.tastes, browsing);
        affinity.splice(0, affinity.length, ...drawn.affinity);
        ({ explore, drift } = drawn);
        path = draw.spells;
      } else {
        if (weighedTastes !== undefined) {
          const drawn = tastesAfter(tasteEvents, drawPosteriorTaste(rng, weighedTastes), browsing);
          affinity.splice(0, affinity.length, ...drawn.affinity);
          ({ explore, drift } = drawn);
        }
        path = drawPosteriorPath(rng, posterior);
      }
      const state = spellStateAt(path, cutoffDay);
      const spells = redrawSpells(rng, state, cutoffDay, calendar.days);
      // Active: the current spell's segment comes second (after an empty stretch away at its start).
      const stretch = activitySegments(spells, state.kind === 'active' ? state.spell.from : cutoffDay, calendar.days);
      simulateFrom(stretch, state.kind === 'active' ? 1 : 0, cutoffDay, end);
      replayed.push({ sessions: sessions.slice(saved.sessions), orders: [...decided, ...orders.slice(saved.orders)] });
      sessions.length = saved.sessions;
      orders.length = saved.orders;
      affinity.splice(0, affinity.length, ...saved.affinity);
      ({ explore, drift } = saved);
      views.splice(0, views.length, ...saved.views);
      bought.splice(0, bought.length, ...saved.bought);
      useTraits(ownTraits);
    }
    rng = own;
    return {
      orderedCategories,
      state: truth.kind === 'lost' ? 'lost' : truth.lapsing ? 'lapsing' : 'active',
      statePosterior: spellStatePosterior(posterior, cutoffDay),
      effectiveSampleSize: posterior.effectiveSampleSize,
      ...(weighedTastes === undefined ? {} : { tastes: { posterior: weighedTastes, own: ownTasteNormals } }),
      ...(joint === undefined ? {} : { traits: { posterior: joint, own: ownDraw } }),
      replicas: replayed,
    };
  };

  simulateFrom(segments, 0, segments[0]?.from ?? 0, calendar.days);
  reach(Number.POSITIVE_INFINITY);

  sessions.sort((a, b) => a.second - b.second);
  orders.sort((a, b) => a.second - b.second);
  const maybe = <T>(value: T, missingShare: number): T | null => (random.next() < missingShare ? null : value);
  return {
    profile: {
      customerId,
      signupDate: calendar.dates[signupDay] as string,
      ageBand: maybe(ageBands[ageIndex] as string, missingAgeShare),
      region: maybe(regions[regionIndex] as string, missingRegionShare),
      channel: channels[channelIndex] as string,
      devicePreference: maybe(devices[deviceIndex] as string, missingDeviceShare),
      newsletter: maybe(newsletter ? 'yes' : 'no', missingNewsletterShare),
    },
    sessions,
    orders,
    ...(futures === undefined ? {} : { futures }),
  };
}

/** `YYYY-MM-DDTHH:MM:SSZ` of a second counted from the calendar's first day, 00:00 UTC. */
export function formatShopTimestamp(calendar: ShopCalendar, second: number): string {
  const day = Math.floor(second / secondsPerDay);
  const rest = second - day * secondsPerDay;
  const hours = Math.floor(rest / 3600);
  const minutes = Math.floor((rest - hours * 3600) / 60);
  return `${calendar.dates[day] as string}T${twoDigits[hours] as string}:${twoDigits[minutes] as string}:${twoDigits[rest % 60] as string}Z`;
}

/** A stretch of a customer's history, in days: an active spell, or time away (`spell` null) before or after one. */
interface ActivitySegment {
  readonly from: number;
  readonly to: number;
  readonly spell: ActiveSpell | null;
}

/** The history in time order from `from`: a stretch away (window shopping only) before each spell, and one after the last. */
function activitySegments(spells: readonly ActiveSpell[], from: number, days: number): ActivitySegment[] {
  const segments: ActivitySegment[] = [];
  for (const spell of spells) {
    segments.push({ from, to: spell.from, spell: null }, { from: spell.from, to: spell.to, spell });
    from = spell.to;
  }
  segments.push({ from, to: days, spell: null });
  return segments;
}

/** Window shopping while the customer is away: a thin Poisson process of sessions that never convert. */
function browseWhileAway(random: SeededRandom, calendar: ShopCalendar, from: number, to: number, rate: number, browse: (day: number) => void): void {
  if (rate <= 0) return;
  const until = Math.min(to, calendar.days);
  for (let t = from + exponential(random, 1 / rate); t < until; t += exponential(random, 1 / rate)) browse(Math.floor(t));
}

/** Signup day: mostly spread over the history with growth (more later), plus a recent acquisition push. */
function drawSignupDay(random: SeededRandom, days: number): number {
  if (days > 2 * recentSignupDays && random.next() < recentSignupShare) return days - 1 - random.int(recentSignupDays);
  // Density proportional to 0.5 + x on [0, 1): inverse CDF of a linear ramp.
  const u = random.next();
  const x = -0.5 + Math.sqrt(0.25 + 2 * u);
  return Math.min(days - 1, Math.floor(x * days));
}

/** Seconds into a day, following the shop's hourly traffic. */
function timeOfDay(random: SeededRandom): number {
  return pickIndex(random, hourWeights) * 3600 + random.int(3600);
}

/** A category related to `category`, by relatedness; any category when it has no relations. */
function relatedCategory(random: SeededRandom, category: number): number {
  const related = categoryRelations[category] as readonly number[];
  return related.some((w) => w > 0) ? pickIndex(random, related) : random.int(shopCategories.length);
}

