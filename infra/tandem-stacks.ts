import { type App, Tags } from 'aws-cdk-lib';
import { ApiStack } from './api-stack.ts';
import { DataStack } from './data-stack.ts';
import { PipelineStack } from './pipeline-stack.ts';
import { exampleScheduleConfigFile, readScheduledConfig } from './scheduled-config.ts';
import { readTandemContext, type TandemContext } from './tandem-context.ts';
import { TrainingStack } from './training-stack.ts';

/** The stacks of one Tandem deployment, as {@link buildTandemStacks} wires them. */
export interface TandemStacks {
  readonly context: TandemContext;
  readonly data: DataStack;
  readonly training: TrainingStack;
  readonly api: ApiStack;
  readonly pipeline: PipelineStack;
}

/** The value of the `project` tag on every resource of the app. */
export const projectTag = 'tandem';

/** The `stage` tag of a deployment without a stage. */
export const defaultStageTag = 'default';

/**
 * The name of one Tandem stack: `<stage>-<stackPrefix>-<part>`, or `<stackPrefix>-<part>` without a stage.
 * `tandem run --remote` finds the pipeline stack's outputs by this name.
 */
export function tandemStackName(context: Pick<TandemContext, 'stage' | 'stackPrefix'>, part: 'data' | 'training' | 'api' | 'pipeline'): string {
  return [context.stage, context.stackPrefix, part].filter((piece) => piece !== '').join('-');
}

/**
 * Adds every Tandem stack to `app`, configured from its context, and tags every taggable resource with `project`,
 * `stage` and the context's `tags`. Account and region are left to the CLI's environment
 * (`CDK_DEFAULT_ACCOUNT`/`CDK_DEFAULT_REGION` at deploy time), so nothing is hard-coded and `cdk synth` works offline.
 */
export function buildTandemStacks(app: App): TandemStacks {
  const context = readTandemContext(app.node);
  // Without a deploy-time config the schedule is deployed disabled, carrying the example's shape.
  const scheduledConfigFile = context.scheduleConfigFile === '' ? exampleScheduleConfigFile : context.scheduleConfigFile;
  const data = new DataStack(app, tandemStackName(context, 'data'), {
    description: 'Tandem: raw and store (datasets, runs, models) buckets',
    rawInfrequentAccessDays: context.rawInfrequentAccessDays,
    noncurrentVersionExpirationDays: context.noncurrentVersionExpirationDays,
    checkpointExpiryDays: context.checkpointExpiryDays,
  });
  const training = new TrainingStack(app, tandemStackName(context, 'training'), {
    description: 'Tandem: GPU (EC2) and CPU (Fargate) Batch queues, the trainer and ingest job definitions',
    storeBucket: data.storeBucketExport,
    rawBucket: data.rawBucketExport,
    gpuInstanceTypes: context.gpuInstanceTypes,
    spot: context.spot,
    onDemandFallback: context.onDemandFallback,
    gpuMaxVcpus: context.gpuMaxVcpus,
    cpuMaxVcpus: context.cpuMaxVcpus,
    natGateway: context.natGateway,
    capacityWaitMinutes: context.capacityWaitMinutes,
    scoringInput: readScheduledConfig(scheduledConfigFile).scoring?.input,
  });
  const api = new ApiStack(app, tandemStackName(context, 'api'), {
    description: 'Tandem: the scoring API (Lambda behind an IAM-authenticated function URL)',
    storeBucket: data.storeBucketExport,
    // The API serves the champion of the project the scheduled runs retrain.
    project: readScheduledConfig(scheduledConfigFile).name,
  });
  training.addStackDependency(data);
  api.addStackDependency(data);
  const pipeline = new PipelineStack(app, tandemStackName(context, 'pipeline'), {
    description: 'Tandem: the retraining workflow (Step Functions), its schedule, dashboard and alarms',
    storeBucket: data.storeBucketExport,
    rawBucket: data.rawBucketExport,
    jobQueueArn: training.gpu.jobQueue.jobQueueArn,
    jobDefinitionName: training.trainerJobDefinitionName,
    cpuJobQueueArn: training.cpu.jobQueue.jobQueueArn,
    ingestJobDefinitionName: training.ingestJobDefinitionName,
    scoringJobDefinitionName: training.scoringJobDefinitionName,
    batchIngestMinBytes: context.batchIngestMinBytes,
    scheduleExpression: context.scheduleExpression,
    scheduledConfigFile,
    scheduleEnabled: context.scheduleConfigFile !== '',
    maxConcurrency: context.maxConcurrency,
    distributedMapMinTrials: context.distributedMapMinTrials,
    notificationEmail: context.notificationEmail,
    workflowTimeoutHours: context.workflowTimeoutHours,
    apiFunction: api.api.function,
    apiHttpApi: api.httpApi,
  });
  pipeline.addStackDependency(data);
  pipeline.addStackDependency(training);
  pipeline.addStackDependency(api);
  Tags.of(app).add('project', projectTag);
  Tags.of(app).add('stage', context.stage === '' ? defaultStageTag : context.stage);
  for (const [key, value] of Object.entries(context.tags)) Tags.of(app).add(key, value);
  return { context, data, training, api, pipeline };
}
