import { resolveSearchSettings, trialDefaultsOf } from '../../src/search/search-settings.ts';
import { planFirstRung, rungSearchFiles } from '../../src/search/rung-search.ts';
import { writeRunFiles } from '../../src/search/run-files.ts';
import { createStoredRun } from '../../src/search/stored-run.ts';
import { trialRefOf, writeTrialSpecs, type TrialRef } from '../../src/search/trial-ref.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import type { IngestOutput, RungState } from '../workflow-state.ts';
import { WorkflowStepError } from '../workflow-step-error.ts';

/**
 * The workflow's plan step: creates the run (`runs/<runId>/run.json`, leaderboard, trial log) as `tandem search`
 * does, with the same settings, trial plan and sampler (`src/search`), and returns its first rung: the `single`
 * baseline and with `search.defaultTrial` the config's own recipe (all their epochs) plus `trials` sampled trials (ASHA: to the first rung's epochs; otherwise to the end).
 * Each trial's spec goes to the store (`runs/<runId>/trials/<trialId>/spec.json`); the rung carries only their
 * references. The workflow's Map sets the parallelism (1 unless overridden) and the workflow keeps no time budget.
 */
export async function planTrials(store: BlobStore, input: IngestOutput, now: () => Date = () => new Date()): Promise<RungState> {
  const { config } = input;
  const settings = resolveSearchSettings(config, input.overrides ?? {}, { defaultParallel: 1, budget: false });
  const at = now();
  const run = createStoredRun(settings, trialDefaultsOf(config, input), at);
  const { search, specs } = planFirstRung(run, at);
  requireRungFitsState(specs.map(trialRefOf), specs.length - settings.trials);
  const refs = await writeTrialSpecs(store, specs);
  await writeRunFiles(store, rungSearchFiles(search), at);
  return { runId: run.runId, rung: 0, trials: refs, done: false };
}

/** Step Functions' limit on the state passed between states (the input and output of each state), in bytes. */
export const stepFunctionsStateLimitBytes = 256 * 1024;

/**
 * The rung's Map output holds the most state: the rung's trial references (its items) and what each iteration
 * returned (the trial id of a trial that trained), so the first rung, the largest, must fit with room left for the rest
 * of the state: about 2,200 trials of a run with the default name (a reference is about 100 bytes, most of it the
 * spec's key). Failing here, before any trial runs, beats a `States.DataLimitExceeded` after the first rung's GPU hours.
 * (A trial that fails for good comes back as its reference plus the error, whose cause may run to kilobytes.)
 * @throws WorkflowStepError naming the trial count, the size and how many trials fit.
 */
function requireRungFitsState(refs: readonly TrialRef[], fixedTrials: number): void {
  const bytes = Buffer.byteLength(JSON.stringify({ trials: refs, results: refs.map((ref) => ref.trialId) }));
  const budget = stepFunctionsStateLimitBytes - 8 * 1024;
  if (bytes <= budget) return;
  const fit = Math.floor((budget / bytes) * refs.length) - fixedTrials;
  const sampled = refs.length - fixedTrials;
  throw new WorkflowStepError(
    `plan: ${sampled} trials (plus ${fixedTrials === 1 ? 'the single baseline' : 'the single baseline and the default recipe'}) make a rung of ${Math.ceil(bytes / 1024)} KiB of trial references and results in the workflow state (limit 256 KiB); run at most ${fit} trials per execution, or use tandem search`,
    { value: sampled },
  );
}
