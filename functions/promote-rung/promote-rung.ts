import { requireRunFiles, writeRunFiles } from '../../src/search/run-files.ts';
import { openRungSearch, planNextRung, recordRungResults, rungSearchFiles, type RungTrialOutcome } from '../../src/search/rung-search.ts';
import { writeTrialSpecs } from '../../src/search/trial-ref.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import type { RungResults, RungState } from '../workflow-state.ts';
import { WorkflowStepError } from '../workflow-step-error.ts';

/**
 * The workflow's promote-rung step: records each trial of the rung that just ran (its metrics.json, or the error the
 * Map's Catch kept — a trial that failed for good is `failed` and the search goes on; see TrialResult for what the
 * Map returns), then picks the next rung's trials with ASHA (the best 1/η of each rung, at least one, since every
 * trial of a rung has finished), writing their specs to the store. Returns the next rung (its trials by reference),
 * or `done` when no trial goes on. After the Map trained the closing's fold copies (`closing`, planned by the select
 * function's `plan-closing`), it only says `done` again, with `closing` kept so the plan is not made twice. The
 * bookkeeping is `src/search/rung-search.ts`; this step parses the event.
 */
export async function promoteRung(store: BlobStore, input: RungResults, now: () => Date = () => new Date()): Promise<RungState> {
  if (!Array.isArray(input.results)) throw new WorkflowStepError('promote-rung: the event needs the Map\'s "results" array', { value: input });
  // The closing's fold copies trained: nothing to record (a copy that failed for good is trained by select itself).
  if (input.closing === true) return { runId: input.runId, rung: input.rung, trials: [], done: true, closing: true };
  const search = openRungSearch(await requireRunFiles(store, input.runId));
  const at = now();
  await recordRungResults(store, search, input.rung, rungOutcomes(input, search.rows), at);
  const next = planNextRung(search, at);
  const nextRefs = await writeTrialSpecs(store, next);
  await writeRunFiles(store, rungSearchFiles(search), at);
  return { runId: search.run.runId, rung: input.rung + 1, trials: nextRefs, done: nextRefs.length === 0 };
}

/** The Map's results as outcomes; a trial not in the run or not in the rung is a WorkflowStepError. */
function rungOutcomes(input: RungResults, rows: ReadonlyMap<string, unknown>): RungTrialOutcome[] {
  const refs = new Map((Array.isArray(input.trials) ? input.trials : []).map((ref) => [ref.trialId, ref]));
  return input.results.map((result) => {
    const trialId = typeof result === 'string' ? result : result.trialId;
    if (!rows.has(trialId)) throw new WorkflowStepError(`promote-rung: trial ${trialId} is not in run ${input.runId}`, { value: trialId });
    // A trained trial comes back as its id alone: its rung's epoch is in its reference, in the state's trials.
    const untilEpoch = typeof result === 'string' ? refs.get(trialId)?.untilEpoch : result.untilEpoch;
    if (untilEpoch === undefined) throw new WorkflowStepError(`promote-rung: trial ${trialId} is not in the rung's trials`, { value: trialId });
    const error = typeof result === 'string' ? undefined : result.error;
    return { trialId, untilEpoch, ...(error === undefined ? {} : { error: `${error.Error}${error.Cause === undefined ? '' : `: ${error.Cause}`}` }) };
  });
}
