import { requireRunFiles, writeRunFiles } from '../../src/search/run-files.ts';
import { closeSearch } from '../../src/search/search-outcome.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import type { SelectOutput } from '../workflow-state.ts';

/**
 * The workflow's select step: closes the run as `tandem search` does (`closeSearch`: trials left between rungs are
 * `pruned`, Δm against the baseline, the winner among the trials meeting the selection floors, the Pareto front) and
 * writes the run files (`completed`). Returns the winner and its model, if any.
 */
export async function selectWinner(store: BlobStore, input: { readonly runId: string }, now: () => Date = () => new Date()): Promise<SelectOutput> {
  const files = await requireRunFiles(store, input.runId);
  const closed = closeSearch(files.run, files.leaderboard, false);
  const run = await writeRunFiles(store, { ...files, ...closed }, now());
  const best = closed.leaderboard.find((row) => row.trialId === run.bestTrialId);
  return { runId: run.runId, bestTrialId: run.bestTrialId, bestModelId: best?.modelId ?? null };
}
