import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { workflowStateNames as names } from './tandem-workflow.ts';

/** How an execution (or one of its steps) failed, as Step Functions reports it. */
export interface ExecutionFailure {
  readonly error?: string | undefined;
  readonly cause?: string | undefined;
}

/** Turns an execution's history events, fed in order, into the progress lines a person follows. */
export interface ExecutionProgress {
  /** Takes the next history event (ascending ids, each once) and logs what it means. */
  observe(event: HistoryEvent): void;
  /** Every state entered so far, in order (Map iterations included), as the local runner reports them. */
  readonly states: readonly string[];
  /** The execution-level failure (ExecutionFailed, ExecutionTimedOut, ExecutionAborted) once seen. */
  readonly failure: ExecutionFailure | undefined;
}

/** Longest cause quoted in a progress line or error message; Batch causes are whole job descriptions. */
const maxCauseLength = 400;

/** A trial's fields that progress lines quote (the Map item: a TrialSpec, plus the Catch's `error` on TrialFailed). */
interface TrialItem {
  readonly trialId?: unknown;
  readonly untilEpoch?: unknown;
  readonly params?: { readonly epochs?: unknown };
  readonly error?: { readonly Error?: unknown; readonly Cause?: unknown };
}

/** The rung the Map is on, from its input (the RungState), with counts for the line at its end. */
interface RungProgress {
  /** The Map state's name. */
  readonly map: string;
  readonly rung: number | undefined;
  iterationsSucceeded: number;
  iterationsFailed: number;
  trialsFailed: number;
}

/**
 * Creates the narrator of a remote execution of the Tandem workflow. Lines: each top-level state entered, a rung's
 * Map starting (with its trial count) and ending (trials completed and failed), each trial starting, finishing,
 * failing an attempt (with the cause, retried or caught) and failing for good, any other step's failure, and a
 * Distributed Map run's start and end. Trials are told apart by following `previousEventId` back to their
 * `RunTrial` state (and, failing that, by the Batch job's name, which is the trial id).
 */
export function createExecutionProgress(log: (line: string) => void): ExecutionProgress {
  const states: string[] = [];
  // Which state and which trial each event belongs to, inherited along previousEventId.
  const stateOfEvent = new Map<number, string>();
  const trialOfEvent = new Map<number, string>();
  let rung: RungProgress | undefined;
  let failure: ExecutionFailure | undefined;

  const observe = (event: HistoryEvent): void => {
    const id = event.id ?? 0;
    const previous = event.previousEventId;
    const state = previous === undefined ? undefined : stateOfEvent.get(previous);
    const trial = previous === undefined ? undefined : trialOfEvent.get(previous);
    if (state !== undefined) stateOfEvent.set(id, state);
    if (trial !== undefined) trialOfEvent.set(id, trial);
    const type = event.type ?? '';

    const entered = event.stateEnteredEventDetails;
    if (type.endsWith('StateEntered') && entered?.name !== undefined) {
      const name = entered.name;
      states.push(name);
      stateOfEvent.set(id, name);
      const item = parseJson(entered.input) as TrialItem | undefined;
      const trialId = typeof item?.trialId === 'string' ? item.trialId : undefined;
      // A state outside the Map follows the Map's last event: it belongs to no trial.
      if (trialId === undefined) trialOfEvent.delete(id);
      else trialOfEvent.set(id, trialId);
      if (name === names.runTrial) {
        const until = typeof item?.untilEpoch === 'number' ? item.untilEpoch : item?.params?.epochs;
        log(`${trialId ?? 'a trial'} started${typeof until === 'number' ? ` (to epoch ${until})` : ''}`);
      } else if (name === names.trialFailed) {
        if (rung !== undefined) rung.trialsFailed++;
        const error = typeof item?.error?.Error === 'string' ? item.error.Error : 'failed';
        const cause = typeof item?.error?.Cause === 'string' ? summarizeCause(item.error.Cause) : undefined;
        log(`${trialId ?? 'a trial'} failed for good: ${error}${cause === undefined ? '' : `: ${cause}`}`);
      } else if (name === names.rescoreParts) {
        // The rescoring's Map: one scoring job per part of the customer base, no rung.
        const parts = (parseJson(entered.input) as { rescoring?: { parts?: unknown } } | undefined)?.rescoring?.parts;
        log(`${name}: scoring ${Array.isArray(parts) ? `${parts.length} part${parts.length === 1 ? '' : 's'}` : 'the parts'}`);
      } else if (type === 'MapStateEntered') {
        const input = parseJson(entered.input) as { rung?: unknown } | undefined;
        rung = { map: name, rung: typeof input?.rung === 'number' ? input.rung : undefined, iterationsSucceeded: 0, iterationsFailed: 0, trialsFailed: 0 };
      } else {
        log(`entered ${name}`);
      }
      return;
    }

    switch (type) {
      case 'MapStateStarted': {
        const length = event.mapStateStartedEventDetails?.length;
        log(`${rung?.map ?? state ?? 'Map'}: ${rungLabel(rung)} started${length === undefined ? '' : ` with ${length} trial${length === 1 ? '' : 's'}`}`);
        return;
      }
      case 'MapIterationSucceeded':
        if (rung !== undefined) rung.iterationsSucceeded++;
        return;
      case 'MapIterationFailed':
      case 'MapIterationAborted': {
        if (rung !== undefined) rung.iterationsFailed++;
        const details = event.mapIterationFailedEventDetails ?? event.mapIterationAbortedEventDetails;
        const verb = type === 'MapIterationFailed' ? 'failed' : 'was aborted';
        log(`${details?.name ?? rung?.map ?? 'Map'}: item ${details?.index ?? '?'} ${verb}${trial === undefined ? '' : ` (${trial})`}`);
        return;
      }
      case 'MapStateSucceeded':
      case 'MapStateFailed':
      case 'MapStateAborted': {
        const outcome = type === 'MapStateSucceeded' ? 'ended' : type === 'MapStateFailed' ? 'failed' : 'was aborted';
        const counts = rung === undefined ? '' : `: ${rung.iterationsSucceeded - rung.trialsFailed} trials completed, ${rung.trialsFailed + rung.iterationsFailed} failed`;
        log(`${rung?.map ?? 'Map'}: ${rungLabel(rung)} ${outcome}${counts}`);
        rung = undefined;
        return;
      }
      case 'MapRunStarted':
        log(`${rung?.map ?? state ?? 'Map'}: map run started (${event.mapRunStartedEventDetails?.mapRunArn ?? 'no ARN'})`);
        return;
      case 'MapRunSucceeded':
        log(`${rung?.map ?? state ?? 'Map'}: map run succeeded`);
        return;
      case 'MapRunFailed':
        log(`${rung?.map ?? state ?? 'Map'}: map run failed${describeFailure(event.mapRunFailedEventDetails)}`);
        return;
      case 'TaskSucceeded':
        if (state === names.runTrial) log(`${trial ?? jobNameOf(event.taskSucceededEventDetails?.output) ?? 'a trial'} finished`);
        return;
      case 'ExecutionFailed':
        failure = event.executionFailedEventDetails ?? {};
        return;
      case 'ExecutionTimedOut':
        failure = event.executionTimedOutEventDetails ?? { error: 'States.Timeout' };
        return;
      case 'ExecutionAborted':
        failure = event.executionAbortedEventDetails ?? {};
        return;
      default:
        break;
    }
    const stepFailure = stepFailureOf(event);
    if (stepFailure !== undefined) {
      if (state === names.runTrial) {
        log(`${trial ?? jobNameOf(stepFailure.cause) ?? 'a trial'} attempt failed${describeFailure(stepFailure)}`);
      } else {
        log(`${state ?? 'a step'} failed${describeFailure(stepFailure)}`);
      }
    }
  };

  return {
    observe,
    states,
    get failure() {
      return failure;
    },
  };
}

