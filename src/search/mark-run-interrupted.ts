import type { BlobStore } from '../store/blob-store.ts';
import { readRunFiles, writeRunFiles } from './run-files.ts';
import type { LeaderboardRow } from './run-record.ts';
import type { TrialLogEvent } from './stored-run.ts';

/**
 * Leaves a run that was stopped from outside its search loop (the local workflow, on SIGINT/SIGTERM) as
 * `runSearch` leaves one it stops itself: run.json `interrupted`, each of `trialIds` (trials whose workers were
 * stopped) `interrupted` on the leaderboard with an `interrupted` event in trial-log.json (its rung and epoch those
 * of its last launch), so `runSearch({ resumeRunId })` trains them again. Trials of the rung still `running` that no
 * worker had started yet (a Map runs at most its concurrency at once, but the rung records all as launched) are
 * interrupted alike: nothing of a stopped run runs any more. Does nothing for a run not in the store.
 */
export async function markRunInterrupted(store: BlobStore, runId: string, trialIds: readonly string[], now: Date = new Date()): Promise<void> {
  const files = await readRunFiles(store, runId);
  if (files === undefined) return;
  const at = now.toISOString();
  const stopped = new Set([...trialIds, ...files.leaderboard.filter((row) => row.status === 'running').map((row) => row.trialId)]);
  const events: TrialLogEvent[] = [...files.events];
  for (const trialId of stopped) {
    const launch = [...events].reverse().find((event) => event.trialId === trialId && event.event === 'launched');
    if (launch !== undefined) events.push({ at, trialId, event: 'interrupted', attempt: launch.attempt, rung: launch.rung, untilEpoch: launch.untilEpoch });
  }
  const leaderboard = files.leaderboard.map((row): LeaderboardRow => (stopped.has(row.trialId) && row.status === 'running' ? { ...row, status: 'interrupted' } : row));
  await writeRunFiles(store, { run: { ...files.run, status: 'interrupted' }, leaderboard, events }, now);
}
