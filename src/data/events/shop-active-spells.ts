import { exponential } from '../../random/random-draws.ts';
import type { SeededRandom } from '../../random/seeded-random.ts';

/** Activity fades linearly to `lapseFloor` over the last `lapseDays` before a dropout: the lapsing phase. */
export const lapseDays = 45;
export const lapseFloor = 0.2;
/** Chance that a lost customer comes back, the mean wait, and how much shorter the second life is. */
const reactivationChance = 0.15;
const meanDormantDays = 150;
const reactivatedLifetimeShare = 0.6;
/** Resolution, in days, of the remaining lapse a lapsing customer's future is drawn from. */
const lapseGridDays = 0.1;

/** An active spell, in days since the calendar's start: from (re)activation to the dropout (which may lie past the end). */
export interface ActiveSpell {
  readonly from: number;
  readonly to: number;
  /** The mean of the exponential lifetime the spell was drawn with. */
  readonly mean: number;
}

/** The customer's active spells: a first lifetime from signup, then rarely a comeback after a dormant stretch. */
export function drawActiveSpells(random: SeededRandom, signup: number, days: number, lifetimeMean: number): ActiveSpell[] {
  return chainSpells(random, signup, days, lifetimeMean);
}

/** How active a customer is at time `t` of a spell that ends at `spellEnd`: 1, fading to `lapseFloor` when lapsing. */
export function lapseFade(spellEnd: number, t: number): number {
  return spellEnd - t < lapseDays ? lapseFloor + ((1 - lapseFloor) * (spellEnd - t)) / lapseDays : 1;
}

/**
 * Where a customer stands at a cutoff, as the futures of the optimal scores know it: active (in a spell), and if so
 * whether already lapsing (the spell ends within `lapseDays`); or lost (between spells or after the last one), and
 * since when. Everything drawn about the future — when an active spell ends, whether and when a lost customer comes
 * back, later spells — is left out: {@link redrawSpells} draws it afresh.
 */
export type SpellState =
  | { readonly kind: 'active'; readonly spell: ActiveSpell; readonly lapsing: boolean }
  | { readonly kind: 'lost'; readonly last: ActiveSpell };

/** The state at day `cutoff` of a customer whose spells are `spells` (the first one starts at signup, before the cutoff). */
export function spellStateAt(spells: readonly ActiveSpell[], cutoff: number): SpellState {
  let last: ActiveSpell | undefined;
  for (const spell of spells) {
    if (spell.from > cutoff) break;
    if (spell.to > cutoff) return { kind: 'active', spell, lapsing: spell.to - cutoff < lapseDays };
    last = spell;
  }
  if (last === undefined) throw new Error(`no spell starts before day ${cutoff}`);
  return { kind: 'lost', last };
}

/**
 * What a lapsing customer's history says about when their current spell ends: the posterior of the remaining
 * lifetime R in [0, `lapseDays`) given the activity of the spell before the cutoff. The prior is the generator's (the
 * lifetime is exponential, so given the spell lasts past the cutoff and ends within `lapseDays`, R is a truncated
 * exponential); the likelihood is that of the spell's events (sessions and direct orders, a Poisson process of
 * intensity `intensity(day)` × fade) before the cutoff, since the fade of the last `lapseDays` depends on R.
 */
export interface LapsePosterior {
  /** Cumulative weights of the grid cells of R (cell j: [j, j + 1) × `lapseGridDays`). */
  readonly cumulative: Float64Array;
}

/**
 * The posterior of a lapsing spell's remaining lifetime (see {@link LapsePosterior}).
 * @param spell The current spell (its `to` is not used: that is what is drawn).
 * @param cutoff The cutoff day.
 * @param eventTimes The times (days, continuous) of the spell's sessions and direct orders before the cutoff.
 * @param intensity Per calendar day, the rate of sessions and direct orders of the customer when not lapsing.
 */
