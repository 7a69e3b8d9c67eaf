import { runIngestStep } from '../functions/ingest/ingest-step.ts';
import { notifyOutcome } from '../functions/notify/notify-outcome.ts';
import { planTrials } from '../functions/plan/plan-trials.ts';
import { promoteChampion } from '../functions/promote/promote-champion.ts';
import { promoteRung } from '../functions/promote-rung/promote-rung.ts';
import { selectWinner } from '../functions/select/select-winner.ts';
import type { IngestOutput, NotifyOutput, PromoteOutput, RungResults, SelectOutput, WorkflowInput } from '../functions/workflow-state.ts';
import type * as LocalStepFunctions from 'aws-local-stepfunctions';
import type { TrialSpec } from '../src/search/trial-spec.ts';
import { parseTrialSpec } from '../src/search/trial-spec-schema.ts';
import type { BlobStore } from '../src/store/blob-store.ts';
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

/** The Batch `submitJob` parameters the trial state sends (as the Map item resolves them). */
interface SubmitJobParameters {
  readonly JobName: string;
  readonly ContainerOverrides?: { readonly Environment?: readonly { readonly Name: string; readonly Value: string }[] };
}

/**
 * Executes the Tandem workflow on this machine with aws-local-stepfunctions: the definition is rendered exactly as
 * it is deployed, each Lambda Task state runs the same step function its Lambda handler runs (with `store`), and the
 * Batch trial state runs `launchTrial` on the spec read back from the container override `TANDEM_TRIAL` — the very
 * value the trainer container would receive. Retries wait no time locally.
 */
export async function runWorkflowLocally({ store, input, maxConcurrency, launchTrial, log = () => undefined, now = () => new Date() }: RunWorkflowLocallyArgs): Promise<LocalWorkflowRun> {
  const definition = renderWorkflowDefinition({ maxConcurrency });
  const { StateMachine } = await loadLocalStepFunctions();
  // The engine annotates the document it is given (QueryLanguage): it gets a copy, the caller the rendered original.
  const machine = new StateMachine(structuredClone(definition) as unknown as ConstructorParameters<typeof StateMachine>[0], { validationOptions: { checkPaths: true, checkArn: true } });
  // Handlers hand back plain JSON, as a Lambda's payload would be.
  const json = (value: unknown): JsonValue => JSON.parse(JSON.stringify(value)) as JsonValue;
  const handlers = {
    [names.ingest]: async (event: unknown) => json(await runIngestStep(store, event as WorkflowInput)),
    [names.plan]: async (event: unknown) => json(await planTrials(store, event as IngestOutput, now)),
    [names.runTrial]: async (event: unknown) => {
      const parameters = event as SubmitJobParameters;
      const value = parameters.ContainerOverrides?.Environment?.find((entry) => entry.Name === TRIAL_ENV_VAR)?.Value;
      if (value === undefined) throw new Error(`the trial state passed no ${TRIAL_ENV_VAR} container override`);
      await launchTrial(parseTrialSpec(value, TRIAL_ENV_VAR));
      return { JobName: parameters.JobName, Status: 'SUCCEEDED' };
    },
    [names.promoteRung]: async (event: unknown) => json(await promoteRung(store, event as RungResults, now)),
    [names.select]: async (event: unknown) => json(await selectWinner(store, event as SelectOutput, now)),
    [names.promote]: async (event: unknown) => json(await promoteChampion(store, event as SelectOutput)),
    [names.notify]: async (event: unknown) => json(await notifyOutcome((_subject, message) => log(message), event as PromoteOutput)),
  };
  const retryIntervalOverrides = Object.fromEntries(Object.keys(handlers).map((name) => [name, 0]));
  const execution = machine.run(json(input), {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
  });
  const states: string[] = [];
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
    }
  })();
  const output = (await execution.result) as unknown as NotifyOutput;
  await collect;
  return { definition, output, states };
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
