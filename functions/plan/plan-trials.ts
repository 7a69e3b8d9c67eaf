import type { ModelConfig, TandemConfig } from '../../src/config/schema.ts';
import { runKey } from '../../src/search/run-keys.ts';
import type { LeaderboardRow } from '../../src/search/run-record.ts';
import { sampleToModelConfig } from '../../src/search/sample-to-model-config.ts';
import { createRandomSampler } from '../../src/search/samplers/random-sampler.ts';
import { createTpeSampler } from '../../src/search/samplers/tpe-sampler.ts';
import { resolveConfigSearchSpace } from '../../src/search/search-space.ts';
import { trialRefOf, writeTrialSpecs, type TrialRef } from '../../src/search/trial-ref.ts';
import { createStoredRun, type SearchSettings, type TrialDefaults, type TrialLogEvent } from '../../src/search/stored-run.ts';
import { trialSpecOf, type TrialSpec } from '../../src/search/trial-spec.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { writeJson } from '../../src/store/json-object.ts';
import type { IngestOutput, RungState, WorkflowOverrides } from '../workflow-state.ts';
import { WorkflowStepError } from '../workflow-step-error.ts';

/** The search settings of a config with the workflow's overrides (the workflow's Map sets the parallelism). */
export function resolveWorkflowSearchSettings(config: TandemConfig, overrides: WorkflowOverrides = {}): SearchSettings {
  return {
    strategy: overrides.strategy ?? config.search.strategy,
    trials: overrides.trials ?? config.search.trials,
    parallel: overrides.parallel ?? config.search.parallel ?? 1,
    seed: overrides.seed ?? config.search.seed,
    startupTrials: config.search.startupTrials,
    asha: config.search.asha,
    space: resolveConfigSearchSpace(config.search.space, config.tasks),
  };
}

/**
 * The workflow's plan step: creates the run (`runs/<runId>/run.json`, leaderboard, trial log) as `tandem search`
 * does and returns its first rung: the `single` baseline (all its epochs) plus `trials` sampled trials (ASHA: to the
 * first rung's epochs; otherwise to the end). Trials of one rung train at once in the Map, so the sampler draws
 * them all up front (TPE therefore samples like its startup phase). Each trial's spec goes to the store
 * (`runs/<runId>/trials/<trialId>/spec.json`); the rung carries only their references.
 */
export async function planTrials(store: BlobStore, input: IngestOutput, now: () => Date = () => new Date()): Promise<RungState> {
  const { config } = input;
  const settings = resolveWorkflowSearchSettings(config, input.overrides);
  const defaults: TrialDefaults = {
    name: config.name,
    datasetId: input.datasetId,
    tasks: input.tasks,
    params: config.model,
    features: config.features,
    selection: config.selection,
    ...(config.segments === undefined ? {} : { segments: config.segments }),
  };
  const asha = settings.strategy === 'asha';
  const run = createStoredRun(settings, defaults, now());
  const { runId, createdAt, rungs } = run;
  const taskNames = defaults.tasks.filter((task) => !task.auxiliary).map((task) => task.name);
  const sampler = settings.strategy === 'tpe' ? createTpeSampler(settings.seed + 1, { startupTrials: settings.startupTrials }) : createRandomSampler(settings.seed + 1);
  const rows: LeaderboardRow[] = [];
  const trials: TrialSpec[] = [];
  for (let index = 0; index <= settings.trials; index++) {
    const baseline = index === 0;
    const sample = baseline ? { arch: 'single' } : sampler.sample(settings.space, []);
    const sampled: ModelConfig = baseline ? { ...defaults.params, arch: 'single' } : sampleToModelConfig(sample, defaults.params, taskNames);
    const params: ModelConfig = asha ? { ...sampled, epochs: settings.asha.maxEpochs } : sampled;
    const row: LeaderboardRow = { trialId: `t${String(index).padStart(3, '0')}`, config: params, sample, metrics: null, status: 'running', epochs: 0, rung: -1, rungScores: [], modelId: null, attempts: 1, baseline };
    rows.push(row);
    trials.push(trialSpecOf(run, row, asha && !baseline ? (rungs[0] as number) : params.epochs));
  }
  requireRungFitsState(trials.map(trialRefOf));
  const events: TrialLogEvent[] = trials.map((spec) => ({ at: createdAt, trialId: spec.trialId, event: 'launched', attempt: 1, rung: 0, untilEpoch: spec.untilEpoch ?? spec.params.epochs }));
  const refs = await writeTrialSpecs(store, trials);
  await writeJson(store, runKey(runId, 'leaderboard.json'), rows);
  await writeJson(store, runKey(runId, 'trial-log.json'), events);
  await writeJson(store, runKey(runId, 'run.json'), run);
  return { runId, rung: 0, trials: refs, done: false };
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
function requireRungFitsState(refs: readonly TrialRef[]): void {
  const bytes = Buffer.byteLength(JSON.stringify({ trials: refs, results: refs.map((ref) => ref.trialId) }));
  const budget = stepFunctionsStateLimitBytes - 8 * 1024;
  if (bytes <= budget) return;
  const fit = Math.floor((budget / bytes) * refs.length) - 1;
  throw new WorkflowStepError(
    `plan: ${refs.length - 1} trials (plus the single baseline) make a rung of ${Math.ceil(bytes / 1024)} KiB of trial references and results in the workflow state (limit 256 KiB); run at most ${fit} trials per execution, or use tandem search`,
    { value: refs.length - 1 },
  );
}
