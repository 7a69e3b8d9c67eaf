import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One history event as the service sends it (JSON): `id`, `previousEventId`, `type` and the type's details. */
export type FakeHistoryEvent = { readonly id: number; readonly previousEventId: number; readonly type: string } & Readonly<Record<string, unknown>>;

/** How an execution ends once every event is visible. */
export interface FakeExecutionEnd {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** What a started execution will do: its whole history, how much of it each poll sees, and how it ends. */
export interface FakeExecutionScript {
  readonly events: readonly FakeHistoryEvent[];
  /**
   * Events visible after the 1st, 2nd, … DescribeExecution call (non-decreasing). The execution reports RUNNING
   * until DescribeExecution has been called this many times; from then on every event is visible and it has ended.
   */
  readonly visibleAfterDescribe: readonly number[];
  readonly end: FakeExecutionEnd;
}

/** One request the server answered. */
export interface RecordedSfnRequest {
  /** The operation, from `X-Amz-Target: AWSStepFunctions.<operation>`. */
  readonly operation: string;
  readonly body: Record<string, unknown>;
  /** The region in the SigV4 credential scope of the `Authorization` header. */
  readonly signedRegion: string | undefined;
  /** For GetExecutionHistory: the ids of the events returned. */
  readonly returnedEventIds?: readonly number[];
}

/** Options of {@link startStepFunctionsServer}. */
export interface StepFunctionsServerOptions {
  /** State machines that exist; StartExecution of any other is StateMachineDoesNotExist. */
  readonly stateMachineArns: readonly string[];
  /** The script of an execution, from the StartExecution request's input. */
  readonly script: (input: unknown) => FakeExecutionScript;
  /** Most events per GetExecutionHistory page, whatever `maxResults` asks for. @default 4 */
  readonly pageSize?: number;
}

/** A running fake of the Step Functions API. */
export interface StepFunctionsServer {
  /** `http://127.0.0.1:<port>`: the endpoint to give an SFNClient. */
  readonly endpoint: string;
  /** Every request, in order of arrival. */
  readonly requests: RecordedSfnRequest[];
  close(): Promise<void>;
}

interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly script: FakeExecutionScript;
  readonly startDate: number;
  describes: number;
}

/**
 * Starts a small HTTP server on a free loopback port that speaks the Step Functions AWS JSON 1.0 protocol (POST /,
 * `X-Amz-Target: AWSStepFunctions.<Operation>`, `application/x-amz-json-1.0`) for StartExecution, DescribeExecution
 * and GetExecutionHistory (`maxResults`, `nextToken`, `reverseOrder`). Each execution plays a script: every
 * DescribeExecution call makes more of its history visible, until it ends. Service errors are JSON with `__type`.
 */
