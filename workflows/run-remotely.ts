import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
  type SFNClientConfig,
} from '@aws-sdk/client-sfn';
import type { RescoringSummary } from '../functions/rescore/rescore-steps.ts';
import type { NotifyOutput, WorkflowInput } from '../functions/workflow-state.ts';
import type { TandemConfig } from '../src/config/schema.ts';
import { isS3Uri, rawDataFields } from '../src/data/raw-data-fields.ts';
import { BadInputError, type InputIssue } from '../src/errors/bad-input-error.ts';
import { NotFoundError } from '../src/errors/not-found-error.ts';
import { TandemError } from '../src/errors/tandem-error.ts';
import { createExecutionProgress, describeFailure, summarizeCause } from './execution-progress.ts';

/** Arguments of {@link runWorkflowRemotely}. */
export interface RunWorkflowRemotelyArgs {
  /** The deployed state machine: `arn:aws:states:<region>:<account>:stateMachine:<name>`. */
  readonly stateMachineArn: string;
  /** The execution input: the same document `tandem run` executes locally; its data must be on `s3://`. */
  readonly input: WorkflowInput;
  /** A ready client (its owner destroys it). When absent one is built from `clientConfig`. */
  readonly client?: SFNClient;
  /**
   * Config of the client built when `client` is absent (endpoint, credentials): `TandemEnvironment.sfnClientConfig`.
   * Its region defaults to the state machine ARN's. @default {} (SDK defaults)
   */
  readonly clientConfig?: SFNClientConfig;
  /** The execution's name (1–80 letters, digits, `-` or `_`). @default `<config name>-<UTC time>-<6 hex digits>` */
  readonly name?: string;
  /** Time between two checks of the execution. @default 5000 */
  readonly pollIntervalMs?: number;
  /** Events per GetExecutionHistory page. @default 500 */
  readonly historyPageSize?: number;
  /** Where progress lines go. @default nowhere */
  readonly log?: (line: string) => void;
  /** Stops following the execution (which goes on running in AWS); the call then rejects. */
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
}

/** A remote execution that succeeded, with its output `O`. */
export interface RemoteRun<O> {
  readonly executionArn: string;
  /** The execution's name. */
  readonly name: string;
  readonly status: 'SUCCEEDED';
  readonly output: O;
  /** Every state entered, in order (Map iterations included), as `runWorkflowLocally` reports them. */
  readonly states: readonly string[];
}

/** A remote execution of the workflow that succeeded; its output is notify's result. */
export type RemoteWorkflowRun = RemoteRun<NotifyOutput>;

/** What the rescoring state machine ends with (as `runRescoringLocally`'s output): the manifest's summary, or no parts. */
export interface RemoteRescoringOutput {
  readonly rescoring: RescoringSummary | { readonly configured: false };
}

/** A remote execution of the rescoring state machine that succeeded. */
export type RemoteRescoringRun = RemoteRun<RemoteRescoringOutput>;

/** How one deployed state machine's execution is checked before it starts and read once it succeeded. */
interface MachineContract<O> {
  /** Throws BadInputError when the deployed machine could not run this input. */
  readonly checkInput: (config: TandemConfig) => void;
  /** The execution name's stem (before the time stamp). */
  readonly namePrefix: (config: TandemConfig) => string;
  readonly parseOutput: (text: string | undefined, executionArn: string) => O;
}

/** A state machine ARN taken apart. */
export interface StateMachineArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

/** Step Functions' limit on an execution's input (UTF-8 bytes). */
const maxInputBytes = 256 * 1024;

/** Statuses of an execution that is not over yet. */
const unfinishedStatuses = new Set(['RUNNING', 'PENDING_REDRIVE']);

/**
 * Validates a state machine ARN (`arn:aws[-cn|-us-gov…]:states:<region>:<account>:stateMachine:<name>`, optionally
 * with a `:<version or alias>` qualifier) and takes it apart.
 *
 * @throws BadInputError naming the ARN and the expected shape.
 */
export function parseStateMachineArn(arn: string): StateMachineArn {
  // Names may hold more than letters, digits, - and _, but never whitespace, ':' or '/'.
  const match = /^arn:(aws(?:-[a-z]+)*):states:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):stateMachine:([^\s:/]{1,80})(?::[^\s:/]{1,80})?$/.exec(arn);
  if (match === null) {
    const issue = 'expected arn:aws:states:<region>:<account>:stateMachine:<name> (the PipelineStack\'s state machine)';
    throw new BadInputError(`not a state machine ARN: "${arn}"; ${issue}`, { value: arn, details: [{ path: 'stateMachineArn', issue }] });
  }
  const [, partition, region, account, name] = match as unknown as [string, string, string, string, string];
  return { partition, region, account, name };
}

