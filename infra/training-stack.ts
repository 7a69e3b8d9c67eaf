import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { CpuBatchQueue } from './constructs/cpu-batch-queue.ts';
import { GpuTrainerBatch } from './constructs/gpu-trainer-batch.ts';
import { trainerImage } from './constructs/trainer-image.ts';

/** Props of {@link TrainingStack}. */
export interface TrainingStackProps extends StackProps {
  /** The store bucket trials read datasets from and write runs and models to. */
  readonly storeBucket: s3.IBucket;
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

/** Where trials run: a VPC, the GPU Batch queue with the trainer job definition, and a Fargate CPU queue. */
export class TrainingStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly gpu: GpuTrainerBatch;
  readonly cpu: CpuBatchQueue;

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, props);
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
    this.gpu = new GpuTrainerBatch(this, 'GpuTrainer', {
      vpc: this.vpc,
      image: trainerImage(),
      storeBucket: props.storeBucket,
      instanceTypes: props.gpuInstanceTypes,
      spot: props.spot,
      maxvCpus: props.gpuMaxVcpus,
    });
    this.cpu = new CpuBatchQueue(this, 'CpuJobs', { vpc: this.vpc, maxvCpus: props.cpuMaxVcpus });
  }
}