export async function startStepFunctionsServer({ stateMachineArns, script, pageSize = 4 }: StepFunctionsServerOptions): Promise<StepFunctionsServer> {
  const requests: RecordedSfnRequest[] = [];
  const executions = new Map<string, ExecutionRecord>();

  const visibleEvents = (execution: ExecutionRecord): readonly FakeHistoryEvent[] => {
    const { events, visibleAfterDescribe } = execution.script;
    if (execution.describes >= visibleAfterDescribe.length) return events;
    return events.slice(0, execution.describes === 0 ? 0 : visibleAfterDescribe[execution.describes - 1]);
  };

  const operations: Record<string, (body: Record<string, unknown>, record: (extra: Partial<RecordedSfnRequest>) => void) => [number, unknown]> = {
    StartExecution: (body) => {
      const stateMachineArn = String(body.stateMachineArn);
      if (!stateMachineArns.includes(stateMachineArn)) return serviceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
      const name = String(body.name);
      const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      if (executions.has(executionArn)) return serviceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      const input = String(body.input ?? '{}');
      const startDate = Date.now() / 1000;
      executions.set(executionArn, { executionArn, stateMachineArn, name, input, script: script(JSON.parse(input)), startDate, describes: 0 });
      return [200, { executionArn, startDate }];
    },
    DescribeExecution: (body) => {
      const execution = executions.get(String(body.executionArn));
      if (execution === undefined) return serviceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(body.executionArn)}'`);
      execution.describes++;
      const ended = execution.describes >= execution.script.visibleAfterDescribe.length;
      const { end } = execution.script;
      return [
        200,
        {
          executionArn: execution.executionArn,
          stateMachineArn: execution.stateMachineArn,
          name: execution.name,
          status: ended ? end.status : 'RUNNING',
          startDate: execution.startDate,
          input: execution.input,
          ...(ended ? { stopDate: execution.startDate + 754, output: end.output, error: end.error, cause: end.cause } : {}),
        },
      ];
    },
    GetExecutionHistory: (body, record) => {
      const execution = executions.get(String(body.executionArn));
      if (execution === undefined) return serviceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(body.executionArn)}'`);
      const reverse = body.reverseOrder === true;
      // A token pins the page to the events that existed when paging began, as the service's tokens do.
      const token = typeof body.nextToken === 'string' ? (JSON.parse(Buffer.from(body.nextToken, 'base64').toString('utf8')) as { from: number; upTo: number; reverse: boolean }) : undefined;
      if (token !== undefined && token.reverse !== reverse) return serviceError('InvalidToken', 'the token belongs to another ordering');
      const upTo = token?.upTo ?? visibleEvents(execution).length;
      const ordered = execution.script.events.slice(0, upTo);
      if (reverse) ordered.reverse();
      const limit = Math.min(pageSize, typeof body.maxResults === 'number' && body.maxResults > 0 ? body.maxResults : pageSize);
      const from = token?.from ?? 0;
      const page = ordered.slice(from, from + limit);
      const more = from + limit < ordered.length;
      record({ returnedEventIds: page.map((event) => event.id) });
      const timestamp = execution.startDate;
      return [
        200,
        {
          events: page.map((event) => ({ timestamp: timestamp + event.id, ...event })),
          ...(more ? { nextToken: Buffer.from(JSON.stringify({ from: from + limit, upTo, reverse })).toString('base64') } : {}),
        },
      ];
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = request.headers['x-amz-target'];
    const contentType = request.headers['content-type'];
    const send = ([status, payload]: [number, unknown]): void => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `req-${requests.length}` });
      response.end(JSON.stringify(payload));
    };
    if (request.method !== 'POST' || request.url !== '/' || contentType !== 'application/x-amz-json-1.0' || typeof target !== 'string' || !target.startsWith('AWSStepFunctions.')) {
      send(serviceError('UnknownOperationException', `not an AWS JSON 1.0 Step Functions call: ${request.method} ${request.url} ${contentType} ${String(target)}`));
      return;
    }
    const operation = target.slice('AWSStepFunctions.'.length);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    const signedRegion = /Credential=[^/]+\/\d{8}\/([^/]+)\/states\/aws4_request/.exec(request.headers.authorization ?? '')?.[1];
    const entry: { -readonly [K in keyof RecordedSfnRequest]: RecordedSfnRequest[K] } = { operation, body, signedRegion };
    requests.push(entry);
    const run = operations[operation];
    send(run === undefined ? serviceError('UnknownOperationException', `the fake serves no ${operation}`) : run(body, (extra) => Object.assign(entry, extra)));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: 'InternalFailure', message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

function serviceError(type: string, message: string): [number, unknown] {
  return [400, { __type: `com.amazonaws.sfn#${type}`, message }];
}

/** What {@link tandemExecutionHistory} simulates. */
export interface TandemHistoryOptions {
  /** The execution input (WorkflowInput JSON), quoted by ExecutionStarted and Ingest. */
  readonly input: string;
  /** Trial ids of the one rung; each a Batch job. */
  readonly trials: readonly string[];
  /** A trial whose job fails twice (the retry too) and is caught into TrialFailed. */
  readonly failingTrial?: string;
  /** The cause of that trial's Batch failure (a job description). */
  readonly trialCause?: string;
  /** The workflow output (notify's result) on success. */
  readonly output?: string;
  /** Fail the execution in the Ingest step with this Lambda error instead of running it to the end. */
  readonly ingestFailure?: { readonly error: string; readonly cause: string };
}

/**
 * A Step Functions history of the Tandem workflow as AWS records it: ExecutionStarted, each Lambda step as
 * TaskStateEntered → TaskScheduled → TaskStarted → TaskSucceeded → TaskStateExited, one ASHA rung as a Map whose
 * iterations run interleaved (each a Batch `submitJob.sync` Task, a failing one retried once, then caught into the
 * TrialFailed Pass state), the MoreRungs Choice, select, promote, notify and ExecutionSucceeded — or an Ingest failure
 * and ExecutionFailed. `previousEventId` chains each event to the one before it in its branch.
 */