/**
 * Checks that the deployed workflow can read the config's data: its ingest step runs in AWS, where only `s3://` URIs
 * name anything. Table mode checks `data.path`, events mode `data.customers`, `data.sessions` and `data.orders`.
 *
 * @throws BadInputError naming each field that holds a local path.
 */
export function requireRemoteData(config: TandemConfig): void {
  const fields = Object.fromEntries(rawDataFields(config).map(({ field, path }) => [field, path]));
  const local = Object.entries(fields).filter(([, value]) => !isS3Uri(value));
  if (local.length > 0) {
    const details: InputIssue[] = local.map(([field, value]) => ({ path: field, issue: `"${value}" is a local path; the deployed workflow reads s3:// URIs only` }));
    const named = local.map(([field, value]) => `${field} "${value}"`).join(', ');
    throw new BadInputError(`the deployed workflow reads its data in AWS and cannot open local files: ${named}; upload the data to S3 and put its s3:// URI in the config`, {
      value: fields,
      details,
    });
  }
}

/**
 * A readable execution name that is unique in practice: the config's name, the UTC start time to the second and six
 * random hex digits, e.g. `telco-20260301T020000Z-3f9a2c` (Step Functions allows 80 of `[A-Za-z0-9_-]`).
 */
export function defaultExecutionName(configName: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = configName.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 56);
  return `${base}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * Starts the deployed Tandem state machine with `input` (StartExecution) and follows it until it ends: every poll
 * asks DescribeExecution for the status and reads only the history events that are new since the last poll
 * (GetExecutionHistory newest first, following `nextToken` down to the last event already seen), logging states
 * entered, rungs, trials and failures as it goes. The ARN and the input's data paths are checked before any request.
 *
 * @returns the execution's ARN, name, the workflow output (NotifyOutput) and the states entered, once it SUCCEEDED.
 * @throws BadInputError for a malformed ARN or name, local data paths or an input over 256 KiB;
 *   NotFoundError when the state machine does not exist; TandemError naming the execution ARN, its status, error and
 *   cause when it FAILED, TIMED_OUT or was ABORTED, when a request fails, or when `signal` stops the following.
 */
export function runWorkflowRemotely(args: RunWorkflowRemotelyArgs): Promise<RemoteWorkflowRun> {
  return runMachineRemotely(args, { checkInput: requireRemoteData, namePrefix: (config) => config.name, parseOutput });
}

/**
 * The rescoring's data check: the deployed rescoring reads the config's `scoring.input` in AWS, so the config needs a
 * `scoring` section whose input is an `s3://` URI (its training data is not read).
 *
 * @throws BadInputError naming `scoring` or `scoring.input`.
 */
export function requireRemoteScoring(config: TandemConfig): void {
  if (config.scoring === undefined) {
    throw new BadInputError('--rescore needs a `scoring` section in the config (scoring.input: the customer base, an s3:// prefix)', { value: 'scoring', details: [{ path: 'scoring', issue: 'missing' }] });
  }
  const { input } = config.scoring;
  if (!isS3Uri(input)) {
    const issue = `"${input}" is a local path; the deployed rescoring reads s3:// URIs only`;
    throw new BadInputError(`the deployed rescoring reads the customer base in AWS and cannot open local files: scoring.input "${input}"; upload it to S3 and put its s3:// URI in the config`, {
      value: input,
      details: [{ path: 'scoring.input', issue }],
    });
  }
}

/**
 * {@link runWorkflowRemotely} for the rescoring state machine (the pipeline stack's `RescoringStateMachineArn` output):
 * starts it with `{ config }` — the project's champion scores `scoring.input`, no retraining — and follows it to its
 * end. The execution is named `<config name>-rescore-<UTC time>-<6 hex digits>` unless `name` is given.
 *
 * @returns the execution, its states and its output: the manifest's summary (`rescoring`), or `configured: false`.
 * @throws BadInputError without `scoring` or with a local `scoring.input`; otherwise as {@link runWorkflowRemotely}.
 */
export function runRescoringRemotely(args: RunWorkflowRemotelyArgs): Promise<RemoteRescoringRun> {
  return runMachineRemotely(args, { checkInput: requireRemoteScoring, namePrefix: (config) => `${config.name}-rescore`, parseOutput: parseRescoringOutput });
}

