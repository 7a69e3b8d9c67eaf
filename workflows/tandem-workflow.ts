import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { INGEST_INPUT_ENV_VAR, INGEST_RESULT_ENV_VAR } from '../functions/ingest/ingest-job-variables.ts';

/** The state names of the Tandem workflow: API for the local runner's bindings and for alarms. */
export const workflowStateNames = {
  measureRawInput: 'MeasureRawInput',
  chooseIngestRunner: 'ChooseIngestRunner',
  ingest: 'Ingest',
  ingestOnBatch: 'IngestOnBatch',
  readIngestResult: 'ReadIngestResult',
  plan: 'PlanTrials',
  rungTrials: 'RungTrials',
  runTrial: 'RunTrial',
  trialFailed: 'TrialFailed',
  promoteRung: 'PromoteRung',
  moreRungs: 'MoreRungs',
  select: 'SelectWinner',
  promote: 'PromoteChampion',
  notify: 'Notify',
} as const;

/** The environment variable that carries a trial's spec (JSON) into the trainer container. */
export const TRIAL_ENV_VAR = 'TANDEM_TRIAL';

/** Error names a trial's Batch job may fail with that are worth one more try (spot reclaims, Batch API hiccups). */
export const retriedTrialErrors = ['Batch.AWSBatchException', 'Batch.ServerException', 'Batch.TooManyRequestsException'] as const;

/** A failed trial container (crash, spot interruption): retried once, as the local search does. */
export const crashedTrialErrors = ['States.TaskFailed', 'TrialProcessError'] as const;

/**
 * Raw input size (bytes, all files together) from which ingestion runs as a CPU Batch job instead of in the ingest
 * Lambda: 64 MiB. Table-mode ingestion holds the parsed table in memory, measured at about 30x the CSV's size (a
 * 19 MB CSV peaked at 610 MB RSS), so the 3008 MB ingest Lambda stays safe up to about this size; events mode
 * (DuckDB, streaming) would go further, but one threshold keeps the routing predictable. The Lambda also has 15
 * minutes and at most 10 GiB of /tmp; the Fargate job has 30 GiB of memory, 200 GiB of disk and hours.
 */
export const defaultBatchIngestMinBytes = 64 * 1024 * 1024;

/** Props of {@link buildTandemWorkflow}. */
export interface TandemWorkflowProps {
  readonly ingestFunction: lambda.IFunction;
  readonly planFunction: lambda.IFunction;
  readonly promoteRungFunction: lambda.IFunction;
  readonly selectFunction: lambda.IFunction;
  readonly promoteFunction: lambda.IFunction;
  readonly notifyFunction: lambda.IFunction;
  /** The Batch job queue large ingestions run on (CPU, Fargate). */
  readonly cpuJobQueueArn: string;
  /** The ingest job definition (the trainer image running the ingest step). */
  readonly ingestJobDefinitionArn: string;
  /**
   * Raw input size (bytes) from which ingestion runs on CPU Batch rather than in the Lambda; an execution's
   * `overrides.batchIngestMinBytes` wins. @default defaultBatchIngestMinBytes (64 MiB)
   */
  readonly batchIngestMinBytes?: number;
  /** Wall-clock limit of the Batch ingest job. @default Duration.hours(6) */
  readonly ingestTimeout?: Duration;
  /** The Batch job queue trials run on (GPU). */
  readonly jobQueueArn: string;
  /** The trainer job definition. */
  readonly jobDefinitionArn: string;
  /** Trials of one rung trained at once. @default 4 */
  readonly maxConcurrency?: number;
  /** Wall-clock limit of one trial's Batch job. @default Duration.hours(2) */
  readonly trialTimeout?: Duration;
}

/**
 * Builds the Tandem workflow in `scope`: measure the raw input → ingest (in the Lambda, or at or above
 * `batchIngestMinBytes` as a CPU Batch job `.sync` whose result the Lambda reads back from the store) → plan trials → per ASHA rung a Map over the rung's trials (each a
 * Batch job `.sync` with the trial as the container's `TANDEM_TRIAL`, retried on Batch and spot failures, a failure
 * caught into the item's `error` so the Map never fails) → promote rung → more rungs? back to the Map : select →
 * promote (champion/challenger) → notify. Every Lambda task returns its payload only (`payloadResponseOnly`), so the
 * state between steps is exactly what the handlers return. Returns the chain to hand to a StateMachine.
 */
