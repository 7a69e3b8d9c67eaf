import { Duration, Size, Validations } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** The job definition parameter that carries the store URL into the trainer's command (`Ref::store`). */
export const storeParameter = 'store';

/** The trainer's command: one search trial, its spec from `TANDEM_TRIAL`, its result as one JSON line. */
export const trainerCommand = ['node', '--import', 'tsx', 'bin/tandem.ts', 'trial', '--store', `Ref::${storeParameter}`, '--json'];

/** The store prefixes a trial reads (its dataset, its own checkpoint) and writes (checkpoints, metrics, models). */
export const trainerPrefixes = {
  read: ['datasets/', 'runs/', 'models/'],
  write: ['runs/', 'models/'],
} as const;

/** Props of {@link GpuTrainerBatch}. */
export interface GpuTrainerBatchProps {
  readonly vpc: ec2.IVpc;
  /** The trainer image (see `trainerImage()`). */
  readonly image: ecs.ContainerImage;
  /** The store bucket: trials read `datasets/` and write `runs/` and `models/`. */
  readonly storeBucket: s3.IBucket;
  /** GPU instance types, e.g. `['g5.xlarge', 'g4dn.xlarge']`; every one must carry a GPU. */
  readonly instanceTypes: readonly string[];
  /**
   * Spot instead of on-demand capacity.
   * @default false
   */
  readonly spot?: boolean;
  /**
   * Most vCPUs the compute environment scales to (it scales to zero when idle).
   * @default 16
   */
  readonly maxvCpus?: number;
  /**
   * vCPUs of one trial (an `xlarge` GPU instance has 4).
   * @default 4
   */
  readonly trialVcpus?: number;
  /**
   * Memory of one trial; an `xlarge` GPU instance has 16 GiB, of which ECS keeps some.
   * @default Size.gibibytes(14)
   */
  readonly trialMemory?: Size;
}

// Families with NVIDIA GPUs that the tfjs-node-gpu build (CUDA 11.2) supports.
const gpuFamilies = new Set(['g4dn', 'g5', 'g6', 'g6e', 'p3', 'p3dn', 'p4d', 'p4de', 'p5']);

/**
 * The GPU side of training: a managed EC2 Batch compute environment on GPU instances (ECS GPU-optimised AMI,
 * on-demand or spot), its job queue, and the trainer job definition requesting one GPU. Step Functions submits
 * one job per trial with the trial's spec as the `TANDEM_TRIAL` container override.
 */
export class GpuTrainerBatch extends Construct {
  readonly computeEnvironment: batch.ManagedEc2EcsComputeEnvironment;
  readonly jobQueue: batch.JobQueue;
  readonly jobDefinition: batch.EcsJobDefinition;
  /** The role the trainer container runs as. */
  readonly jobRole: iam.Role;

  constructor(scope: Construct, id: string, props: GpuTrainerBatchProps) {
    super(scope, id);
    const { spot = false, maxvCpus = 16, trialVcpus = 4, trialMemory = Size.gibibytes(14) } = props;
    if (props.instanceTypes.length === 0) throw new Error('GpuTrainerBatch: instanceTypes is empty; name at least one GPU instance type');
    for (const name of props.instanceTypes) {
      const family = name.split('.')[0] ?? '';
      if (!gpuFamilies.has(family)) {
        throw new Error(`GpuTrainerBatch: instance type "${name}" has no supported NVIDIA GPU; use one of the families ${[...gpuFamilies].join(', ')}`);
      }
    }
    if (!Number.isInteger(maxvCpus) || maxvCpus < trialVcpus) {
      throw new Error(`GpuTrainerBatch: maxvCpus must be a whole number >= trialVcpus (${trialVcpus}), got ${maxvCpus}`);
    }

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Tandem GPU trainers: outbound only (S3, ECR, Batch)',
      allowAllOutbound: true,
    });
    this.computeEnvironment = new batch.ManagedEc2EcsComputeEnvironment(this, 'ComputeEnvironment', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      instanceTypes: props.instanceTypes.map((name) => new ec2.InstanceType(name)),
      useOptimalInstanceClasses: false,
      images: [{ imageType: batch.EcsMachineImageType.ECS_AL2_NVIDIA }],
      spot,
      allocationStrategy: spot ? batch.AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED : batch.AllocationStrategy.BEST_FIT_PROGRESSIVE,
      minvCpus: 0,
      maxvCpus,
    });
    this.jobQueue = new batch.JobQueue(this, 'JobQueue', {
      computeEnvironments: [{ computeEnvironment: this.computeEnvironment, order: 1 }],
    });

    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Tandem trainer: reads datasets, writes trial checkpoints, metrics and models',
    });
    // Named actions on named prefixes rather than grantReadWrite's s3:GetObject*/s3:List* wildcards.
    this.jobRole.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: trainerPrefixes.read.map((prefix) => props.storeBucket.arnForObjects(`${prefix}*`)),
    }));
    this.jobRole.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject', 's3:DeleteObject'],
      resources: trainerPrefixes.write.map((prefix) => props.storeBucket.arnForObjects(`${prefix}*`)),
    }));
    this.jobRole.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [props.storeBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': trainerPrefixes.read.map((prefix) => `${prefix}*`) } },
    }));

    this.jobDefinition = new batch.EcsJobDefinition(this, 'JobDefinition', {
      container: new batch.EcsEc2ContainerDefinition(this, 'Trainer', {
        image: props.image,
        gpu: 1,
        cpu: trialVcpus,
        memory: trialMemory,
        command: trainerCommand,
        // No environment here: the image sets TANDEM_BACKEND=tensorflow (fail on a broken GPU install rather than train
        // slowly on wasm), and each job gets its trial as TANDEM_TRIAL from the workflow's container overrides.
        jobRole: this.jobRole,
      }),
      parameters: { [storeParameter]: `s3://${props.storeBucket.bucketName}/` },
      // Retries of spot reclaims and crashes belong to the workflow (it records them); Batch tries once.
      retryAttempts: 1,
      timeout: Duration.hours(4),
      propagateTags: true,
    });
    this.acknowledgeNagFindings();
  }

  /** cdk-nag findings that are the design, each with its reason. */
  private acknowledgeNagFindings(): void {
    Validations.of(this.computeEnvironment).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
      reason: 'The ECS container instance role AWS Batch documents for managed EC2 compute environments; it only lets the instance join its ECS cluster and pull images.',
    });
    const executionRole = this.jobDefinition.container.executionRole;
    Validations.of(executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken, which ECS needs to pull the trainer image, supports no resource-level permissions.',
    });
    Validations.of(executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/batch/job:*]',
      reason: 'AWS Batch writes each job to its own log stream in /aws/batch/job; stream names are made per job at run time.',
    });
  }
}
