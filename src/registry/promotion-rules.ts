import type { SelectionConfig } from '../config/schema.ts';
import type { SplitMetrics } from '../metrics/evaluation.ts';

/** The verdict of the champion/challenger rules. */
export interface PromotionDecision {
  readonly promote: boolean;
  readonly reason: string;
  /** Combined score of each on the same test rows, and per task the AUC change (challenger − champion). */
  readonly championScore: number | null;
  readonly challengerScore: number | null;
  readonly aucChanges: Readonly<Record<string, number>>;
}

/**
 * SPEC §6: the challenger replaces the champion only when its combined score on the same test rows is higher by at
 * least `selection.minGain` and no task's AUC drops by more than `selection.maxTaskDrop`. Both sets of metrics must
 * come from the same rows. Without a champion, the challenger is promoted.
 */
export function decidePromotion(challenger: SplitMetrics, champion: SplitMetrics | undefined, selection: Pick<SelectionConfig, 'minGain' | 'maxTaskDrop'>): PromotionDecision {
  const challengerScore = challenger.combinedScore;
  if (champion === undefined) return { promote: true, reason: 'no champion yet', championScore: null, challengerScore, aucChanges: {} };
  const championScore = champion.combinedScore;
  const aucChanges: Record<string, number> = {};
  for (const [task, metrics] of Object.entries(challenger.tasks)) {
    const before = champion.tasks[task]?.auc;
    if (metrics.auc !== null && before !== null && before !== undefined) aucChanges[task] = metrics.auc - before;
  }
  const base = { championScore, challengerScore, aucChanges };
  if (challengerScore === null) return { ...base, promote: false, reason: 'the challenger has no combined score on the test rows' };
  const gain = challengerScore - (championScore ?? -Infinity);
  const drops = Object.entries(aucChanges)
    .filter(([, change]) => change < -selection.maxTaskDrop)
    .sort((a, b) => a[1] - b[1]);
  if (drops.length > 0) {
    const list = drops.map(([task, change]) => `${task} AUC ${change.toFixed(4)}`).join(', ');
    return { ...base, promote: false, reason: `kept the champion: ${list} drops by more than maxTaskDrop ${selection.maxTaskDrop} (combined score ${gain >= 0 ? '+' : ''}${gain.toFixed(4)})` };
  }
  if (gain < selection.minGain) {
    return { ...base, promote: false, reason: `kept the champion: combined score gain ${gain.toFixed(4)} is below minGain ${selection.minGain}` };
  }
  return { ...base, promote: true, reason: `combined score +${gain.toFixed(4)} on the same test rows; no task AUC dropped more than ${selection.maxTaskDrop}` };
}
