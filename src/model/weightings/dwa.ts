import { sumWeightedLosses, weightsByTask, type LossWeightingFactory } from './loss-weighting.ts';
import { readStateVector } from './weighting-state.ts';

/**
 * Dynamic Weight Average (Liu, Johns & Davison 2019): λ_k = K · exp(r_k / T) / Σ_i exp(r_i / T) with
 * r_k = L_k(t−1) / L_k(t−2), the ratio of a task's last two epoch-mean training losses. A task whose loss fell less
 * (it learns slower) gets more weight; the weights always sum to K. Where either loss is not a positive finite number
 * (unknown, or exactly 0) the ratio counts as 1, i.e. "no change".
 *
 * @param older L_k(t−2) per task
 * @param newer L_k(t−1) per task, same order
 * @param temperature T > 0; larger T gives weights closer to 1
 * @returns λ_k per task, same order
 */
export function computeDwaWeights(older: readonly number[], newer: readonly number[], temperature: number): number[] {
  const ratios = newer.map((loss, k) => {
    const before = older[k] as number;
    return isPositiveFinite(loss) && isPositiveFinite(before) ? loss / before : 1;
  });
  // Softmax with the maximum subtracted: the same weights, no overflow for small T.
  const top = Math.max(...ratios);
  const exps = ratios.map((r) => Math.exp((r - top) / temperature));
  const total = exps.reduce((sum, e) => sum + e, 0);
  return exps.map((e) => (ratios.length * e) / total);
}

/**
 * `dwa`: Σ λ_k · L_k with λ from {@link computeDwaWeights} on the epoch-mean training losses, `model.dwa.temperature`
 * as T. λ = 1 during the first two epochs (no ratio yet). `endEpoch(t)` sets the weights of epoch t + 1, so the
 * weights an epoch record shows are those the next epoch trains with. State: `olderLosses` and `newerLosses` (the last
 * two epochs' losses, in task order; fewer epochs seen leaves them empty) and `weights`.
 */
export const createDwaWeighting: LossWeightingFactory = (tasks, params) => {
  const temperature = params.dwa.temperature;
  let older: number[] = [];
  let newer: number[] = [];
  let weights = tasks.map(() => 1);
  return {
    variables: [],
    combineLosses: (losses) => sumWeightedLosses(losses, weights),
    endEpoch({ trainLosses }) {
      older = newer;
      // 0 stands for "unknown" (a diverged epoch): JSON has no NaN, and the ratio treats it as no change.
      newer = tasks.map((task) => {
        const loss = trainLosses[task.name] ?? 0;
        return Number.isFinite(loss) ? loss : 0;
      });
      if (older.length === tasks.length) weights = computeDwaWeights(older, newer, temperature);
    },
    effectiveWeights: () => weightsByTask(tasks, weights),
    saveState: () => ({ olderLosses: [...older], newerLosses: [...newer], weights: [...weights] }),
    restoreState(state) {
      const lengthOf = (key: string): number => (Array.isArray(state[key]) && (state[key] as unknown[]).length === 0 ? 0 : tasks.length);
      older = readStateVector(state, 'olderLosses', lengthOf('olderLosses'), 'dwa');
      newer = readStateVector(state, 'newerLosses', lengthOf('newerLosses'), 'dwa');
      weights = readStateVector(state, 'weights', tasks.length, 'dwa');
    },
    dispose: () => undefined,
  };
};

function isPositiveFinite(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}
