import type { SeededRandom } from '../../random/seeded-random.ts';

/**
 * A Parzen estimator of one numeric parameter (in its sampling space: log of the value for log parameters):
 * a mixture of Gaussians truncated to [low, high], one per observation plus a wide prior component.
 */
export interface NumericParzenEstimator {
  /** One draw from the mixture, in [low, high]. */
  sample(random: SeededRandom): number;
  /** Log density at `x` (continuous parameters). */
  logDensity(x: number): number;
  /** Log of the mixture's mass on [from, to] (integer parameters: the cell of one value). */
  logMass(from: number, to: number): number;
}

/**
 * Fits the estimator as TPE does (Bergstra et al. 2011; Optuna's univariate defaults): each observation is the
 * centre of a component whose width is the larger gap to its neighbours (the outermost use their inner gap),
 * clipped to [range / min(100, n + 2), range]; the prior component sits mid-range with width = range. Weights:
 * 1 per observation and `priorWeight` for the prior.
 */
export function fitNumericParzenEstimator(observations: readonly number[], low: number, high: number, priorWeight = 1): NumericParzenEstimator {
  const range = high - low;
  const mus = [...observations, (low + high) / 2];
  const sigmas = neighbourSigmas(mus, low, high);
  const minSigma = range / Math.min(100, observations.length + 2);
  for (let i = 0; i < sigmas.length; i++) sigmas[i] = Math.min(range, Math.max(minSigma, sigmas[i] as number));
  sigmas[sigmas.length - 1] = range;
  const totalWeight = observations.length + priorWeight;
  const weights = mus.map((_, i) => (i < observations.length ? 1 : priorWeight) / totalWeight);
  // Mass of each component inside [low, high]: what truncation divides by.
  const inside = mus.map((mu, i) => normalMass((low - mu) / (sigmas[i] as number), (high - mu) / (sigmas[i] as number)));

  return {
    sample(random) {
      const k = pickIndex(weights, random);
      const [mu, sigma] = [mus[k] as number, sigmas[k] as number];
      // Rejection is cheap here: every centre lies in [low, high] and sigma <= range, so at least a third of
      // each component's mass is inside.
      for (let attempt = 0; attempt < 64; attempt++) {
        const x = mu + sigma * random.normal();
        if (x >= low && x <= high) return x;
      }
      return low + random.next() * range;
    },
    logDensity(x) {
      return logSumExp(
        mus.map((mu, i) => {
          const sigma = sigmas[i] as number;
          const z = (x - mu) / sigma;
          return Math.log(weights[i] as number) - 0.5 * z * z - Math.log(sigma * Math.sqrt(2 * Math.PI) * (inside[i] as number));
        }),
      );
    },
    logMass(from, to) {
      let mass = 0;
      for (let i = 0; i < mus.length; i++) {
        const [mu, sigma] = [mus[i] as number, sigmas[i] as number];
        mass += ((weights[i] as number) * normalMass((from - mu) / sigma, (to - mu) / sigma)) / (inside[i] as number);
      }
      return Math.log(Math.max(mass, Number.MIN_VALUE));
    },
  };
}

/**
 * A Parzen estimator of a categorical parameter: each observed choice contributes a distribution with its
 * mass on that choice, smoothed by `priorWeight / (n + 1)` on every choice, plus a uniform prior component
 * (Optuna's form). Returns the probability of each choice.
 */
export function fitCategoricalParzenEstimator(observations: readonly number[], choiceCount: number, priorWeight = 1): number[] {
  const n = observations.length;
  const smoothing = priorWeight / (n + 1);
  const probabilities = new Array<number>(choiceCount).fill((priorWeight / choiceCount) + (n * smoothing) / (1 + choiceCount * smoothing));
  for (const index of observations) probabilities[index] = (probabilities[index] as number) + 1 / (1 + choiceCount * smoothing);
  return probabilities.map((p) => p / (n + priorWeight));
}

/** Index drawn with probability proportional to `weights`. */
export function pickIndex(weights: readonly number[], random: SeededRandom): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  let u = random.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] as number;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** log Σ exp(terms), without overflow. */
export function logSumExp(terms: readonly number[]): number {
  const max = Math.max(...terms);
  if (!Number.isFinite(max)) return max;
  return max + Math.log(terms.reduce((sum, t) => sum + Math.exp(t - max), 0));
}

/** For each centre, the larger gap to its sorted neighbours (bounds count as neighbours; the outermost use only their inner gap). */
function neighbourSigmas(mus: readonly number[], low: number, high: number): number[] {
  const order = mus.map((_, i) => i).sort((a, b) => (mus[a] as number) - (mus[b] as number) || a - b);
  const points = [low, ...order.map((i) => mus[i] as number), high];
  const sigmas = new Array<number>(mus.length);
  order.forEach((muIndex, j) => {
    const left = (points[j + 1] as number) - (points[j] as number);
    const right = (points[j + 2] as number) - (points[j + 1] as number);
    let sigma = Math.max(left, right);
    if (order.length >= 2 && j === 0) sigma = right;
    else if (order.length >= 2 && j === order.length - 1) sigma = left;
    sigmas[muIndex] = sigma;
  });
  return sigmas;
}

/** P(a <= Z <= b) for a standard normal Z, accurate in the tails (differences of upper-tail probabilities). */
function normalMass(a: number, b: number): number {
  if (a >= 0) return upperTail(a) - upperTail(b);
  if (b <= 0) return upperTail(-b) - upperTail(-a);
  return 1 - upperTail(-a) - upperTail(b);
}

/** P(Z > z) = erfc(z / √2) / 2. */
function upperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Complementary error function, Chebyshev fit with relative error below 1.2e-7 (Numerical Recipes, erfcc). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}
