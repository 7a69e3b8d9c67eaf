import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { CpuBatchQueue } from './constructs/cpu-batch-queue.ts';
import { GpuTrainerBatch, trainerPrefixes } from './constructs/gpu-trainer-batch.ts';
import { IngestBatchJob } from './constructs/ingest-batch-job.ts';
import { importRawBucket, type RawBucketExport } from './constructs/raw-bucket-export.ts';
import { acknowledgeStorePrefixWildcards, importStoreBucket, type StoreBucketExport } from './constructs/store-bucket-export.ts';
import { trainerImage } from './constructs/trainer-image.ts';

/** Props of {@link TrainingStack}. */
export interface TrainingStackProps extends StackProps {
  /** The store bucket trials read datasets from and write runs and models to. */
  readonly storeBucket: StoreBucketExport;
  /** The raw bucket the CPU ingest job reads (read-only). */
  readonly rawBucket: RawBucketExport;
  /** GPU instance types of the training compute environment. */
  readonly gpuInstanceTypes: readonly string[];
  /**
   * Spot instead of on-demand GPU capacity.
   * @default false
   */
  readonly spot?: boolean;
  /**
   * Most vCPUs of the GPU compute environment.
   * @default 16
   */
  readonly gpuMaxVcpus?: number;
  /**
   * Most vCPUs of the Fargate compute environment.
   * @default 16
   */
  readonly cpuMaxVcpus?: number;
}

/**
 * Where trials and large ingestions run: a VPC, the GPU Batch queue with the trainer job definition, and a Fargate
 * CPU queue with the ingest job definition (the same image).
 */
export class TrainingStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly gpu: GpuTrainerBatch;
  readonly cpu: CpuBatchQueue;
  readonly ingest: IngestBatchJob;
  /** The trainer job definition's fixed name: submit by name and Batch runs its latest revision. */
  readonly trainerJobDefinitionName: string;
  /** The ingest job definition's fixed name (CPU queue), submitted by name like the trainer's. */
  readonly ingestJobDefinitionName: string;

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, props);
    const storeBucket = importStoreBucket(this, 'StoreBucket', props.storeBucket);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      // One NAT gateway: trainers only pull images and talk to AWS APIs; S3 goes through the gateway endpoint.
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'jobs', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    this.trainerJobDefinitionName = `${this.stackName}-trainer`;
    this.ingestJobDefinitionName = `${this.stackName}-ingest`;
    const image = trainerImage();
    this.gpu = new GpuTrainerBatch(this, 'GpuTrainer', {
      jobDefinitionName: this.trainerJobDefinitionName,
      vpc: this.vpc,
      image,
      storeBucket,
      instanceTypes: props.gpuInstanceTypes,
      spot: props.spot,
      maxvCpus: props.gpuMaxVcpus,
    });
    acknowledgeStorePrefixWildcards(this.gpu.jobRole, props.storeBucket, [...trainerPrefixes.read, ...trainerPrefixes.write],
      'A trial reads and writes objects whose keys it derives at run time (run, trial and model ids); the wildcard is limited to one store prefix and to named actions');
    this.cpu = new CpuBatchQueue(this, 'CpuJobs', { vpc: this.vpc, maxvCpus: props.cpuMaxVcpus });
    this.ingest = new IngestBatchJob(this, 'Ingest', {
      jobDefinitionName: this.ingestJobDefinitionName,
      image,
      storeBucket,
      storeBucketExport: props.storeBucket,
      rawBucket: importRawBucket(this, 'RawBucket', props.rawBucket),
      rawBucketExport: props.rawBucket,
    });
  }
}