async function runMachineRemotely<O>({
  stateMachineArn,
  input,
  client: givenClient,
  clientConfig = {},
  name,
  pollIntervalMs = 5000,
  historyPageSize = 500,
  log = () => undefined,
  signal,
  now = () => new Date(),
}: RunWorkflowRemotelyArgs, contract: MachineContract<O>): Promise<RemoteRun<O>> {
  const arn = parseStateMachineArn(stateMachineArn);
  contract.checkInput(input.config);
  const executionName = name ?? defaultExecutionName(contract.namePrefix(input.config), now());
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(executionName)) {
    throw new BadInputError(`execution name "${executionName}": use 1 to 80 letters, digits, - or _`, { value: executionName });
  }
  const inputJson = JSON.stringify(input);
  if (Buffer.byteLength(inputJson) > maxInputBytes) {
    throw new BadInputError(`the execution input is ${Buffer.byteLength(inputJson)} bytes; Step Functions takes at most ${maxInputBytes}`, { value: inputJson.length });
  }
  const client = givenClient ?? new SFNClient({ region: arn.region, ...clientConfig });
  try {
    const stoppedStarting = (error: unknown): TandemError =>
      new TandemError(`stopped while starting execution ${executionName} of ${stateMachineArn}; if it started, it goes on running in AWS`, { cause: error, value: executionName });
    if (signal?.aborted === true) throw stoppedStarting(signal.reason);
    const started = await send(
      () => client.send(new StartExecutionCommand({ stateMachineArn, name: executionName, input: inputJson }), { abortSignal: signal }),
      (error) => startError(error, stateMachineArn, executionName, arn.region),
      signal,
      stoppedStarting,
    );
    const executionArn = started.executionArn;
    if (executionArn === undefined) throw new TandemError(`StartExecution of ${stateMachineArn} returned no execution ARN`, { value: started });
    log(`started execution ${executionName} of ${stateMachineArn}`);
    if (arn.partition === 'aws') log(`  https://${arn.region}.console.aws.amazon.com/states/home?region=${arn.region}#/v2/executions/details/${executionArn}`);
    return await follow({ client, executionArn, executionName, pollIntervalMs, historyPageSize, log, signal, parseOutput: contract.parseOutput });
  } finally {
    if (givenClient === undefined) client.destroy();
  }
}

interface FollowArgs<O> {
  readonly client: SFNClient;
  readonly executionArn: string;
  readonly executionName: string;
  readonly pollIntervalMs: number;
  readonly historyPageSize: number;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal | undefined;
  readonly parseOutput: (text: string | undefined, executionArn: string) => O;
}

/** Polls an execution until it is over; returns its run on SUCCEEDED, throws otherwise. */
async function follow<O>({ client, executionArn, executionName, pollIntervalMs, historyPageSize, log, signal, parseOutput }: FollowArgs<O>): Promise<RemoteRun<O>> {
  const progress = createExecutionProgress(log);
  let lastEventId = 0;
  const stopped = (error: unknown): TandemError =>
    new TandemError(`stopped following ${executionArn}; it goes on running in AWS (aws stepfunctions stop-execution --execution-arn ${executionArn} stops it)`, {
      cause: error,
      value: executionArn,
    });
  const requestFailed = (what: string) => (error: unknown) =>
    new TandemError(`${what} of ${executionArn} failed: ${errorName(error)}: ${(error as Error).message}`, { cause: error, value: executionArn });
  for (;;) {
    // Describe first: once it reports the end, the history read after it holds every event.
    const description: DescribeExecutionCommandOutput = await send(
      () => client.send(new DescribeExecutionCommand({ executionArn }), { abortSignal: signal }),
      requestFailed('DescribeExecution'),
      signal,
      stopped,
    );
    const events = await send(() => readNewEvents(client, executionArn, lastEventId, historyPageSize, signal), requestFailed('GetExecutionHistory'), signal, stopped);
    for (const event of events) {
      progress.observe(event);
      lastEventId = event.id ?? lastEventId;
    }
    const status = description.status ?? 'RUNNING';
    if (!unfinishedStatuses.has(status)) return finish(description, status, progress.failure, progress.states, executionArn, executionName, log, parseOutput);
    try {
      await sleep(pollIntervalMs, undefined, { signal });
    } catch (error) {
      throw stopped(error);
    }
  }
}

function finish<O>(
  description: DescribeExecutionCommandOutput,
  status: string,
  failure: { error?: string | undefined; cause?: string | undefined } | undefined,
  states: readonly string[],
  executionArn: string,
  executionName: string,
  log: (line: string) => void,
  parseOutput: (text: string | undefined, executionArn: string) => O,
): RemoteRun<O> {
  const took = description.startDate !== undefined && description.stopDate !== undefined ? ` after ${formatDuration(description.stopDate.getTime() - description.startDate.getTime())}` : '';
  log(`execution ${status}${took}`);
  if (status !== 'SUCCEEDED') {
    const error = description.error ?? failure?.error;
    const cause = description.cause ?? failure?.cause;
    throw new TandemError(`execution ${executionArn} ${status}${describeFailure({ error, cause })}`, {
      value: { executionArn, status, error, cause },
    });
  }
  const output = parseOutput(description.output, executionArn);
  return { executionArn, name: executionName, status: 'SUCCEEDED', output, states };
}