export function lapsePosterior(spell: ActiveSpell, cutoff: number, eventTimes: readonly number[], intensity: (day: number) => number): LapsePosterior {
  const cells = Math.round(lapseDays / lapseGridDays);
  const logWeights = new Float64Array(cells);
  const slope = (1 - lapseFloor) / lapseDays;
  for (let j = 0; j < cells; j++) {
    const remaining = (j + 0.5) * lapseGridDays;
    const end = cutoff + remaining;
    const fadeStart = end - lapseDays;
    const lower = Math.max(spell.from, fadeStart);
    // Poisson likelihood of the faded stretch [lower, cutoff): Σ log fade(t_i) − ∫ intensity·(fade − 1) dt, where
    // fade − 1 = −slope·(t − fadeStart), so the integral is −slope·Σ_day intensity(day)·∫ (t − fadeStart) dt.
    let logLikelihood = 0;
    for (const t of eventTimes) if (t >= lower && t < cutoff) logLikelihood += Math.log(lapseFade(end, t));
    for (let day = Math.floor(lower); day < cutoff; day++) {
      const lo = Math.max(day, lower) - fadeStart;
      const hi = Math.min(day + 1, cutoff) - fadeStart;
      if (hi > lo) logLikelihood += slope * intensity(day) * ((hi * hi - lo * lo) / 2);
    }
    logWeights[j] = -remaining / spell.mean + logLikelihood;
  }
  const top = logWeights.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  const cumulative = new Float64Array(cells);
  let total = 0;
  for (let j = 0; j < cells; j++) cumulative[j] = total += Math.exp((logWeights[j] as number) - top);
  return { cumulative };
}

/**
 * The customer's spells from day `cutoff` on, drawn afresh given the state there so that they follow the generator's
 * distribution given that state (and, for a lapsing customer, `lapse`: the history): an active spell ends after
 * `lapseDays` + an exponential of its mean (memoryless: the lifetime left over the lapse is the lifetime itself), or,
 * lapsing, after a remaining lifetime drawn from the posterior; a lost customer comes back with the chance that a
 * comeback is still pending after the time already spent away (`reactivationChance` discounted by the exponential
 * wait), after an exponential wait from the cutoff. Later comebacks follow as in {@link drawActiveSpells}. The
 * current spell, if any, comes first, with its own `from`.
 */
export function redrawSpells(random: SeededRandom, state: SpellState, cutoff: number, days: number, lapse?: LapsePosterior): ActiveSpell[] {
  if (state.kind === 'active') {
    const { spell } = state;
    const remaining = state.lapsing ? drawRemainingLapse(random, lapse) : lapseDays + exponential(random, spell.mean);
    const current: ActiveSpell = { from: spell.from, to: cutoff + remaining, mean: spell.mean };
    return [current, ...comebackAfter(random, current, days)];
  }
  const away = cutoff - state.last.to;
  const stillPending = reactivationChance * Math.exp(-away / meanDormantDays);
  if (random.next() >= stillPending / (1 - reactivationChance + stillPending)) return [];
  return chainSpells(random, cutoff + exponential(random, meanDormantDays), days, state.last.mean * reactivatedLifetimeShare);
}

/** A remaining lifetime in [0, `lapseDays`) from the posterior. */
function drawRemainingLapse(random: SeededRandom, lapse: LapsePosterior | undefined): number {
  if (lapse === undefined) throw new Error('a lapsing customer\'s future needs the posterior of the lapse');
  const { cumulative } = lapse;
  const u = random.next() * (cumulative[cumulative.length - 1] as number);
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] as number) > u) hi = mid;
    else lo = mid + 1;
  }
  return (lo + random.next()) * lapseGridDays;
}

/** The spells after `spell` ends: a comeback with `reactivationChance`, and so on. */
function comebackAfter(random: SeededRandom, spell: ActiveSpell, days: number): ActiveSpell[] {
  if (spell.to >= days || random.next() >= reactivationChance) return [];
  return chainSpells(random, spell.to + exponential(random, meanDormantDays), days, spell.mean * reactivatedLifetimeShare);
}

/** Spells from `from` on: a lifetime of mean `mean`, then comebacks (each shorter) until one does not come or the end. */
function chainSpells(random: SeededRandom, from: number, days: number, mean: number): ActiveSpell[] {
  const spells: ActiveSpell[] = [];
  while (from < days) {
    const to = from + exponential(random, mean);
    spells.push({ from, to, mean });
    if (to >= days || random.next() >= reactivationChance) break;
    from = to + exponential(random, meanDormantDays);
    mean *= reactivatedLifetimeShare;
  }
  return spells;
}