/** `error: cause` of a failure, short enough for one line; '' when neither is known. */
export function describeFailure(failure: ExecutionFailure | undefined): string {
  if (failure === undefined) return '';
  const cause = failure.cause === undefined || failure.cause === '' ? undefined : summarizeCause(failure.cause);
  if (failure.error === undefined || failure.error === '') return cause === undefined ? '' : `: ${cause}`;
  return `: ${failure.error}${cause === undefined ? '' : `: ${cause}`}`;
}

/**
 * The readable part of a Step Functions cause: a Lambda error's `errorMessage`, a Batch job's `StatusReason` with its
 * container's reason and exit code, else the text itself on one line, cut at {@link maxCauseLength} characters.
 */
export function summarizeCause(cause: string): string {
  const parsed = parseJson(cause);
  if (isRecord(parsed)) {
    if (typeof parsed.errorMessage === 'string') return clip(parsed.errorMessage);
    if (typeof parsed.StatusReason === 'string') {
      const container = isRecord(parsed.Container) ? parsed.Container : {};
      const reason = typeof container.Reason === 'string' && container.Reason !== parsed.StatusReason ? `: ${container.Reason}` : '';
      const exit = typeof container.ExitCode === 'number' ? ` (exit code ${container.ExitCode})` : '';
      return clip(`${parsed.StatusReason}${reason}${exit}`);
    }
  }
  return clip(cause);
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > maxCauseLength ? `${line.slice(0, maxCauseLength - 1)}…` : line;
}

function rungLabel(rung: RungProgress | undefined): string {
  return rung?.rung === undefined ? 'rung' : `rung ${rung.rung}`;
}

/** The failure details of a task or Lambda step event (failed, timed out, not started, not submitted). */
function stepFailureOf(event: HistoryEvent): ExecutionFailure | undefined {
  return (
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails ??
    event.activityFailedEventDetails ??
    event.activityTimedOutEventDetails ??
    event.activityScheduleFailedEventDetails
  );
}

/** The Batch job name in a `submitJob.sync` result or cause: the workflow names each job after its trial. */
function jobNameOf(json: string | undefined): string | undefined {
  const parsed = parseJson(json);
  return isRecord(parsed) && typeof parsed.JobName === 'string' ? parsed.JobName : undefined;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
