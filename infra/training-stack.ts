import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { CpuBatchQueue } from './constructs/cpu-batch-queue.ts';
import { GpuTrainerBatch, trainerPrefixes } from './constructs/gpu-trainer-batch.ts';
import { IngestBatchJob } from './constructs/ingest-batch-job.ts';
import { ScoringBatchJob } from './constructs/scoring-batch-job.ts';
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
   * With `spot`, an on-demand GPU compute environment behind the spot one.
   * @default false
   */
  readonly onDemandFallback?: boolean;
  /**
   * A NAT gateway for the jobs' subnets. Without one the subnets are isolated and reach S3 through a gateway endpoint
   * and ECR, ECS and CloudWatch Logs through interface endpoints.
   * @default false
   */
  readonly natGateway?: boolean;
  /**
   * Minutes a Batch job may wait at the head of its queue for capacity before Batch cancels it.
   * @default 120
   */
  readonly capacityWaitMinutes?: number;
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
  /** The scheduled config's `scoring.input`: the one customer base the scoring job may read. @default - none */
  readonly scoringInput?: string;
}

/**
 * The interface endpoints jobs in isolated subnets need: ECR (the image), ECS (the GPU instances' agent registers,
 * reports and gets task credentials) and CloudWatch Logs (the job logs). S3 (data and image layers) is the gateway.
 */
export const jobInterfaceEndpoints: Readonly<Record<string, ec2.InterfaceVpcEndpointAwsService>> = {
  EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
  EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
  Ecs: ec2.InterfaceVpcEndpointAwsService.ECS,
  EcsAgent: ec2.InterfaceVpcEndpointAwsService.ECS_AGENT,
  EcsTelemetry: ec2.InterfaceVpcEndpointAwsService.ECS_TELEMETRY,
  Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
};

/**
 * Where trials and large ingestions run: a VPC, the GPU Batch queue with the trainer job definition, and a Fargate
 * CPU queue with the ingest job definition (the same image).
 */
export class TrainingStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly gpu: GpuTrainerBatch;
  readonly cpu: CpuBatchQueue;
  readonly ingest: IngestBatchJob;
  /** Scoring one part of a customer base (CPU queue), after a promotion or on the rescoring schedule. */
  readonly scoring: ScoringBatchJob;
  /** The scoring job definition's fixed name (CPU queue), submitted by name. */
  readonly scoringJobDefinitionName: string;
  /** The trainer job definition's fixed name: submit by name and Batch runs its latest revision. */
  readonly trainerJobDefinitionName: string;
  /** The ingest job definition's fixed name (CPU queue), submitted by name like the trainer's. */
  readonly ingestJobDefinitionName: string;

  constructor(scope: Construct, id: string, props: TrainingStackProps) {
    super(scope, id, props);
    const storeBucket = importStoreBucket(this, 'StoreBucket', props.storeBucket);
    const natGateway = props.natGateway ?? false;
    const capacityWaitMinutes = props.capacityWaitMinutes ?? 120;
    if (!Number.isInteger(capacityWaitMinutes) || capacityWaitMinutes < 10 || capacityWaitMinutes > 1440) {
      throw new Error(`TrainingStack: capacityWaitMinutes must be a whole number from 10 to 1440 (Batch's limits), got ${capacityWaitMinutes}`);
    }
    const capacityWait = Duration.minutes(capacityWaitMinutes);
    // Jobs only pull their image and talk to AWS APIs: with the endpoints below they need no internet route at all.
    const jobSubnetType = natGateway ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED;
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: natGateway ? 1 : 0,
      subnetConfiguration: [
        ...(natGateway ? [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] : []),
        { name: 'jobs', subnetType: jobSubnetType },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });
    const vpcSubnets: ec2.SubnetSelection = { subnetType: jobSubnetType };
    this.trainerJobDefinitionName = `${this.stackName}-trainer`;
    this.ingestJobDefinitionName = `${this.stackName}-ingest`;
    this.scoringJobDefinitionName = `${this.stackName}-score`;
    const image = trainerImage();
    this.gpu = new GpuTrainerBatch(this, 'GpuTrainer', {
      jobDefinitionName: this.trainerJobDefinitionName,
      vpc: this.vpc,
      vpcSubnets,
      image,
      storeBucket,
      instanceTypes: props.gpuInstanceTypes,
      spot: props.spot,
      onDemandFallback: props.onDemandFallback,
      capacityWait,
      maxvCpus: props.gpuMaxVcpus,
    });
    acknowledgeStorePrefixWildcards(this.gpu.jobRole, props.storeBucket, [...trainerPrefixes.read, ...trainerPrefixes.write],
      'A trial reads and writes objects whose keys it derives at run time (run, trial and model ids); the wildcard is limited to one store prefix and to named actions');
    this.cpu = new CpuBatchQueue(this, 'CpuJobs', { vpc: this.vpc, vpcSubnets, maxvCpus: props.cpuMaxVcpus, capacityWait });
    if (!natGateway) {
      for (const [id, service] of Object.entries(jobInterfaceEndpoints)) {
        // Reachable on 443 from the job security groups only, not from the whole VPC.
        const endpoint = this.vpc.addInterfaceEndpoint(id, { service, subnets: vpcSubnets, open: false });
        for (const jobs of [this.gpu.securityGroup, this.cpu.securityGroup]) endpoint.connections.allowDefaultPortFrom(jobs, 'Tandem jobs reach AWS APIs');
      }
    }
    const rawBucket = importRawBucket(this, 'RawBucket', props.rawBucket);
    const cpuImage = trainerImage('cpu');
    this.ingest = new IngestBatchJob(this, 'Ingest', {
      jobDefinitionName: this.ingestJobDefinitionName,
      image: cpuImage,
      storeBucket,
      storeBucketExport: props.storeBucket,
      rawBucket,
      rawBucketExport: props.rawBucket,
    });
    this.scoring = new ScoringBatchJob(this, 'Scoring', {
      jobDefinitionName: this.scoringJobDefinitionName,
      image: cpuImage,
      storeBucket,
      storeBucketExport: props.storeBucket,
      rawBucket,
      ...(props.scoringInput === undefined ? {} : { scoringInput: props.scoringInput }),
    });
  }
}