export function tandemExecutionHistory(options: TandemHistoryOptions): FakeHistoryEvent[] {
  const events: FakeHistoryEvent[] = [];
  const add = (type: string, previousEventId: number, details: Record<string, unknown> = {}): number => {
    const id = events.length + 1;
    events.push({ id, previousEventId, type, ...details });
    return id;
  };
  const entered = (type: string, name: string, input: string, previous: number): number =>
    add(type, previous, { stateEnteredEventDetails: { name, input, inputDetails: { truncated: false } } });
  const exited = (type: string, name: string, output: string, previous: number): number =>
    add(type, previous, { stateExitedEventDetails: { name, output, outputDetails: { truncated: false } } });
  const lambdaStep = (name: string, input: string, output: string, previous: number): number => {
    let last = entered('TaskStateEntered', name, input, previous);
    last = add('TaskScheduled', last, { taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'eu-west-1', parameters: '{}' } });
    last = add('TaskStarted', last, { taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } });
    last = add('TaskSucceeded', last, { taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output } });
    return exited('TaskStateExited', name, output, last);
  };

  let last = add('ExecutionStarted', 0, { executionStartedEventDetails: { input: options.input, roleArn: 'arn:aws:iam::123456789012:role/TandemWorkflowRole' } });
  if (options.ingestFailure !== undefined) {
    last = entered('TaskStateEntered', 'Ingest', options.input, last);
    last = add('TaskScheduled', last, { taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'eu-west-1', parameters: '{}' } });
    last = add('TaskStarted', last, { taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } });
    last = add('TaskFailed', last, { taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', ...options.ingestFailure } });
    add('ExecutionFailed', last, { executionFailedEventDetails: options.ingestFailure });
    return events;
  }
  const specs = options.trials.map((trialId) => ({ runId: 'r-remote', trialId, datasetId: 'd-1', name: 'fixture', params: { epochs: 9 }, untilEpoch: 3 }));
  const rung = JSON.stringify({ runId: 'r-remote', rung: 0, trials: specs, done: false });
  last = lambdaStep('Ingest', options.input, '{"datasetId":"d-1"}', last);
  last = lambdaStep('PlanTrials', '{"datasetId":"d-1"}', rung, last);
  last = entered('MapStateEntered', 'RungTrials', rung, last);
  const mapStarted = add('MapStateStarted', last, { mapStateStartedEventDetails: { length: specs.length } });

  // Each iteration is a list of steps; they are interleaved round-robin, as concurrent iterations are.
  const iterations = specs.map((spec, index) => {
    const item = JSON.stringify(spec);
    const job = (status: string): string => JSON.stringify({ JobName: spec.trialId, JobId: `job-${spec.trialId}`, Status: status });
    const batch = { resourceType: 'batch', resource: 'submitJob.sync' };
    const steps: ((previous: number) => number)[] = [
      () => add('MapIterationStarted', mapStarted, { mapIterationStartedEventDetails: { name: 'RungTrials', index } }),
      (previous) => entered('TaskStateEntered', 'RunTrial', item, previous),
    ];
    const attempt = (): void => {
      steps.push(
        (previous) => add('TaskScheduled', previous, { taskScheduledEventDetails: { ...batch, region: 'eu-west-1', parameters: '{}' } }),
        (previous) => add('TaskStarted', previous, { taskStartedEventDetails: batch }),
        (previous) => add('TaskSubmitted', previous, { taskSubmittedEventDetails: { ...batch, output: job('SUBMITTED') } }),
      );
    };
    attempt();
    if (spec.trialId === options.failingTrial) {
      const cause = options.trialCause ?? job('FAILED');
      const failed = (previous: number): number => add('TaskFailed', previous, { taskFailedEventDetails: { ...batch, error: 'States.TaskFailed', cause } });
      steps.push(failed);
      attempt();
      steps.push(failed, (previous) => entered('PassStateEntered', 'TrialFailed', JSON.stringify({ ...spec, error: { Error: 'States.TaskFailed', Cause: cause } }), previous));
      steps.push((previous) => exited('PassStateExited', 'TrialFailed', item, previous));
    } else {
      steps.push(
        (previous) => add('TaskSucceeded', previous, { taskSucceededEventDetails: { ...batch, output: job('SUCCEEDED') } }),
        (previous) => exited('TaskStateExited', 'RunTrial', item, previous),
      );
    }
    steps.push((previous) => add('MapIterationSucceeded', previous, { mapIterationSucceededEventDetails: { name: 'RungTrials', index } }));
    return { steps, last: 0 };
  });
  for (let step = 0; iterations.some((iteration) => step < iteration.steps.length); step++) {
    for (const iteration of iterations) {
      const next = iteration.steps[step];
      if (next !== undefined) iteration.last = next(iteration.last);
    }
  }
  last = add('MapStateSucceeded', Math.max(...iterations.map((iteration) => iteration.last)));
  last = exited('MapStateExited', 'RungTrials', rung, last);
  const results = JSON.stringify({ runId: 'r-remote', done: true });
  last = lambdaStep('PromoteRung', rung, results, last);
  last = entered('ChoiceStateEntered', 'MoreRungs', results, last);
  last = exited('ChoiceStateExited', 'MoreRungs', results, last);
  last = lambdaStep('SelectWinner', results, '{}', last);
  last = lambdaStep('PromoteChampion', '{}', '{}', last);
  const output = options.output ?? '{}';
  last = lambdaStep('Notify', '{}', output, last);
  add('ExecutionSucceeded', last, { executionSucceededEventDetails: { output, outputDetails: { truncated: false } } });
  return events;
}
