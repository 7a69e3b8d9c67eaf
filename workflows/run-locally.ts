import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { planAthenaStep, writeAthenaDatasetStep, type AthenaDatasetEvent, type AthenaPlanEvent } from '../functions/ingest/athena-steps.ts';
import { readIngestResult, runIngestJob } from '../functions/ingest/ingest-on-batch.ts';
import { INGEST_INPUT_ENV_VAR, INGEST_RESULT_ENV_VAR } from '../functions/ingest/ingest-job-variables.ts';
import { runIngestStep } from '../functions/ingest/ingest-step.ts';
import { measureRawInputStep } from '../functions/ingest/measure-raw-input.ts';
import { notifyOutcome } from '../functions/notify/notify-outcome.ts';
import { planTrials } from '../functions/plan/plan-trials.ts';
import { promoteChampion } from '../functions/promote/promote-champion.ts';
import { promoteRung } from '../functions/promote-rung/promote-rung.ts';
import { planClosing, type PlanClosingEvent } from '../functions/select/plan-closing.ts';
import { selectWinner } from '../functions/select/select-winner.ts';
import type { IngestOutput, MeasureRawInputEvent, NotifyOutput, PromoteOutput, ReadIngestResultEvent, RungResults, SelectOutput, WorkflowInput } from '../functions/workflow-state.ts';
import type * as LocalStepFunctions from 'aws-local-stepfunctions';
import type { EventsConfig } from '../src/config/schema.ts';
import { runAthenaCtasLocally } from '../src/data/events/athena-local-query.ts';
import { InterruptedError, signalOfAbort } from '../src/errors/interrupted-error.ts';
import { TandemError } from '../src/errors/tandem-error.ts';
import { markRunInterrupted } from '../src/search/mark-run-interrupted.ts';
import { parseTrialInput, resolveTrialInput } from '../src/search/trial-ref.ts';
import type { TrialSpec } from '../src/search/trial-spec.ts';
import type { BlobStore } from '../src/store/blob-store.ts';
import { createS3Client, S3Store } from '../src/store/s3-store.ts';
import { renderRescoringDefinition, renderWorkflowDefinition, type StateMachineDefinition } from './render-definition.ts';
import type { RescoringSummary } from '../functions/rescore/rescore-steps.ts';
import { TRIAL_ENV_VAR, workflowStateNames as names } from './tandem-workflow.ts';
import { SCORE_PART_ENV_VAR } from '../functions/rescore/rescore-job-variables.ts';
import { planRescoringStep, writeRescoreManifestStep, type PlanRescoringEvent, type RescoreManifestEvent } from '../functions/rescore/rescore-steps.ts';
import { runRescoreJob } from '../src/serve/rescore-job.ts';

