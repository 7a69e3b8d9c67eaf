import type { SeededRandom } from '../../random/seeded-random.ts';
import { identityMatrix, lowerCholesky, standardLogDensity } from '../../random/gaussian.ts';
import { normaliseLogWeights, pickCumulative } from '../../random/weighted-draws.ts';
import { categoryPopularity, categoryRelations } from './shop-catalog.ts';

/**
 * A customer's tastes: how strongly each category draws them (only the proportions matter), how often a session
 * strays to a category related to the one they were drawn to, and how far each order pulls their taste towards
 * categories related to it.
 */
export interface ShopTastes {
  /** Per category (in `shopCategories` order); grows with every order (see {@link shiftTaste}). */
  readonly affinity: number[];
  readonly explore: number;
  readonly drift: number;
}

/** The standard-normal draws a customer's tastes are made from (see {@link tastesFromNormals}). */
export interface ShopTasteNormals {
  /** One per category. */
  readonly affinity: ArrayLike<number>;
  readonly explore: number;
  readonly drift: number;
}

/** Tastes from their standard-normal draws and the customer's browsing trait: the generator's prior, in one place. */
export function tastesFromNormals({ affinity, explore, drift }: ShopTasteNormals, browsing: number): ShopTastes {
  return {
    affinity: categoryPopularity.map((p, i) => p * Math.exp(1.8 * (affinity[i] as number))),
    explore: sigmoid(-1.9 + 0.8 * explore + 0.3 * browsing),
    drift: 0.06 * Math.exp(0.5 * drift),
  };
}

/** An order's effect on taste: its category is reinforced and related ones pulled up (a drift customers do not announce). */
export function shiftTaste(affinity: number[], category: number, drift: number): void {
  const total = affinity.reduce((s, a) => s + a, 0);
  affinity[category] = (affinity[category] as number) + 0.3 * total;
  const related = categoryRelations[category] as readonly number[];
  for (let j = 0; j < affinity.length; j++) affinity[j] = (affinity[j] as number) + drift * (related[j] as number) * total;
}

/**
 * What the history before the cutoff says about a customer's tastes, in simulation order: a session's category
 * (`browse`: drawn from the affinity, or with chance `explore` a category related to such a draw), an order placed
 * without a session (`direct`: its category drawn from the affinity) and an order from a session (`basket`: its
 * category is the session's or a related one, whatever the tastes). Every order shifts the taste.
 */
export interface ShopTasteEvent {
  readonly kind: 'browse' | 'direct' | 'basket';
  readonly category: number;
}

/** Weighted draws of a customer's taste normals: a sample of their posterior given the history before the cutoff. */
export interface TastePosterior {
  /** Row-major, {@link tasteDimensions} per draw. */
  readonly normals: Float64Array;
  /** Cumulative normalised weights of the draws. */
  readonly cumulative: Float64Array;
  /** (Σw)² / Σw² of the final weights: `count` once the draws were resampled and moved (equally weighted, not independent). */
  readonly effectiveSampleSize: number;
}

/** Affinity normals (one per category), then the explore and drift normals. */
export const tasteDimensions = categoryPopularity.length + 2;

/** Each row of `categoryRelations` normalised: the chance that a stray from category k lands on category c. */
const strayTo: readonly (readonly number[])[] = categoryRelations.map((row) => {
  const total = row.reduce((s, w) => s + w, 0);
  return total > 0 ? row.map((w) => w / total) : row.map(() => 1 / row.length);
});

/**
 * The posterior of a customer's taste normals given their true browsing trait and the categories of their history
 * before the cutoff (`events`), by a tempered sequential Monte Carlo sampler: `count` draws from the prior N(0, I);
 * the likelihood is then brought in step by step (each step as large as keeps half the draws' worth of weight),
 * and after each step the draws are resampled by weight and moved by `moves` Metropolis steps that leave the
 * tempered posterior unchanged (Gaussian random walks shaped like the draws' spread). At full weight the draws are a
 * sample of the posterior. Nothing else in the history depends on the tastes (session times, conversions and
 * spells do not), so this is the tastes' whole posterior given the logs and the rates.
 */
