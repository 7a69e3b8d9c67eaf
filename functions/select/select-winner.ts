import { runKey } from '../../src/search/run-keys.ts';
import type { LeaderboardRow } from '../../src/search/run-record.ts';
import { applySearchOutcome } from '../../src/search/search-outcome.ts';
import type { StoredRun } from '../../src/search/stored-run.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { readJson, writeJson } from '../../src/store/json-object.ts';
import type { SelectOutput } from '../workflow-state.ts';

/**
 * The workflow's select step: closes the run as `tandem search` does (trials left between rungs are `pruned`, Δm
 * against the baseline, the winner among the trials meeting the selection floors, the Pareto front) and writes
 * leaderboard.json and run.json (`completed`). Returns the winner and its model, if any.
 */
export async function selectWinner(store: BlobStore, input: { readonly runId: string }, now: () => Date = () => new Date()): Promise<SelectOutput> {
  const run = await readJson<StoredRun>(store, runKey(input.runId, 'run.json'));
  const rows = await readJson<LeaderboardRow[]>(store, runKey(run.runId, 'leaderboard.json'));
  const outcome = applySearchOutcome(rows, run.defaults, false);
  const closed = rows.map((row) => ({ ...row, ...outcome.rows.get(row.trialId) }));
  const best = closed.find((row) => row.trialId === outcome.bestTrialId);
  await writeJson(store, runKey(run.runId, 'leaderboard.json'), closed);
  await writeJson(store, runKey(run.runId, 'run.json'), {
    ...run,
    status: 'completed',
    updatedAt: now().toISOString(),
    bestTrialId: outcome.bestTrialId,
    baselineTrialId: outcome.baselineTrialId,
    paretoFront: outcome.paretoFront,
    totalEpochs: closed.reduce((sum, row) => sum + row.epochs, 0),
  } satisfies StoredRun);
  return { runId: run.runId, bestTrialId: outcome.bestTrialId, bestModelId: best?.modelId ?? null };
}
