import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { readIngestResult, runIngestJob } from '../functions/ingest/ingest-on-batch.ts';
import { INGEST_INPUT_ENV_VAR, INGEST_RESULT_ENV_VAR } from '../functions/ingest/ingest-job-variables.ts';
import { runIngestStep } from '../functions/ingest/ingest-step.ts';
import { measureRawInputStep } from '../functions/ingest/measure-raw-input.ts';
import { notifyOutcome } from '../functions/notify/notify-outcome.ts';
import { planTrials } from '../functions/plan/plan-trials.ts';
import { promoteChampion } from '../functions/promote/promote-champion.ts';
import { promoteRung } from '../functions/promote-rung/promote-rung.ts';
import { selectWinner } from '../functions/select/select-winner.ts';
import type { IngestOutput, MeasureRawInputEvent, NotifyOutput, PromoteOutput, ReadIngestResultEvent, RungResults, SelectOutput, WorkflowInput } from '../functions/workflow-state.ts';
import type * as LocalStepFunctions from 'aws-local-stepfunctions';
import { parseTrialInput, resolveTrialInput } from '../src/search/trial-ref.ts';
import type { TrialSpec } from '../src/search/trial-spec.ts';
import type { BlobStore } from '../src/store/blob-store.ts';
import { createS3Client, S3Store } from '../src/store/s3-store.ts';
import { renderWorkflowDefinition, type StateMachineDefinition } from './render-definition.ts';
import { TRIAL_ENV_VAR, workflowStateNames as names } from './tandem-workflow.ts';

/** Arguments of {@link runWorkflowLocally}. */
export interface RunWorkflowLocallyArgs {
  readonly store: BlobStore;
  readonly input: WorkflowInput;
  /** Trials of a rung at once: the Map's MaxConcurrency in the rendered definition. */
  readonly maxConcurrency: number;
  /** Runs one trial to its `untilEpoch` (a `tandem trial` child process); rejects when the trial failed. */
  readonly launchTrial: (spec: TrialSpec) => Promise<void>;
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
  /** Client config for `s3://` raw data (sizes and staging). @default the store's client when it is s3://, else SDK defaults */
  readonly s3ClientConfig?: S3ClientConfig;
  /** Where the notify step's message goes. @default nowhere */
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

/** What a local execution produced. */
export interface LocalWorkflowRun {
  /** The definition that was executed (the one `renderWorkflowDefinition` produces). */
  readonly definition: StateMachineDefinition;
  /** The workflow's output: notify's result. */
  readonly output: NotifyOutput;
  /** Every state entered, in order (Map iterations included). */
  readonly states: readonly string[];
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
 * `TANDEM_INGEST_RESULT`). The execution gets a `local-...` name, from which the measure step derives the ingest
 * result key. Retries wait no time locally.
 */
export async function runWorkflowLocally(args: RunWorkflowLocallyArgs): Promise<LocalWorkflowRun> {
  const { store, input, maxConcurrency, launchTrial, batchIngestMinBytes, distributedMapMinTrials, s3ClientConfig, log = () => undefined, now = () => new Date() } = args;
  const definition = renderWorkflowDefinition({
    maxConcurrency,
    ...(batchIngestMinBytes === undefined ? {} : { batchIngestMinBytes }),
    ...(distributedMapMinTrials === undefined ? {} : { distributedMapMinTrials }),
  });
  const { StateMachine } = await loadLocalStepFunctions();
  // The engine annotates the document it is given (QueryLanguage): it gets a copy, the caller the rendered original.
  const machine = new StateMachine(structuredClone(definition) as unknown as ConstructorParameters<typeof StateMachine>[0], { validationOptions: { checkPaths: true, checkArn: true } });
  // Handlers hand back plain JSON, as a Lambda's payload would be.
  const json = (value: unknown): JsonValue => JSON.parse(JSON.stringify(value)) as JsonValue;
  let ownS3Client: S3Client | undefined;
  // Sizes of s3:// raw inputs: the store's client when the store is on S3, as the Lambda does; else one made here.
  const s3Client = (): S3Client => store instanceof S3Store && s3ClientConfig === undefined ? store.client : (ownS3Client ??= createS3Client(s3ClientConfig));
  const ingestOptions = s3ClientConfig === undefined ? {} : { s3ClientConfig };
  const runTrial = async (event: unknown): Promise<JsonValue> => {
    const parameters = event as SubmitJobParameters;
    const value = overrideOf(parameters, TRIAL_ENV_VAR);
    if (value === undefined) throw new Error(`the trial state passed no ${TRIAL_ENV_VAR} container override`);
    // The trainer's own resolution: the state carries a reference; the spec is in the store.
    await launchTrial(await resolveTrialInput(store, parseTrialInput(value, TRIAL_ENV_VAR)));
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
    [names.plan]: async (event: unknown) => json(await planTrials(store, event as IngestOutput, now)),
    // Both rung Maps run the same trial body.
    [names.runTrial]: runTrial,
    [names.runTrialDistributed]: runTrial,
    [names.promoteRung]: async (event: unknown) => json(await promoteRung(store, event as RungResults, now)),
    [names.select]: async (event: unknown) => json(await selectWinner(store, event as SelectOutput, now)),
    [names.promote]: async (event: unknown) => json(await promoteChampion(store, event as SelectOutput)),
    [names.notify]: async (event: unknown) => json(await notifyOutcome((_subject, message) => log(message), event as PromoteOutput)),
  };
  const retryIntervalOverrides = Object.fromEntries(Object.keys(handlers).map((name) => [name, 0]));
  const executionName = `local-${now().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const execution = machine.run(json(input), {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
    context: { Execution: { Name: executionName } },
  });
  const states: string[] = [];
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
    }
  })();
  try {
    const output = (await execution.result) as unknown as NotifyOutput;
    await collect;
    return { definition, output, states };
  } finally {
    ownS3Client?.destroy();
  }
}

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