/** Arguments of {@link runWorkflowLocally}. */
export interface RunWorkflowLocallyArgs {
  readonly store: BlobStore;
  readonly input: WorkflowInput;
  /** Trials of a rung at once: the Map's MaxConcurrency in the rendered definition. */
  readonly maxConcurrency: number;
  /**
   * Runs one trial to its `untilEpoch` (a `tandem trial` child process); rejects when the trial failed, and stops it
   * promptly (rejecting) when `signal` aborts.
   */
  readonly launchTrial: (spec: TrialSpec, signal?: AbortSignal) => Promise<void>;
  /**
   * Stops the execution: no state starts after it aborts, the trials in flight are stopped through `launchTrial` (and
   * awaited), the run (if the plan step created it) is marked `interrupted` with those trials, and the call rejects
   * with an InterruptedError naming the run.
   */
  readonly signal?: AbortSignal;
  /** Called when the plan step has created the run: its id and the first rung's trial count (before any trial starts). */
  readonly onRun?: (run: { readonly runId: string; readonly trials: number }) => void;
  /** Each state entered, left (with its duration) or failed, as it happens. */
  readonly onState?: (event: WorkflowStateEvent) => void;
  /**
   * The definition's `batchIngestMinBytes` (as deployed; an input's `overrides.batchIngestMinBytes` wins).
   * @default defaultBatchIngestMinBytes
   */
  readonly batchIngestMinBytes?: number;
  /**
   * The definition's `distributedMapMinTrials` (as deployed). aws-local-stepfunctions runs the Distributed Map as an
   * inline Map, with the same body, so locally it differs only in its state names.
   * @default defaultDistributedMapMinTrials
   */
  readonly distributedMapMinTrials?: number;
  /**
   * The definition's time limit in hours (as deployed, `workflowTimeoutHours`): aws-local-stepfunctions honours its
   * TimeoutSeconds and stops a local execution that runs longer.
   * @default defaultWorkflowTimeoutHours (24)
   */
  readonly timeoutHours?: number;
  /** Client config for `s3://` raw data (sizes and staging). @default the store's client when it is s3://, else SDK defaults */
  readonly s3ClientConfig?: S3ClientConfig;
  /** Where the notify step's message goes. @default nowhere */
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

/** What a local execution produced. */
export interface LocalWorkflowRun<O = NotifyOutput> {
  /** The definition that was executed (the one `renderWorkflowDefinition` produces). */
  readonly definition: StateMachineDefinition;
  /** The workflow's output: notify's result. */
  readonly output: O;
  /** Every state entered, in order (Map iterations included). */
  readonly states: readonly string[];
}

/** A state of the local execution entered, left (`succeeded`), failed, retried or caught. */
export interface WorkflowStateEvent {
  readonly kind: 'entered' | 'succeeded' | 'failed' | 'retried' | 'caught';
  /** The state's name (workflowStateNames). */
  readonly state: string;
  /** The state's type: Task, Map, Choice, Pass, … */
  readonly type: string;
  /** The Map iteration the state runs in (states inside a Map). */
  readonly index?: number;
  /** Seconds since the state was entered (succeeded, failed). */
  readonly seconds?: number;
  /** Items of a Map state (entered): the rung's trial count. */
  readonly items?: number;
  /** failed: the error's name and cause. */
  readonly error?: string;
}

type JsonValue = Parameters<LocalStepFunctions.StateMachine['run']>[0];

/** The Batch `submitJob` parameters a Batch state sends (as the state's input resolves them). */
interface SubmitJobParameters {
  readonly JobName: string;
  readonly ContainerOverrides?: { readonly Environment?: readonly { readonly Name: string; readonly Value: string }[] };
}

/** The value of a container override a Batch state passed, or undefined. */
function overrideOf(parameters: SubmitJobParameters, name: string): string | undefined {
  return parameters.ContainerOverrides?.Environment?.find((entry) => entry.Name === name)?.Value;
}

/**
 * Executes the Tandem workflow on this machine with aws-local-stepfunctions: the definition is rendered exactly as
 * it is deployed, each Lambda Task state runs the same step function its Lambda handler runs (with `store`), the
 * Batch trial state runs `launchTrial` on the spec resolved, as the trainer resolves it, from the container override
 * `TANDEM_TRIAL` (the very value the trainer container would receive: the trial's reference, its spec in `store`),
 * and the Batch ingest state runs the ingest job's code in this process on its container overrides (`TANDEM_INGEST`,
 * `TANDEM_INGEST_RESULT`). The Athena query state runs its CTAS text in DuckDB (`runAthenaCtasLocally`: the Trino
 * shims, the config's log files as the tables), so the Athena branch runs here too (e.g. with `data.athena.minBytes`
 * 0). The execution gets a `local-...` name, from which the measure step derives the ingest result key. Retries wait
 * no time locally.
 */
export function runWorkflowLocally(args: RunWorkflowLocallyArgs): Promise<LocalWorkflowRun> {
  return runMachineLocally<NotifyOutput>(args, renderWorkflowDefinition);
}

/** What the rescoring state machine ends with: its input and, when the base had parts, the manifest's summary. */
export interface RescoringOutput {
  readonly rescoring: RescoringSummary | { readonly configured: false };
}

/**
 * Executes the rescoring state machine (`renderRescoringDefinition`: the scheduled rescoring, no retraining) on this
 * machine as {@link runWorkflowLocally} executes the workflow: the champion of `input.config.name` scores its
 * `scoring.input`. `launchTrial` is never called.
 */
export function runRescoringLocally(args: Omit<RunWorkflowLocallyArgs, 'launchTrial'>): Promise<LocalWorkflowRun<RescoringOutput>> {
  return runMachineLocally<RescoringOutput>({ ...args, launchTrial: () => Promise.reject(new Error('the rescoring runs no trial')) }, renderRescoringDefinition);
}

async function runMachineLocally<O>(args: RunWorkflowLocallyArgs, render: typeof renderWorkflowDefinition): Promise<LocalWorkflowRun<O>> {
  const { store, input, maxConcurrency, launchTrial, batchIngestMinBytes, distributedMapMinTrials, timeoutHours, s3ClientConfig, log = () => undefined, now = () => new Date(), signal } = args;
  // A function, so that TypeScript does not take the check below for the last word on it.
  const aborted = (): boolean => signal?.aborted === true;
  if (aborted()) throw new InterruptedError(`interrupted by ${signalOfAbort(signal)} before the workflow started`, { signal: signalOfAbort(signal) });
  const definition = render({
    maxConcurrency,
    ...(batchIngestMinBytes === undefined ? {} : { batchIngestMinBytes }),
    ...(distributedMapMinTrials === undefined ? {} : { distributedMapMinTrials }),
    ...(timeoutHours === undefined ? {} : { timeoutHours }),
  });
  const { StateMachine } = await loadLocalStepFunctions();
  // The engine annotates the document it is given (QueryLanguage): it gets a copy, the caller the rendered original.
  const engineDefinition = structuredClone(definition) as Record<string, unknown>;
  // The engine times the execution with one setTimeout: a limit past Node's timer range (about 24.8 days) would fire
  // at once, so such a run is left unlimited here, as good as the deployed one in practice.
  if (typeof engineDefinition.TimeoutSeconds === 'number' && engineDefinition.TimeoutSeconds * 1000 > maxTimerMs) delete engineDefinition.TimeoutSeconds;
  const machine = new StateMachine(engineDefinition as unknown as ConstructorParameters<typeof StateMachine>[0], { validationOptions: { checkPaths: true, checkArn: true } });
  // Handlers hand back plain JSON, as a Lambda's payload would be.
  const json = (value: unknown): JsonValue => JSON.parse(JSON.stringify(value)) as JsonValue;
  let ownS3Client: S3Client | undefined;
  // Sizes of s3:// raw inputs: the store's client when the store is on S3, as the Lambda does; else one made here.
  const s3Client = (): S3Client => store instanceof S3Store && s3ClientConfig === undefined ? store.client : (ownS3Client ??= createS3Client(s3ClientConfig));
  const ingestOptions = s3ClientConfig === undefined ? {} : { s3ClientConfig };
  let runId: string | undefined;
  // Trials whose workers run now: awaited, and recorded as interrupted, when the execution is stopped.
  const trialsInFlight = new Map<string, Promise<void>>();
  const runTrial = async (event: unknown): Promise<JsonValue> => {
    const parameters = event as SubmitJobParameters;
    const value = overrideOf(parameters, TRIAL_ENV_VAR);
    if (value === undefined) throw new Error(`the trial state passed no ${TRIAL_ENV_VAR} container override`);
    // The trainer's own resolution: the state carries a reference; the spec is in the store.
    const spec = await resolveTrialInput(store, parseTrialInput(value, TRIAL_ENV_VAR));
    runId ??= spec.runId;
    // The engine may still retry a stopped trial's state: no new worker once stopping.
    if (aborted()) throw new InterruptedError(`trial ${spec.trialId} not started: the workflow is stopping`, { signal: signalOfAbort(signal), runId: spec.runId });
    const trial = launchTrial(spec, signal);
    trialsInFlight.set(spec.trialId, trial);
    try {
      await trial;
    } finally {
      if (!aborted()) trialsInFlight.delete(spec.trialId);
    }
    return { JobName: parameters.JobName, Status: 'SUCCEEDED' };
  };
  const handlers = {
    [names.measureRawInput]: async (event: unknown) => json(await measureRawInputStep(event as MeasureRawInputEvent, s3Client)),
    [names.ingest]: async (event: unknown) => json(await runIngestStep(store, event as WorkflowInput, ingestOptions)),
    [names.ingestOnBatch]: async (event: unknown) => {
      const parameters = event as SubmitJobParameters;
      await runIngestJob(store, { input: overrideOf(parameters, INGEST_INPUT_ENV_VAR), resultKey: overrideOf(parameters, INGEST_RESULT_ENV_VAR) }, ingestOptions);
      return { JobName: parameters.JobName, Status: 'SUCCEEDED' };
    },
    [names.readIngestResult]: async (event: unknown) => json(await readIngestResult(store, event as ReadIngestResultEvent)),
    [names.planAthenaIngest]: async (event: unknown) => json(await planAthenaStep(store, event as AthenaPlanEvent, s3Client)),
    [names.runAthenaQuery]: async (event: unknown) => {
      const { QueryString } = event as { QueryString: string };
      await runAthenaCtasLocally(store, input.config as EventsConfig, QueryString);
      return { QueryExecution: { Status: { State: 'SUCCEEDED' } } };
    },
    [names.writeAthenaDataset]: async (event: unknown) => json(await writeAthenaDatasetStep(store, event as AthenaDatasetEvent)),
    [names.plan]: async (event: unknown) => {
      const rung = await planTrials(store, event as IngestOutput, now);
      runId = rung.runId;
      args.onRun?.({ runId: rung.runId, trials: rung.trials.length });
      return json(rung);
    },
    // Both rung Maps run the same trial body.
    [names.runTrial]: runTrial,
    [names.runTrialDistributed]: runTrial,
    [names.promoteRung]: async (event: unknown) => json(await promoteRung(store, event as RungResults, now)),
    [names.planClosing]: async (event: unknown) => json(await planClosing(store, event as PlanClosingEvent)),
    [names.select]: async (event: unknown) => json(await selectWinner(store, event as SelectOutput, now)),
    [names.promote]: async (event: unknown) => json(await promoteChampion(store, event as SelectOutput)),
    [names.notify]: async (event: unknown) => json(await notifyOutcome((_subject, message) => log(message), event as PromoteOutput)),
    // Rescoring after a promotion: the scoring job (a CPU Batch job on AWS) runs its code in this process, on its
    // container override, as the ingest job does.
    [names.planRescoring]: async (event: unknown) => json(await planRescoringStep(store, event as PlanRescoringEvent, s3Client, now)),
    [names.scorePart]: async (event: unknown) => {
      const parameters = event as SubmitJobParameters;
      await runRescoreJob(store, overrideOf(parameters, SCORE_PART_ENV_VAR), ingestOptions);
      return { JobName: parameters.JobName, Status: 'SUCCEEDED' };
    },
    [names.writeScoresManifest]: async (event: unknown) => json(await writeRescoreManifestStep(store, event as RescoreManifestEvent, now)),
  };
  const retryIntervalOverrides = Object.fromEntries(Object.keys(handlers).map((name) => [name, 0]));
  const executionName = `local-${now().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const execution = machine.run(json(input), {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
    // Step Functions fills $$.Execution.Input with the execution's input; the rescoring plan step reads the config there.
    context: { Execution: { Name: executionName, Input: json(input) } },
  });
  const abort = (): void => execution.abort();
  signal?.addEventListener('abort', abort, { once: true });
  const states: string[] = [];
  const enteredAt = new Map<string, number>();
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type !== 'StateEntered' && event.type !== 'StateExited' && event.type !== 'StateFailed' && event.type !== 'StateRetried' && event.type !== 'StateCaught') continue;
      const name = event.state.name;
      const where = { state: name, type: event.state.type, ...(event.index === undefined ? {} : { index: event.index }) };
      const key = `${name}#${event.index ?? ''}`;
      if (event.type === 'StateEntered') {
        states.push(name);
        enteredAt.set(key, event.timestamp);
        const trials = (event.state.input as { trials?: unknown } | null)?.trials;
        args.onState?.({ kind: 'entered', ...where, ...(event.state.type === 'Map' && Array.isArray(trials) ? { items: trials.length } : {}) });
        continue;
      }
      const started = enteredAt.get(key);
      const seconds = started === undefined ? {} : { seconds: (event.timestamp - started) / 1000 };
      if (event.type === 'StateExited') args.onState?.({ kind: 'succeeded', ...where, ...seconds });
      else if (event.type === 'StateFailed') args.onState?.({ kind: 'failed', ...where, ...seconds, error: `${event.Error}${typeof event.Cause === 'string' && event.Cause !== '' ? `: ${event.Cause}` : ''}` });
      else args.onState?.({ kind: event.type === 'StateRetried' ? 'retried' : 'caught', ...where });
    }
  })();
  try {
    const output = (await execution.result) as unknown as O;
    await collect;
    return { definition, output, states };
  } catch (error) {
    if (!aborted() && (error as Error | undefined)?.name === 'ExecutionTimeoutError') {
      throw new TandemError(`the workflow ran longer than its TimeoutSeconds (${String(definition.TimeoutSeconds)} s, workflowTimeoutHours) and was stopped, as Step Functions stops a deployed run (TIMED_OUT)`, { value: definition.TimeoutSeconds, cause: error });
    }
    if (!aborted()) throw error;
    // Stopped: wait for the workers to be gone, then leave the run resumable.
    const stopped = [...trialsInFlight.keys()];
    await Promise.allSettled(trialsInFlight.values());
    if (runId !== undefined) await markRunInterrupted(store, runId, stopped, now());
    const name = signalOfAbort(signal);
    throw new InterruptedError(`interrupted by ${name}${runId === undefined ? ' before the plan step created a run' : `: run ${runId} is marked interrupted`}`, { signal: name, runId: runId ?? null, cause: error });
  } finally {
    signal?.removeEventListener('abort', abort);
    ownS3Client?.destroy();
  }
}

/** The longest delay Node's setTimeout honours (2^31 - 1 ms). */
const maxTimerMs = 2 ** 31 - 1;

/** aws-local-stepfunctions needs `Promise.withResolvers` (Node 22); Node 20 gets a polyfill before it loads. */
async function loadLocalStepFunctions(): Promise<typeof LocalStepFunctions> {
  const promise = Promise as PromiseConstructor & { withResolvers?: unknown };
  if (promise.withResolvers === undefined) {
    promise.withResolvers = function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const created = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise: created, resolve, reject };
    };
  }
  return import('aws-local-stepfunctions');
}
