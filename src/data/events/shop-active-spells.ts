import { exponential } from '../../random/random-draws.ts';
import type { SeededRandom } from '../../random/seeded-random.ts';

/** Activity fades linearly to `lapseFloor` over the last `lapseDays` before a dropout: the lapsing phase. */
export const lapseDays = 45;
export const lapseFloor = 0.2;
/** Chance that a lost customer comes back, the mean wait, and how much shorter the second life is. */
const reactivationChance = 0.15;
const meanDormantDays = 150;
const reactivatedLifetimeShare = 0.6;

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
 * Where a customer stands at a cutoff on a spell path: active (in a spell), and if so whether already lapsing (the
 * spell ends within `lapseDays`); or lost (between spells or after the last one), and since when. What the path says
 * about the future — when a spell that is not lapsing ends, whether and when a lost customer comes back, later
 * spells — is left out: {@link redrawSpells} draws it afresh.
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
 * The customer's spells from day `cutoff` on, drawn afresh given the state there so that they follow the generator's
 * distribution given that state: an active spell that is not lapsing ends after `lapseDays` + an exponential of its
 * mean (memoryless: the lifetime left over the lapse is the lifetime itself); a lapsing one keeps its end, which the
 * fade before the cutoff already depends on (the state comes from a path weighted by that history, see
 * `spellPosterior`); a lost customer comes back with the chance that a comeback is still pending after the time
 * already spent away (`reactivationChance` discounted by the exponential wait), after an exponential wait from the
 * cutoff. Later comebacks follow as in {@link drawActiveSpells}. The current spell, if any, comes first, with its own `from`.
 */
export function redrawSpells(random: SeededRandom, state: SpellState, cutoff: number, days: number): ActiveSpell[] {
  if (state.kind === 'active') {
    const { spell } = state;
    const current: ActiveSpell = state.lapsing ? spell : { from: spell.from, to: cutoff + lapseDays + exponential(random, spell.mean), mean: spell.mean };
    return [current, ...comebackAfter(random, current, days)];
  }
  const away = cutoff - state.last.to;
  const stillPending = reactivationChance * Math.exp(-away / meanDormantDays);
  if (random.next() >= stillPending / (1 - reactivationChance + stillPending)) return [];
  return chainSpells(random, cutoff + exponential(random, meanDormantDays), days, state.last.mean * reactivatedLifetimeShare);
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

/**
 * log p(spells | the first spell's mean lifetime is `lifetimeMean`), up to terms that do not depend on it (the
 * comebacks and dormant stretches): each spell's exponential lifetime, the k-th comeback's mean shortened k times.
 */
export function spellsLogDensity(spells: readonly ActiveSpell[], lifetimeMean: number): number {
  let log = 0;
  let mean = lifetimeMean;
  for (const spell of spells) {
    log -= Math.log(mean) + (spell.to - spell.from) / mean;
    mean *= reactivatedLifetimeShare;
  }
  return log;
}

/** The same spells as drawn with first mean `lifetimeMean` (what later redraws of their future use). */
export function withLifetimeMean(spells: readonly ActiveSpell[], lifetimeMean: number): ActiveSpell[] {
  let mean = lifetimeMean;
  return spells.map((spell) => {
    const next = { ...spell, mean };
    mean *= reactivatedLifetimeShare;
    return next;
  });
}
