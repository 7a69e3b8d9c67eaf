import { requireRunFiles } from '../../src/search/run-files.ts';
import { planClosingFoldCopies } from '../../src/search/search-ensemble.ts';
import { writeTrialSpecs } from '../../src/search/trial-ref.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import type { RungState } from '../workflow-state.ts';

/** What the workflow's plan-closing state sends the select function: the rung state after the last rung. */
export interface PlanClosingEvent {
  readonly action: 'plan-closing';
  readonly runId: string;
  readonly state: RungState;
}

/**
 * The workflow's plan-closing step (the select function, which holds the wasm backend, asked with `action:
 * "plan-closing"`): once no rung is left, the fold copies the closing will average (`search.ensembleFolds`: the
 * trials bagged selection picks on validation, and the linear trial, k copies each) that the store does not hold yet
 * go out as one more set of trials by reference, `closing: true`, for the rung Map to train as Batch jobs — so the
 * select step finds them trained instead of training them in its 15-minute Lambda. `done` when there are none (no
 * `ensembleFolds`, or every copy there) and when the state is already back from training them (`closing`): a copy
 * that failed for good is then trained by select itself, never planned again in a loop.
 */
export async function planClosing(store: BlobStore, { state }: PlanClosingEvent): Promise<RungState> {
  const finished: RungState = { runId: state.runId, rung: state.rung, trials: [], done: true, closing: true };
  if (state.closing === true) return finished;
  const files = await requireRunFiles(store, state.runId);
  const copies = await writeTrialSpecs(store, await planClosingFoldCopies(store, files.run, files.leaderboard));
  return copies.length === 0 ? finished : { ...finished, trials: copies, done: false };
}
