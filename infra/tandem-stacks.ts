import type { App } from 'aws-cdk-lib';
import { ApiStack } from './api-stack.ts';
import { DataStack } from './data-stack.ts';
import { PipelineStack } from './pipeline-stack.ts';
import { readScheduledConfig } from './scheduled-config.ts';
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

/**
 * Adds every Tandem stack to `app`, configured from its context. Account and region are left to the CLI's
 * environment (`CDK_DEFAULT_ACCOUNT`/`CDK_DEFAULT_REGION` at deploy time), so nothing is hard-coded and
 * `cdk synth` works offline.
 */
export function buildTandemStacks(app: App): TandemStacks {
  const context = readTandemContext(app.node);
  const data = new DataStack(app, `${context.stackPrefix}-data`, {
    description: 'Tandem: raw, datasets and models buckets',
    rawInfrequentAccessDays: context.rawInfrequentAccessDays,
    noncurrentVersionExpirationDays: context.noncurrentVersionExpirationDays,
  });
  const training = new TrainingStack(app, `${context.stackPrefix}-training`, {
    description: 'Tandem: GPU (EC2) and CPU (Fargate) Batch queues, the trainer and ingest job definitions',
    storeBucket: data.storeBucketExport,
    rawBucket: data.rawBucketExport,
    gpuInstanceTypes: context.gpuInstanceTypes,
    spot: context.spot,
    gpuMaxVcpus: context.gpuMaxVcpus,
    cpuMaxVcpus: context.cpuMaxVcpus,
  });
  const api = new ApiStack(app, `${context.stackPrefix}-api`, {
    description: 'Tandem: the scoring API (Lambda behind an IAM-authenticated function URL)',
    storeBucket: data.storeBucketExport,
    // The API serves the champion of the project the scheduled runs retrain.
    project: readScheduledConfig(context.scheduleConfigFile).name,
  });
  training.addStackDependency(data);
  api.addStackDependency(data);
  const pipeline = new PipelineStack(app, `${context.stackPrefix}-pipeline`, {
    description: 'Tandem: the retraining workflow (Step Functions), its schedule and failure alarms',
    storeBucket: data.storeBucketExport,
    rawBucket: data.rawBucketExport,
    jobQueueArn: training.gpu.jobQueue.jobQueueArn,
    jobDefinitionName: training.trainerJobDefinitionName,
    cpuJobQueueArn: training.cpu.jobQueue.jobQueueArn,
    ingestJobDefinitionName: training.ingestJobDefinitionName,
    batchIngestMinBytes: context.batchIngestMinBytes,
    scheduleExpression: context.scheduleExpression,
    scheduledConfigFile: context.scheduleConfigFile,
    maxConcurrency: context.maxConcurrency,
    distributedMapMinTrials: context.distributedMapMinTrials,
    notificationEmail: context.notificationEmail,
  });
  pipeline.addStackDependency(data);
  pipeline.addStackDependency(training);
  return { context, data, training, api, pipeline };
}
