import { modelFolder } from '../model/model-artifacts.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJson } from '../store/json-object.ts';
import { ensembleSavedModels, selectSavedModels, type SavedEnsembleMember } from '../train/ensemble-saved-models.ts';
import { crossFitTrialEnsemble, foldCopySpecs, missingFoldCopies, type FoldCopyTrainer } from './cross-fitted-ensemble.ts';
import type { LeaderboardRow } from './run-record.ts';
import { closeSearch, meetsFloors } from './search-outcome.ts';
import type { StoredRun } from './stored-run.ts';
import type { TrialSpec } from './trial-spec.ts';

/** The leaderboard row id of a kept ensemble of trials. */
export const ensembleTrialId = 'ensemble';

/**
 * Closes a search as {@link closeSearch} does and then, with `settings.ensembleTopK` = k > 1, builds an ensemble of
 * up to k trials by bagged ensemble selection per task on validation (`ensembleSavedModels` with `select`): the candidates
 * are the winner and every other completed trial meeting the floors. Trials fitted with other feature settings
 * (`features.numericEncoding` and the like are search dimensions) join too: the ensemble then reads their inputs
 * side by side (a joined preprocessor), which is what lets it mix models that see the data differently.
 * The ensemble is saved as one model and becomes the winner (a leaderboard row `ensemble`, so `search`, the report
 * and `promote` select it like any trial) whenever selection averages several trials: the best trial's own
 * validation score is the luckiest of many, so comparing it with the ensemble's would favour it, and bagged selection
 * (selectBaggedEnsembleWeights) does not chase validation noise; run.json records the attempt either way
 * (`ensemble`). Kept, the ensemble wins when it meets the floors. With `search.ensembleFolds`, the fold copies are
 * trained through `options.trainCopy` (a search passes its trial launcher), `options.parallel` at a time, none started
 * after `options.deadline` (the search's budget): when that leaves fewer than two trials with all their copies, the
 * closing is the one on validation.
 */
export async function closeSearchWithEnsemble(
  store: BlobStore,
  run: StoredRun,
  rows: readonly LeaderboardRow[],
  stoppedByBudget: boolean,
  options: {
    readonly log?: (line: string) => void;
    readonly trainCopy?: FoldCopyTrainer;
    readonly parallel?: number;
    readonly deadline?: number;
    readonly signal?: AbortSignal;
    readonly now?: () => Date;
  } = {},
): Promise<{ run: StoredRun; leaderboard: LeaderboardRow[] }> {
  const plan = await closingPlanOf(store, run, rows, stoppedByBudget);
  const { closed, winner, members, topK, folds, shortlist } = plan;
  if (winner === undefined) return closed;
  const crossFitted = shortlist.length > 0 ? await crossFitTrialEnsemble(store, run, { ...options, trials: shortlist, folds, maxMembers: topK }) : undefined;
  const { ensemble, modelId } = crossFitted ?? (await ensembleSavedModels(store, { members, selection: run.defaults.selection, select: { maxMembers: topK } }));
  const record = { ...ensemble, ...(modelId === undefined ? {} : { modelId }) };
  if (modelId === undefined) return { run: { ...closed.run, ensemble: record }, leaderboard: closed.leaderboard };
  const card = await readJson<{ metrics: NonNullable<LeaderboardRow['metrics']> }>(store, `${modelFolder(modelId)}/card.json`);
  const row: LeaderboardRow = {
    trialId: ensembleTrialId,
    config: winner.config,
    sample: {},
    metrics: card.metrics,
    status: 'completed',
    epochs: 0,
    rung: winner.rung,
    rungScores: [],
    modelId,
    attempts: 0,
    baseline: false,
  };
  // Closed again with the ensemble among the rows: Δm and floors as for a trial; kept, it is the winner when it meets the floors.
  const reclosed = closeSearch(run, [...plan.trials, row], stoppedByBudget, ensembleTrialId);
  return { run: { ...reclosed.run, ensemble: record }, leaderboard: reclosed.leaderboard };
}