export function tastePosterior(
  random: SeededRandom,
  events: readonly ShopTasteEvent[],
  browsing: number,
  { count, moves = 8 }: { readonly count: number; readonly moves?: number },
): TastePosterior {
  const d = tasteDimensions;
  const tasteLikelihood = prepareTasteLikelihood(events);
  const logLikelihood = (normals: Float64Array): number => tasteLikelihood(normals, browsing);
  let normals = new Float64Array(count * d);
  for (let i = 0; i < normals.length; i++) normals[i] = random.normal();
  let logLik = Float64Array.from({ length: count }, (_, i) => logLikelihood(normals.subarray(i * d, (i + 1) * d)));
  let beta = 0;
  let scale = 2.38 / Math.sqrt(d);
  for (;;) {
    const stepWeights = (next: number): Float64Array => logLik.map((l) => (next - beta) * l);
    let next = 1;
    if (effectiveSize(stepWeights(1)) < count / 2) {
      // The largest step whose weights keep half the draws' worth (bisection).
      let lo = beta;
      let hi = 1;
      for (let k = 0; k < 40; k++) {
        const mid = (lo + hi) / 2;
        if (effectiveSize(stepWeights(mid)) >= count / 2) lo = mid;
        else hi = mid;
      }
      next = Math.max(lo, Math.min(1, beta + 1e-6));
    }
    const logWeights = stepWeights(next);
    if (next >= 1 && effectiveSize(logWeights) > count - 1e-6) return weighted(normals, logWeights);
    beta = next;
    // Resample by weight (systematic), then move each draw under the posterior tempered by beta.
    const kept = resample(random, logWeights);
    normals = Float64Array.from({ length: count * d }, (_, k) => normals[(kept[Math.floor(k / d)] as number) * d + (k % d)] as number);
    logLik = Float64Array.from(kept, (i) => logLik[i] as number);
    const step = choleskyOfSpread(normals, d);
    const proposal = new Float64Array(d);
    const z = new Float64Array(d);
    let accepted = 0;
    for (let i = 0; i < count; i++) {
      const x = normals.subarray(i * d, (i + 1) * d);
      let current = beta * (logLik[i] as number) + standardLogDensity(x);
      for (let m = 0; m < moves; m++) {
        for (let a = 0; a < d; a++) z[a] = random.normal();
        for (let a = 0; a < d; a++) {
          let sum = x[a] as number;
          for (let k = 0; k <= a; k++) sum += scale * (step[a * d + k] as number) * (z[k] as number);
          proposal[a] = sum;
        }
        const proposedLik = logLikelihood(proposal);
        const proposed = beta * proposedLik + standardLogDensity(proposal);
        if (Math.log(random.next()) < proposed - current) {
          x.set(proposal);
          logLik[i] = proposedLik;
          current = proposed;
          accepted++;
        }
      }
    }
    // Keep the acceptance rate near a quarter, the random walk's sweet spot.
    scale *= Math.exp(accepted / (count * moves) - 0.25);
    if (next >= 1) return weighted(normals, new Float64Array(count));
  }
}

/** One draw of taste normals from the weighted sample. */
export function drawPosteriorTaste(random: SeededRandom, { normals, cumulative }: TastePosterior): ShopTasteNormals {
  const index = pickCumulative(random, cumulative);
  return tasteNormalsOf(normals.subarray(index * tasteDimensions, (index + 1) * tasteDimensions));
}

/** The taste normals a row of {@link tasteDimensions} numbers holds (views into it, not copies). */
export function tasteNormalsOf(row: Float64Array): ShopTasteNormals {
  const categories = categoryPopularity.length;
  return { affinity: row.subarray(0, categories), explore: row[categories] as number, drift: row[categories + 1] as number };
}

/** The tastes at the cutoff of a customer whose taste normals are `normals`: the prior's, shifted by each order of `events`. */
export function tastesAfter(events: readonly ShopTasteEvent[], normals: ShopTasteNormals, browsing: number): ShopTastes {
  const tastes = tastesFromNormals(normals, browsing);
  for (const event of events) if (event.kind !== 'browse') shiftTaste(tastes.affinity, event.category, tastes.drift);
  return tastes;
}

/**
 * log P(the categories of `events` | taste normals (row of {@link tasteDimensions}), browsing trait), up to terms
 * alike for all tastes (the baskets' categories).
 */
export function prepareTasteLikelihood(events: readonly ShopTasteEvent[]): (normals: Float64Array, browsing: number) => number {
  const categories = categoryPopularity.length;
  return (normals, browsing) => {
    const { affinity, explore, drift } = tastesFromNormals(tasteNormalsOf(normals), browsing);
    let log = 0;
    for (const { kind, category } of events) {
      if (kind === 'basket') {
        shiftTaste(affinity, category, drift);
        continue;
      }
      let total = 0;
      for (const a of affinity) total += a;
      if (kind === 'direct') {
        log += Math.log((affinity[category] as number) / total);
        shiftTaste(affinity, category, drift);
        continue;
      }
      let stray = 0;
      for (let k = 0; k < categories; k++) stray += (affinity[k] as number) * ((strayTo[k] as readonly number[])[category] as number);
      log += Math.log(((1 - explore) * (affinity[category] as number) + explore * stray) / total);
    }
    return log;
  };
}

/** The draws with their self-normalised weights. */
function weighted(normals: Float64Array, logWeights: Float64Array): TastePosterior {
  return { normals, ...normaliseLogWeights(logWeights) };
}

/** (Σw)² / Σw² of weights given as logs. */
function effectiveSize(logWeights: Float64Array): number {
  return normaliseLogWeights(logWeights).effectiveSampleSize;
}

/** Indices of `logWeights.length` draws resampled in proportion to their weights (systematic resampling). */
function resample(random: SeededRandom, logWeights: Float64Array): Int32Array {
  const n = logWeights.length;
  const { cumulative } = normaliseLogWeights(logWeights);
  const kept = new Int32Array(n);
  let u = random.next() / n;
  let j = 0;
  for (let i = 0; i < n; i++, u += 1 / n) {
    while (u > (cumulative[j] as number) && j < n - 1) j++;
    kept[i] = j;
  }
  return kept;
}

/** The lower Cholesky factor of the draws' covariance (a little ridge keeps it positive definite). */
function choleskyOfSpread(normals: Float64Array, d: number): Float64Array {
  const n = normals.length / d;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mean[a] = (mean[a] as number) + (normals[i * d + a] as number) / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const da = (normals[i * d + a] as number) - (mean[a] as number);
      for (let b = 0; b <= a; b++) cov[a * d + b] = (cov[a * d + b] as number) + (da * ((normals[i * d + b] as number) - (mean[b] as number))) / n;
    }
  }
  for (let a = 0; a < d; a++) cov[a * d + a] = (cov[a * d + a] as number) + 1e-4;
  return lowerCholesky(cov, d) ?? identityMatrix(d);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
