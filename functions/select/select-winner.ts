import { requireRunFiles, writeRunFiles } from '../../src/search/run-files.ts';
import { closeSearchWithEnsemble } from '../../src/search/search-ensemble.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import type { SelectOutput } from '../workflow-state.ts';

/**
 * The workflow's select step: closes the run as `tandem search` does (`closeSearchWithEnsemble`: trials left between
 * rungs are `pruned`, Δm against the baseline, the winner among the trials meeting the selection floors, the Pareto
 * front, and with `search.ensembleTopK` > 1 the average of the best trials, saved as one model and made the winner when
 * it beats them on validation) and writes the run files (`completed`). Returns the winner and its model, if any.
 */
export async function selectWinner(store: BlobStore, input: { readonly runId: string }, now: () => Date = () => new Date()): Promise<SelectOutput> {
  const files = await requireRunFiles(store, input.runId);
  const closed = await closeSearchWithEnsemble(store, files.run, files.leaderboard, false);
  const run = await writeRunFiles(store, { ...files, ...closed }, now());
  const best = closed.leaderboard.find((row) => row.trialId === run.bestTrialId);
  return { runId: run.runId, bestTrialId: run.bestTrialId, bestModelId: best?.modelId ?? null };
}