/** What a closing averages: the closed run, its winner and the candidates (none when nothing is to be averaged). */
interface ClosingPlan {
  /** The rows without a previous closing's ensemble. */
  readonly trials: readonly LeaderboardRow[];
  readonly closed: { run: StoredRun; leaderboard: LeaderboardRow[] };
  /** Undefined when the closing averages nothing (`ensembleTopK` 1, no winner with a model, a single candidate). */
  readonly winner?: LeaderboardRow;
  readonly members: readonly SavedEnsembleMember[];
  readonly topK: number;
  readonly folds: number;
  /** The trials the cross-fitted closing re-trains (empty without `ensembleFolds`, or with fewer than two). */
  readonly shortlist: readonly LeaderboardRow[];
}

async function closingPlanOf(store: BlobStore, run: StoredRun, rows: readonly LeaderboardRow[], stoppedByBudget: boolean): Promise<ClosingPlan> {
  // A previous closing's ensemble (a finished run resumed) is no trial to average: this closing builds its own.
  const trials = rows.filter((row) => row.trialId !== ensembleTrialId);
  const closed = closeSearch(run, trials, stoppedByBudget);
  const topK = run.settings.ensembleTopK ?? 1;
  const folds = run.settings.ensembleFolds ?? 1;
  const nothing: ClosingPlan = { trials, closed, members: [], topK, folds, shortlist: [] };
  const winner = closed.leaderboard.find((row) => row.trialId === closed.run.bestTrialId);
  if (topK < 2 || winner?.modelId == null) return nothing;
  const others = closed.leaderboard
    .filter((row) => row.trialId !== winner.trialId && row.status === 'completed' && row.modelId !== null && row.metrics !== null)
    .filter((row) => meetsFloors(row.metrics!, run.defaults.selection.floors))
    .sort((a, b) => (b.metrics?.validation.combinedScore ?? -Infinity) - (a.metrics?.validation.combinedScore ?? -Infinity));
  const candidates = [winner, ...others];
  if (candidates.length < 2) return nothing;
  const members = candidates.map((row) => ({ modelId: row.modelId as string, id: row.trialId }));
  // Cross-fitting one trial could only give that trial again: then the closing on validation says so, untrained.
  const shortlist = folds > 1 ? await crossFitShortlist(store, candidates, members, topK) : [];
  return { trials, closed, winner, members, topK, folds, shortlist: shortlist.length > 1 ? shortlist : [] };
}

/**
 * The fold-copy trials the closing of `rows` would train and the store does not hold yet (none without
 * `search.ensembleFolds`): what the AWS workflow runs as one more Map of Batch jobs before its select step, so that
 * the closing there trains nothing itself.
 */
export async function planClosingFoldCopies(store: BlobStore, run: StoredRun, rows: readonly LeaderboardRow[]): Promise<TrialSpec[]> {
  const { shortlist, folds } = await closingPlanOf(store, run, rows, false);
  return shortlist.length === 0 ? [] : missingFoldCopies(store, run, foldCopySpecs(run, shortlist, folds));
}

/**
 * The trials a cross-fitted closing (`search.ensembleFolds`) trains again, best first: those that bagged selection on
 * the validation rows picks (not the winner unless picked: it may be a slow trial that selection leaves out), and the linear trial — the model a small table often supports best, and
 * the cheapest to copy — so that selection on the out-of-fold rows can give it the weight a few hundred validation
 * rows did not.
 */
async function crossFitShortlist(store: BlobStore, candidates: readonly LeaderboardRow[], members: readonly SavedEnsembleMember[], maxMembers: number): Promise<LeaderboardRow[]> {
  const { indices } = await selectSavedModels(store, { members, maxMembers });
  const chosen = new Set(indices);
  const linear = candidates.findIndex((row) => row.linear === true);
  if (linear >= 0) chosen.add(linear);
  return [...chosen].sort((a, b) => a - b).map((i) => candidates[i] as LeaderboardRow);
}