export function buildTandemWorkflow(scope: Construct, props: TandemWorkflowProps): sfn.IChainable {
  const maxConcurrency = props.maxConcurrency ?? 4;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) throw new RangeError(`maxConcurrency must be a positive integer, got ${maxConcurrency}`);
  const batchIngestMinBytes = props.batchIngestMinBytes ?? defaultBatchIngestMinBytes;
  if (!Number.isSafeInteger(batchIngestMinBytes) || batchIngestMinBytes < 0) throw new RangeError(`batchIngestMinBytes must be a whole number of bytes >= 0, got ${batchIngestMinBytes}`);
  const names = workflowStateNames;
  const invoke = (id: string, fn: lambda.IFunction): tasks.LambdaInvoke =>
    new tasks.LambdaInvoke(scope, id, { lambdaFunction: fn, payloadResponseOnly: true, retryOnServiceExceptions: true });

  // One ingest function, three states: measure, ingest, read back the Batch job's result.
  const measure = new tasks.LambdaInvoke(scope, names.measureRawInput, {
    lambdaFunction: props.ingestFunction,
    payloadResponseOnly: true,
    retryOnServiceExceptions: true,
    payload: sfn.TaskInput.fromObject({ action: 'measure', input: sfn.JsonPath.objectAt('$'), executionName: sfn.JsonPath.executionName, batchIngestMinBytes }),
    resultPath: '$.rawInput',
  });
  const ingest = invoke(names.ingest, props.ingestFunction);
  const ingestOnBatch = new tasks.BatchSubmitJob(scope, names.ingestOnBatch, {
    jobName: 'tandem-ingest',
    jobQueueArn: props.cpuJobQueueArn,
    jobDefinitionArn: props.ingestJobDefinitionArn,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    containerOverrides: {
      environment: {
        [INGEST_INPUT_ENV_VAR]: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$')),
        [INGEST_RESULT_ENV_VAR]: sfn.JsonPath.stringAt('$.rawInput.resultKey'),
      },
    },
    taskTimeout: sfn.Timeout.duration(props.ingestTimeout ?? Duration.hours(6)),
    // A Batch job returns nothing to the workflow: its result is in the store, at $.rawInput.resultKey.
    resultPath: sfn.JsonPath.DISCARD,
  });
  ingestOnBatch.addRetry({ errors: [...retriedTrialErrors], interval: Duration.seconds(10), maxAttempts: 3, backoffRate: 2 });
  const readIngestResult = new tasks.LambdaInvoke(scope, names.readIngestResult, {
    lambdaFunction: props.ingestFunction,
    payloadResponseOnly: true,
    retryOnServiceExceptions: true,
    payload: sfn.TaskInput.fromObject({ action: 'read-result', key: sfn.JsonPath.stringAt('$.rawInput.resultKey') }),
  });
  const chooseIngestRunner = new sfn.Choice(scope, names.chooseIngestRunner)
    .when(sfn.Condition.numberGreaterThanEqualsJsonPath('$.rawInput.rawBytes', '$.rawInput.batchIngestMinBytes'), ingestOnBatch.next(readIngestResult))
    .otherwise(ingest);
  const plan = invoke(names.plan, props.planFunction);
  const promoteRung = invoke(names.promoteRung, props.promoteRungFunction);
  const select = invoke(names.select, props.selectFunction);
  const promote = invoke(names.promote, props.promoteFunction);
  const notify = invoke(names.notify, props.notifyFunction);

  const runTrial = new tasks.BatchSubmitJob(scope, names.runTrial, {
    jobName: sfn.JsonPath.stringAt('$.trialId'),
    jobQueueArn: props.jobQueueArn,
    jobDefinitionArn: props.jobDefinitionArn,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    containerOverrides: { environment: { [TRIAL_ENV_VAR]: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$')) } },
    taskTimeout: sfn.Timeout.duration(props.trialTimeout ?? Duration.hours(2)),
    // The item (the trial spec) is what the Map collects; the trial's outputs are in the store.
    resultPath: sfn.JsonPath.DISCARD,
  });
  runTrial.addRetry({ errors: [...retriedTrialErrors], interval: Duration.seconds(10), maxAttempts: 3, backoffRate: 2 });
  runTrial.addRetry({ errors: [...crashedTrialErrors], interval: Duration.seconds(30), maxAttempts: 1 });
  const trialFailed = new sfn.Pass(scope, names.trialFailed);
  runTrial.addCatch(trialFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

  const rungTrials = new sfn.Map(scope, names.rungTrials, { itemsPath: '$.trials', maxConcurrency, resultPath: '$.results' });
  rungTrials.itemProcessor(runTrial);

  const done = select.next(promote).next(notify);
  const moreRungs = new sfn.Choice(scope, names.moreRungs).when(sfn.Condition.booleanEquals('$.done', false), rungTrials).otherwise(done);
  ingest.next(plan);
  readIngestResult.next(plan);
  plan.next(rungTrials).next(promoteRung).next(moreRungs);
  return measure.next(chooseIngestRunner);
}