/**
 * The history events after `afterId`, oldest first. Reads newest first and stops at the first event already seen, so
 * a long execution's history is not read again on every poll.
 */
async function readNewEvents(client: SFNClient, executionArn: string, afterId: number, pageSize: number, signal: AbortSignal | undefined): Promise<HistoryEvent[]> {
  const fresh: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: pageSize, includeExecutionData: true, nextToken }),
      { abortSignal: signal },
    );
    for (const event of page.events ?? []) {
      if ((event.id ?? 0) <= afterId) return fresh.sort(byId);
      fresh.push(event);
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined && nextToken !== '');
  return fresh.sort(byId);
}

function byId(a: HistoryEvent, b: HistoryEvent): number {
  return (a.id ?? 0) - (b.id ?? 0);
}

/** An execution's output as JSON; TandemError naming the execution when it is not. */
function parseJsonOutput(text: string | undefined, executionArn: string): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch (error) {
    throw new TandemError(`execution ${executionArn} SUCCEEDED but its output is not JSON: ${summarizeCause(text ?? '(none)')}`, { cause: error, value: text });
  }
}

/** The rescoring state machine's output: its input with `rescoring` (the manifest's summary, or `configured: false`). */
function parseRescoringOutput(text: string | undefined, executionArn: string): RemoteRescoringOutput {
  const output = parseJsonOutput(text, executionArn) as { rescoring?: Partial<RescoringSummary> & { configured?: unknown } } | null;
  const rescoring = typeof output === 'object' && output !== null ? output.rescoring : undefined;
  if (typeof rescoring === 'object' && rescoring !== null) {
    if (typeof rescoring.manifestKey === 'string' && typeof rescoring.rows === 'number' && typeof rescoring.parts === 'number') return { rescoring: rescoring as RescoringSummary };
    if (rescoring.configured === false) return { rescoring: { configured: false } };
  }
  throw new TandemError(`execution ${executionArn} SUCCEEDED but its output is not the rescoring's result (rescoring: manifestKey, rows, parts): ${summarizeCause(text ?? '')}`, { value: text });
}

/** The workflow output of a SUCCEEDED execution: notify's result. */
function parseOutput(text: string | undefined, executionArn: string): NotifyOutput {
  const output = parseJsonOutput(text, executionArn);
  const record = output as Partial<NotifyOutput> | null;
  if (typeof record !== 'object' || record === null || typeof record.runId !== 'string' || typeof record.message !== 'string' || typeof record.promoted !== 'boolean') {
    throw new TandemError(`execution ${executionArn} SUCCEEDED but its output is not the workflow's result (runId, promoted, message): ${summarizeCause(text ?? '')}`, { value: text });
  }
  return output as NotifyOutput;
}

/** Runs one request; a failure becomes `wrap(error)`, or `onStop(error)` once `signal` is aborted. */
async function send<T>(request: () => Promise<T>, wrap: (error: unknown) => Error, signal: AbortSignal | undefined, onStop: (error: unknown) => Error): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (signal?.aborted === true) throw onStop(error);
    if (error instanceof TandemError) throw error;
    throw wrap(error);
  }
}

/** A StartExecution failure as the error the CLI maps to an exit code: unknown machine, bad input, or a failure. */
function startError(error: unknown, stateMachineArn: string, executionName: string, region: string): Error {
  const name = errorName(error);
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'StateMachineDoesNotExist') {
    return new NotFoundError(`state machine ${stateMachineArn} does not exist (in ${region}): deploy the pipeline stack or check the ARN (${message})`, { cause: error, value: stateMachineArn });
  }
  if (name === 'ExecutionAlreadyExists') {
    return new BadInputError(`an execution named "${executionName}" already exists for ${stateMachineArn}: pick another name`, { cause: error, value: executionName });
  }
  if (name === 'InvalidArn' || name === 'InvalidName' || name === 'InvalidExecutionInput' || name === 'StateMachineDeleting') {
    return new BadInputError(`StartExecution of ${stateMachineArn} refused: ${name}: ${message}`, { cause: error, value: stateMachineArn });
  }
  return new TandemError(`StartExecution of ${stateMachineArn} failed: ${name}: ${message}`, { cause: error, value: stateMachineArn });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/** `1h 02m 03s`, `4m 05s`, `6s`. */
function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (value: number): string => String(value).padStart(2, '0');
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(seconds)}s`;
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`;
  return `${seconds}s`;
}
