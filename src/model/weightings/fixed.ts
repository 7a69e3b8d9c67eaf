import { sumWeightedLosses, weightsByTask, type LossWeightingFactory } from './loss-weighting.ts';

/** Static weights: Σ λ_k · L_k with λ from `model.taskWeights` (default 1). Nothing to learn or save. */
export const createFixedWeighting: LossWeightingFactory = (tasks) => {
  const weights = tasks.map((task) => task.staticWeight);
  return {
    variables: [],
    combineLosses: (losses) => sumWeightedLosses(losses, weights),
    effectiveWeights: () => weightsByTask(tasks, weights),
    saveState: () => ({}),
    restoreState: () => undefined,
    dispose: () => undefined,
  };
};
