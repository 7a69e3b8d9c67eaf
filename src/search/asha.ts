import { BadInputError } from '../errors/bad-input-error.ts';

/** ASHA settings: reduction factor η and the epoch budget of the lowest and highest rung. */
export interface AshaSettings {
  readonly eta: number;
  readonly minEpochs: number;
  readonly maxEpochs: number;
}

/** Epochs at each rung: minEpochs·η^k below maxEpochs, then maxEpochs (e.g. η 3, 3 → 27: [3, 9, 27]). */
export function computeRungs({ eta, minEpochs, maxEpochs }: AshaSettings): number[] {
  if (!(eta >= 2) || !(minEpochs >= 1) || !(maxEpochs >= minEpochs)) {
    throw new BadInputError(`search.asha: need eta ≥ 2 and 1 ≤ minEpochs ≤ maxEpochs, got eta ${eta}, minEpochs ${minEpochs}, maxEpochs ${maxEpochs}`, { value: { eta, minEpochs, maxEpochs } });
  }
  const rungs: number[] = [];
  for (let epochs = minEpochs; epochs < maxEpochs; epochs = Math.round(epochs * eta)) rungs.push(epochs);
  rungs.push(maxEpochs);
  return rungs;
}

/** A trial as the ASHA scheduler sees it. */
export interface AshaTrial {
  readonly trialId: string;
  /** Validation score at each completed rung (index = rung). */
  readonly rungScores: readonly (number | null)[];
  /** Training now (not promotable). */
  readonly busy: boolean;
  /** Can train no further: early-stopped, failed, or at the top rung. */
  readonly finished: boolean;
}

/**
 * Asynchronous successive halving (Li et al., 2020): the job for a free worker is the best promotable trial of the
 * highest rung — one in the top 1/η of all trials that completed that rung and not yet promoted — else undefined (the
 * caller then starts a new trial at rung 0). A trial is promoted at most once per rung by construction: after
 * promotion it is busy, then its highest rung is the next one. With `finishing` (no new trials to come), the best
 * trial of a rung is promotable even when fewer than η trials reached it.
 */
export function findAshaPromotion(
  trials: readonly AshaTrial[],
  rungCount: number,
  eta: number,
  { finishing = false }: { finishing?: boolean } = {},
): { trialId: string; toRung: number } | undefined {
  for (let rung = rungCount - 2; rung >= 0; rung--) {
    const reached = trials.filter((trial) => trial.rungScores.length > rung);
    // Once no new trial will start, each rung's best goes on even when fewer than η trials reached it, so the
    // search always ends with at least one fully trained trial.
    const keep = Math.max(Math.floor(reached.length / eta), finishing && reached.length > 0 ? 1 : 0);
    if (keep === 0) continue;
    const ranked = [...reached].sort((a, b) => (b.rungScores[rung] ?? -Infinity) - (a.rungScores[rung] ?? -Infinity) || (a.trialId < b.trialId ? -1 : 1));
    const promotable = ranked
      .slice(0, keep)
      .find((trial) => trial.rungScores.length === rung + 1 && !trial.busy && !trial.finished && trial.rungScores[rung] !== null);
    if (promotable !== undefined) return { trialId: promotable.trialId, toRung: rung + 1 };
  }
  return undefined;
}
