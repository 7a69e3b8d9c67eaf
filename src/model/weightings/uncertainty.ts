import * as tf from '@tensorflow/tfjs';
import type { LossWeightingFactory, WeightingState } from './loss-weighting.ts';
import { readStateVector } from './weighting-state.ts';

/**
 * The objective of homoscedastic uncertainty weighting (Kendall, Gal & Cipolla 2018) in the LibMTL form:
 * L = Σ_k ( 0.5 · exp(−s_k) · L_k + 0.5 · s_k ), with s_k = log σ_k² a learned log-variance per task. A task whose
 * loss stays high (noisy labels) is pushed to a larger s_k, i.e. a smaller weight; the 0.5 · s_k term keeps s_k from
 * growing without bound. For fixed L_k the optimum is s_k = log L_k.
 *
 * @param losses unweighted task losses, scalars in task order
 * @param logVariances s_k, scalars (or `[]`-shaped variables) in the same order
 * @returns the scalar objective. Call inside a tidy.
 */
export function combineUncertaintyLosses(losses: readonly tf.Scalar[], logVariances: readonly tf.Tensor[]): tf.Scalar {
  return tf.addN(losses.map((loss, k) => {
    const s = logVariances[k] as tf.Tensor;
    return tf.exp(tf.neg(s)).mul(loss).add(s).mul(0.5);
  })) as tf.Scalar;
}

/** The weight a task's loss carries under {@link combineUncertaintyLosses}: 0.5 · exp(−s_k). */
export function uncertaintyWeight(logVariance: number): number {
  return 0.5 * Math.exp(-logVariance);
}

/**
 * `uncertainty`: one trainable log-variance s_k per task (a `[]` variable, initially 0, so every weight starts at 0.5),
 * trained by the network's optimizer on {@link combineUncertaintyLosses}. State: `logVariances`, in task order.
 */
export const createUncertaintyWeighting: LossWeightingFactory = (tasks) => {
  const variables = tasks.map((task) => {
    const initial = tf.scalar(0);
    const variable = tf.variable(initial, true, freeVariableName(`uncertainty/${task.name}/log_variance`));
    initial.dispose(); // the variable holds its own reference to the data
    return variable;
  });
  const readLogVariances = (): number[] => variables.map((variable) => variable.dataSync()[0] as number);
  return {
    variables,
    combineLosses: (losses) => combineUncertaintyLosses(losses, variables),
    effectiveWeights: () => Object.fromEntries(readLogVariances().map((s, k) => [tasks[k]?.name as string, uncertaintyWeight(s)])),
    saveState: (): WeightingState => ({ logVariances: readLogVariances() }),
    restoreState(state) {
      const saved = readStateVector(state, 'logVariances', variables.length, 'uncertainty');
      variables.forEach((variable, k) => tf.tidy(() => variable.assign(tf.scalar(saved[k] as number))));
    },
    dispose: () => tf.dispose(variables),
  };
};

/**
 * `base`, or `base_1`, `base_2`, … whichever no live variable has: tfjs variable names are unique per process and
 * two runs (a straight one and its resume, parallel trials) may hold strategies for the same task at once. Looked up
 * in the engine's registry rather than a module counter, so nothing here is global state of ours.
 */
function freeVariableName(base: string): string {
  const taken = tf.engine().registeredVariables;
  if (taken[base] === undefined) return base;
  let suffix = 1;
  while (taken[`${base}_${suffix}`] !== undefined) suffix++;
  return `${base}_${suffix}`;
}
