import type { Duration, Size } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledgeExecutionRoleFindings, hostFailureRetries, storeParameter } from './gpu-trainer-batch.ts';

/** What differs between Tandem's Fargate (CPU) Batch jobs (ingestion, scoring): the rest is shared. */
export interface FargateStoreJobProps {
  /** Names the job in errors (`IngestBatchJob`). */
  readonly kind: string;
  /** The container's construct id (`Ingest`, `Score`). */
  readonly containerId: string;
  readonly image: ecs.ContainerImage;
  readonly command: readonly string[];
  readonly jobRole: iam.IRole;
  readonly storeBucket: s3.IBucket;
  readonly vcpus: number;
  readonly memory: Size;
  readonly ephemeralStorage: Size;
  readonly timeout: Duration;
  readonly jobDefinitionName?: string;
  readonly environment?: Record<string, string>;
}

/**
 * A Fargate job definition running the trainer image's cpu target with `--store Ref::store` filled with the store
 * bucket; Batch retries a lost host or a failed image pull, and nothing else (a failed job fails the run with its
 * reason). The image is built for x86_64 (the GPU instances), and so is the DuckDB binding npm installed in it.
 * @throws Error when the disk is outside Fargate's 21 to 200 GiB.
 */
export function fargateStoreJobDefinition(scope: Construct, props: FargateStoreJobProps): batch.EcsJobDefinition {
  const storageGiB = props.ephemeralStorage.toGibibytes();
  if (!Number.isInteger(storageGiB) || storageGiB < 21 || storageGiB > 200) {
    throw new Error(`${props.kind}: ephemeralStorage must be 21 to 200 GiB (Fargate), got ${storageGiB} GiB`);
  }
  const jobDefinition = new batch.EcsJobDefinition(scope, 'JobDefinition', {
    jobDefinitionName: props.jobDefinitionName,
    container: new batch.EcsFargateContainerDefinition(scope, props.containerId, {
      image: props.image,
      cpu: props.vcpus,
      memory: props.memory,
      ephemeralStorageSize: props.ephemeralStorage,
      command: [...props.command],
      jobRole: props.jobRole,
      environment: props.environment,
      fargateCpuArchitecture: ecs.CpuArchitecture.X86_64,
    }),
    parameters: { [storeParameter]: `s3://${props.storeBucket.bucketName}/` },
    ...hostFailureRetries(),
    timeout: props.timeout,
    propagateTags: true,
  });
  acknowledgeExecutionRoleFindings(jobDefinition);
  return jobDefinition;
}
