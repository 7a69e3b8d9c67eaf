import { Aws, Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { INGEST_INPUT_ENV_VAR, INGEST_RESULT_ENV_VAR } from '../functions/ingest/ingest-job-variables.ts';
import { SCORE_PART_ENV_VAR } from '../functions/rescore/rescore-job-variables.ts';

/** The state names of the Tandem workflow: API for the local runner's bindings and for alarms. */
export const workflowStateNames = {
  measureRawInput: 'MeasureRawInput',
  planAthenaIngest: 'PlanAthenaIngest',
  runAthenaQuery: 'RunAthenaQuery',
  writeAthenaDataset: 'WriteAthenaDataset',
  chooseIngestRunner: 'ChooseIngestRunner',
  ingest: 'Ingest',
  ingestOnBatch: 'IngestOnBatch',
  readIngestResult: 'ReadIngestResult',
  plan: 'PlanTrials',
  chooseRungMap: 'ChooseRungMap',
  rungTrials: 'RungTrials',
  runTrial: 'RunTrial',
  trialFailed: 'TrialFailed',
  rungTrialsDistributed: 'RungTrialsDistributed',
  runTrialDistributed: 'RunTrialDistributed',
  trialFailedDistributed: 'TrialFailedDistributed',
  promoteRung: 'PromoteRung',
  moreRungs: 'MoreRungs',
  planClosing: 'PlanClosing',
  anyFoldCopies: 'AnyFoldCopies',
  select: 'SelectWinner',
  promote: 'PromoteChampion',
  notify: 'Notify',
  chooseRescoring: 'ChooseRescoring',
  planRescoring: 'PlanRescoring',
  chooseRescoreParts: 'ChooseRescoreParts',
  rescoreParts: 'RescoreParts',
  scorePart: 'ScorePart',
  writeScoresManifest: 'WriteScoresManifest',
  rescoringDone: 'RescoringDone',
} as const;

/** The label of the rescoring Distributed Map's child executions (one per part). */
export const rescoreMapLabel = 'TandemRescore';

/** Parts of a rescoring (input objects) scored at once. */
export const defaultRescoreConcurrency = 8;

/** The environment variable that carries a trial (JSON: its reference, the spec being in the store) into the trainer container. */
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

/**
 * Trials in a rung from which the rung runs in a Distributed Map (each trial a child execution) instead of an inline
 * Map: 40. An inline Map runs at most 40 iterations at once whatever its MaxConcurrency, and every trial adds about
 * ten events (more with retries) to the one 25,000-event history that all rungs of an execution share; a Distributed
 * Map has neither limit. Below 40 trials the inline Map keeps a run in one execution history, which is easier to read.
 * Either way the rung's trial references (the specs are in the store) travel in the state (256 KiB): about 100
 * bytes each, plus the trial id of each in the Map's results, which bounds a rung to about 2,200 trials.
 */
export const defaultDistributedMapMinTrials = 40;

/** The label of the Distributed Map's child executions (and of the Map Runs in the console). */
export const distributedMapLabel = 'TandemRung';

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
  /** Wall-clock limit of the Batch ingest job, and of the Athena query. @default Duration.hours(6) */
  readonly ingestTimeout?: Duration;
  /** The Batch job queue trials run on (GPU). */
  readonly jobQueueArn: string;
  /** The trainer job definition. */
  readonly jobDefinitionArn: string;
  /** Trials of one rung trained at once (both Maps). @default 4 */
  readonly maxConcurrency?: number;
  /** Trials in a rung from which it runs in the Distributed Map. @default defaultDistributedMapMinTrials (40) */
  readonly distributedMapMinTrials?: number;
  /** Wall-clock limit of one trial's Batch job. @default Duration.hours(2) */
  readonly trialTimeout?: Duration;
  /** The rescoring function: plans the parts of the customer base and writes the scores' manifest. */
  readonly rescoreFunction: lambda.IFunction;
  /** The scoring job definition (the trainer image's cpu target scoring one part), run on the CPU queue. */
  readonly scoringJobDefinitionArn: string;
  /** Parts of a rescoring scored at once. @default defaultRescoreConcurrency (8) */
  readonly rescoreConcurrency?: number;
  /** Wall-clock limit of one part's scoring job. @default Duration.hours(2) */
  readonly scorePartTimeout?: Duration;
}

