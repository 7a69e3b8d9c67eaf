import type { LeaderboardRow } from '../search/run-record.ts';

/** A trial's name in legends and tooltips: its id, marked when it is the winner or the `single` baseline. */
export function labelTrial(row: Pick<LeaderboardRow, 'trialId'>, { winnerId, baselineId }: { winnerId?: string | undefined; baselineId?: string | undefined }): string {
  const tags = [row.trialId === winnerId ? 'winner' : undefined, row.trialId === baselineId ? 'single baseline' : undefined].filter(Boolean);
  return tags.length === 0 ? row.trialId : `${row.trialId} (${tags.join(', ')})`;
}
