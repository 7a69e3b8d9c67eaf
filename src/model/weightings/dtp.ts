import { sumWeightedLosses, weightsByTask, type LossWeightingFactory } from './loss-weighting.ts';
import { readStateVector } from './weighting-state.ts';

/** κ̄ is kept inside [kpiFloor, 1 − kpiFloor] so that log κ̄ and (1 − κ̄)^γ stay finite and non-zero. */
const kpiFloor = 1e-4;

/**
 * One step of DTP's KPI moving average: κ̄ ← smoothing · κ + (1 − smoothing) · κ̄. The first observation is taken as
 * is; an epoch without a KPI (null) leaves κ̄ unchanged.
 *
 * @param smoothed κ̄ so far, null before any observation
 * @param observed this epoch's KPI in [0, 1], or null
 * @param smoothing weight of the newest observation, in (0, 1]
 */
export function smoothTaskKpi(smoothed: number | null, observed: number | null, smoothing: number): number | null {
  if (observed === null || !Number.isFinite(observed)) return smoothed;
  return smoothed === null ? observed : smoothing * observed + (1 - smoothing) * smoothed;
}

/**
 * Dynamic Task Prioritization (Guo et al. 2018): w_k = −(1 − κ̄_k)^γ · log κ̄_k with κ̄_k clipped to
 * [1e−4, 1 − 1e−4], so a task with a low KPI (hard) weighs more. The weights of the tasks that have a κ̄ are then
 * normalised to sum to their number; a task without one (no KPI yet, or none defined) gets 1. All weights thus sum to
 * K, and before any KPI every weight is 1.
 *
 * @param kpis κ̄ per task, null where unknown
 * @param gamma focusing γ ≥ 0
 * @returns w per task, same order
 */
export function computeDtpWeights(kpis: readonly (number | null)[], gamma: number): number[] {
  const raw = kpis.map((kpi) => {
    if (kpi === null) return null;
    const clipped = Math.min(Math.max(kpi, kpiFloor), 1 - kpiFloor);
    return -((1 - clipped) ** gamma) * Math.log(clipped);
  });
  const known = raw.filter((w): w is number => w !== null);
  const total = known.reduce((sum, w) => sum + w, 0);
  // A huge γ can underflow every weight to 0: then there is nothing to prioritise, and equal weights stand.
  const scale = total > 0 && Number.isFinite(total) ? known.length / total : 0;
  return raw.map((w) => (w === null || scale === 0 ? 1 : w * scale));
}

/**
 * `dtp`: Σ w_k · L_k with w from {@link computeDtpWeights} on each task's validation KPI κ = (auc + f1) / 2, smoothed
 * over epochs by {@link smoothTaskKpi} (`model.dtp.gamma`, `model.dtp.smoothing`). `endEpoch(t)` sets the weights of
 * epoch t + 1. State: `kpis` (κ̄ per task in task order, 0 where unknown) and `known` (1 where κ̄ exists, else 0).
 */
export const createDtpWeighting: LossWeightingFactory = (tasks, params) => {
  const { gamma, smoothing } = params.dtp;
  let kpis: (number | null)[] = tasks.map(() => null);
  let weights = computeDtpWeights(kpis, gamma);
  return {
    variables: [],
    combineLosses: (losses) => sumWeightedLosses(losses, weights),
    endEpoch({ validationKpis }) {
      kpis = tasks.map((task, k) => smoothTaskKpi(kpis[k] ?? null, validationKpis[task.name] ?? null, smoothing));
      weights = computeDtpWeights(kpis, gamma);
    },
    effectiveWeights: () => weightsByTask(tasks, weights),
    saveState: () => ({ kpis: kpis.map((kpi) => kpi ?? 0), known: kpis.map((kpi) => (kpi === null ? 0 : 1)) }),
    restoreState(state) {
      const values = readStateVector(state, 'kpis', tasks.length, 'dtp');
      const known = readStateVector(state, 'known', tasks.length, 'dtp');
      kpis = values.map((kpi, k) => (known[k] === 1 ? kpi : null));
      weights = computeDtpWeights(kpis, gamma);
    },
    dispose: () => undefined,
  };
};