/**
 * Builds the Tandem workflow in `scope`: measure the raw input → ingest (events logs whose config has `data.athena`, at
 * or above its `minBytes`, on Athena: see `athenaIngestBranch`; else in the Lambda, or at or above
 * `batchIngestMinBytes` as a CPU Batch job `.sync` whose result the Lambda reads back from the store) → plan trials →
 * per ASHA rung a Map over the rung's trials — inline, or Distributed from `distributedMapMinTrials` trials on, the
 * same body in both: each trial a Batch job `.sync` with the trial as the container's `TANDEM_TRIAL`, retried on Batch
 * and spot failures, a failure caught into the item's `error` so the Map never fails — → promote rung → more rungs?
 * back to the rung's Map : plan the closing (the select function: with `search.ensembleFolds`, the fold copies to
 * train, which go through the rung Map once as a last set of trials) → select → promote (champion/challenger) → notify. Every Lambda task returns its payload only
 * (`payloadResponseOnly`), so the state between steps is exactly what the handlers return. Returns the chain to hand
 * to a StateMachine.
 */
export function buildTandemWorkflow(scope: Construct, props: TandemWorkflowProps): sfn.IChainable {
  const maxConcurrency = props.maxConcurrency ?? 4;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) throw new RangeError(`maxConcurrency must be a positive integer, got ${maxConcurrency}`);
  const distributedMapMinTrials = props.distributedMapMinTrials ?? defaultDistributedMapMinTrials;
  if (!Number.isInteger(distributedMapMinTrials) || distributedMapMinTrials < 1) {
    throw new RangeError(`distributedMapMinTrials must be a positive integer, got ${distributedMapMinTrials}`);
  }
  const batchIngestMinBytes = props.batchIngestMinBytes ?? defaultBatchIngestMinBytes;
  if (!Number.isSafeInteger(batchIngestMinBytes) || batchIngestMinBytes < 0) throw new RangeError(`batchIngestMinBytes must be a whole number of bytes >= 0, got ${batchIngestMinBytes}`);
  const names = workflowStateNames;
  const invoke = (id: string, fn: lambda.IFunction, more: Pick<tasks.LambdaInvokeProps, 'payload' | 'resultPath'> = {}): tasks.LambdaInvoke =>
    new tasks.LambdaInvoke(scope, id, { lambdaFunction: fn, payloadResponseOnly: true, retryOnServiceExceptions: true, ...more });

  // One ingest function, three states: measure, ingest, read back the Batch job's result.
  const measure = invoke(names.measureRawInput, props.ingestFunction, {
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
  const readIngestResult = invoke(names.readIngestResult, props.ingestFunction, {
    payload: sfn.TaskInput.fromObject({ action: 'read-result', key: sfn.JsonPath.stringAt('$.rawInput.resultKey') }),
  });
  const athena = athenaIngestBranch(scope, props, invoke);
  // `rawInput.athena`: the measure step found `data.athena` in an events config and rawBytes at or above its minBytes
  // (a flag, always present, because a Choice comparing a path that a config lacks would fail the execution).
  const chooseIngestRunner = new sfn.Choice(scope, names.chooseIngestRunner)
    .when(sfn.Condition.booleanEquals('$.rawInput.athena', true), athena.start)
    .when(sfn.Condition.numberGreaterThanEqualsJsonPath('$.rawInput.rawBytes', '$.rawInput.batchIngestMinBytes'), ingestOnBatch.next(readIngestResult))
    .otherwise(ingest);
  const plan = invoke(names.plan, props.planFunction);
  const promoteRung = invoke(names.promoteRung, props.promoteRungFunction);
  const select = invoke(names.select, props.selectFunction);
  // The closing's fold copies (search.ensembleFolds), planned by the select function, run through the rung Maps.
  const planClosing = invoke(names.planClosing, props.selectFunction, {
    payload: sfn.TaskInput.fromObject({ action: 'plan-closing', runId: sfn.JsonPath.stringAt('$.runId'), state: sfn.JsonPath.objectAt('$') }),
  });
  const promote = invoke(names.promote, props.promoteFunction);
  const notify = invoke(names.notify, props.notifyFunction);

  // One trial: the iteration body of both rung Maps, built once per Map (a state belongs to one Map).
  const trialBody = (runTrialName: string, trialFailedName: string): tasks.BatchSubmitJob => {
    const runTrial = new tasks.BatchSubmitJob(scope, runTrialName, {
      jobName: sfn.JsonPath.stringAt('$.trialId'),
      jobQueueArn: props.jobQueueArn,
      jobDefinitionArn: props.jobDefinitionArn,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      containerOverrides: { environment: { [TRIAL_ENV_VAR]: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$')) } },
      taskTimeout: sfn.Timeout.duration(props.trialTimeout ?? Duration.hours(2)),
      // The trial's outputs are in the store; the Map collects only the trial id of a trial that trained (its
      // reference is already in the state's `trials`), and the reference plus `error` of one the Catch kept.
      resultPath: sfn.JsonPath.DISCARD,
      outputPath: '$.trialId',
    });
    runTrial.addRetry({ errors: [...retriedTrialErrors], interval: Duration.seconds(10), maxAttempts: 3, backoffRate: 2 });
    runTrial.addRetry({ errors: [...crashedTrialErrors], interval: Duration.seconds(30), maxAttempts: 1 });
    runTrial.addCatch(new sfn.Pass(scope, trialFailedName), { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    return runTrial;
  };

  const rungTrials = new sfn.Map(scope, names.rungTrials, { itemsPath: '$.trials', maxConcurrency, resultPath: '$.results' });
  rungTrials.itemProcessor(trialBody(names.runTrial, names.trialFailed));
  // Each trial a child execution (STANDARD: Batch .sync needs it): the parent's history grows by a few events per
  // rung, not per trial, and more than 40 trials may run at once.
  const rungTrialsDistributed = new sfn.DistributedMap(scope, names.rungTrialsDistributed, {
    itemsPath: '$.trials',
    maxConcurrency,
    resultPath: '$.results',
    mapExecutionType: sfn.StateMachineType.STANDARD,
    label: distributedMapLabel,
  });
  rungTrialsDistributed.itemProcessor(trialBody(names.runTrialDistributed, names.trialFailedDistributed));
  // `$.trials[n-1]` present: the rung has at least n trials.
  const chooseRungMap = new sfn.Choice(scope, names.chooseRungMap)
    .when(sfn.Condition.isPresent(`$.trials[${distributedMapMinTrials - 1}]`), rungTrialsDistributed)
    .otherwise(rungTrials);

  // After a promotion, the new champion rescores the config's customer base (when it has `scoring`), then notify.
  const rescoring = rescoringBranch(scope, props, sfn.JsonPath.objectAt('$$.Execution.Input'), sfn.JsonPath.stringAt('$.championId'), notify);
  const chooseRescoring = new sfn.Choice(scope, names.chooseRescoring)
    .when(sfn.Condition.booleanEquals('$.promoted', true), rescoring)
    .otherwise(notify);
  const done = select.next(promote).next(chooseRescoring);
  const anyFoldCopies = new sfn.Choice(scope, names.anyFoldCopies).when(sfn.Condition.booleanEquals('$.done', false), chooseRungMap).otherwise(done);
  const moreRungs = new sfn.Choice(scope, names.moreRungs).when(sfn.Condition.booleanEquals('$.done', false), chooseRungMap).otherwise(planClosing);
  planClosing.next(anyFoldCopies);
  ingest.next(plan);
  readIngestResult.next(plan);
  athena.end.next(plan);
  plan.next(chooseRungMap);
  rungTrials.next(promoteRung);
  rungTrialsDistributed.next(promoteRung);
  promoteRung.next(moreRungs);
  return measure.next(chooseIngestRunner);
}

/** The resource of Step Functions' Athena integration that waits for the query to finish. */
export const athenaStartQuerySyncResource = `arn:${Aws.PARTITION}:states:::athena:startQueryExecution.sync`;

/**
 * The Athena branch of ingestion (events mode, `data.athena`, raw input at or above its `minBytes`): the ingest
 * function renders the CTAS from the config (`action: "athena-plan"`, to `$.athena`) → Athena runs it, `.sync` (the
 * feature table as Parquet under the store's `datasets/athena-tables/<execution>/`) → the ingest function writes the
 * dataset from those files (`action: "athena-dataset"`), returning what the ingest step returns.
 *
 * The query runs as a raw ASL Task rather than `tasks.AthenaStartQueryExecution`: that construct grants the role
 * S3 access on every bucket and Glue on the database it is given at synth, whereas here query, database and
 * workgroup come from the execution's config; the pipeline stack grants Athena, Glue and S3 on exactly the scheduled
 * config's workgroup, database and the store's and raw bucket's objects.
 */
function athenaIngestBranch(
  scope: Construct,
  props: TandemWorkflowProps,
  invoke: (id: string, fn: lambda.IFunction, more?: Pick<tasks.LambdaInvokeProps, 'payload' | 'resultPath'>) => tasks.LambdaInvoke,
): { start: sfn.IChainable; end: sfn.INextable } {
  const names = workflowStateNames;
  const plan = invoke(names.planAthenaIngest, props.ingestFunction, {
    payload: sfn.TaskInput.fromObject({ action: 'athena-plan', input: sfn.JsonPath.objectAt('$'), executionName: sfn.JsonPath.executionName }),
    resultPath: '$.athena',
  });
  const query = new sfn.CustomState(scope, names.runAthenaQuery, {
    stateJson: {
      Type: 'Task',
      Resource: athenaStartQuerySyncResource,
      Parameters: {
        'QueryString.$': '$.athena.query',
        'WorkGroup.$': '$.athena.workgroup',
        QueryExecutionContext: { 'Database.$': '$.athena.database' },
        ResultConfiguration: { 'OutputLocation.$': '$.athena.resultsLocation' },
      },
      // The query's result is the Parquet it wrote: the next step lists it from the store.
      ResultPath: null,
      TimeoutSeconds: (props.ingestTimeout ?? Duration.hours(6)).toSeconds(),
    },
  });
  const write = invoke(names.writeAthenaDataset, props.ingestFunction, {
    payload: sfn.TaskInput.fromObject({ action: 'athena-dataset', input: sfn.JsonPath.objectAt('$'), athena: sfn.JsonPath.objectAt('$.athena') }),
  });
  plan.next(query).next(write);
  return { start: plan, end: write };
}

/**
 * Rescoring a customer base (config `scoring`): the rescore function pins the model and lists the base's objects
 * (`action: "plan"`, to `$.rescoring`; no parts without `scoring`) → a Choice: any part? → a Distributed Map over the
 * parts (each a STANDARD child execution, as Batch `.sync` needs; `rescoreConcurrency` at once), each part one CPU Batch
 * scoring job `.sync` with the part in `TANDEM_SCORE_PART`, streaming its object into Parquet under the store's
 * `scores/` → the manifest (`action: "manifest"`, replacing `$.rescoring` with a summary) → `next`. A part that fails
 * (after the Batch retries) fails the Map: a manifest never covers a partial base.
 *
 * A Batch job rather than a Lambda per part: an export object may be gigabytes and take longer than Lambda's 15
 * minutes, and the job has the disk to stage it; the job streams it in bounded memory, whatever its size.
 */
function rescoringBranch(scope: Construct, props: TandemWorkflowProps, input: unknown, modelId: string | null, next: sfn.IChainable): sfn.IChainable {
  const names = workflowStateNames;
  const concurrency = props.rescoreConcurrency ?? defaultRescoreConcurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`rescoreConcurrency must be a positive integer, got ${concurrency}`);
  const invoke = (id: string, payload: Record<string, unknown>): tasks.LambdaInvoke => new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: props.rescoreFunction,
    payloadResponseOnly: true,
    retryOnServiceExceptions: true,
    payload: sfn.TaskInput.fromObject(payload),
    resultPath: '$.rescoring',
  });
  const plan = invoke(names.planRescoring, { action: 'plan', input, modelId });
  const scorePart = new tasks.BatchSubmitJob(scope, names.scorePart, {
    jobName: 'tandem-score',
    jobQueueArn: props.cpuJobQueueArn,
    jobDefinitionArn: props.scoringJobDefinitionArn,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    containerOverrides: { environment: { [SCORE_PART_ENV_VAR]: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$')) } },
    taskTimeout: sfn.Timeout.duration(props.scorePartTimeout ?? Duration.hours(2)),
    // The part's scores and result are in the store; the manifest step reads them there.
    resultPath: sfn.JsonPath.DISCARD,
  });
  scorePart.addRetry({ errors: [...retriedTrialErrors], interval: Duration.seconds(10), maxAttempts: 3, backoffRate: 2 });
  const parts = new sfn.DistributedMap(scope, names.rescoreParts, {
    itemsPath: '$.rescoring.parts',
    maxConcurrency: concurrency,
    resultPath: sfn.JsonPath.DISCARD,
    mapExecutionType: sfn.StateMachineType.STANDARD,
    label: rescoreMapLabel,
  });
  parts.itemProcessor(scorePart);
  const manifest = invoke(names.writeScoresManifest, { action: 'manifest', plan: sfn.JsonPath.objectAt('$.rescoring') });
  const chooseParts = new sfn.Choice(scope, names.chooseRescoreParts)
    .when(sfn.Condition.isPresent('$.rescoring.parts[0]'), parts.next(manifest).next(next))
    .otherwise(next);
  return plan.next(chooseParts);
}

/**
 * The rescoring on its own (the scheduled rescoring, no retraining): the execution input is `{ config }` as for the
 * workflow; the project's champion now scores the config's `scoring.input`, as after a promotion.
 */
export function buildRescoringWorkflow(scope: Construct, props: TandemWorkflowProps): sfn.IChainable {
  return rescoringBranch(scope, props, sfn.JsonPath.objectAt('$'), null, new sfn.Succeed(scope, workflowStateNames.rescoringDone));
}
