import { Duration, Size } from 'aws-cdk-lib';
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
    props.storeBucket.grantRead(this.jobRole, 'datasets/*');
    props.storeBucket.grantReadWrite(this.jobRole, 'runs/*');
    props.storeBucket.grantReadWrite(this.jobRole, 'models/*');

    this.jobDefinition = new batch.EcsJobDefinition(this, 'JobDefinition', {
      container: new batch.EcsEc2ContainerDefinition(this, 'Trainer', {
        image: props.image,
        gpu: 1,
        cpu: trialVcpus,
        memory: trialMemory,
        command: trainerCommand,
        // Fail on a broken GPU install rather than train slowly on the wasm fallback of an expensive instance.
        environment: { TANDEM_BACKEND: 'tensorflow' },
        jobRole: this.jobRole,
      }),
      parameters: { [storeParameter]: `s3://${props.storeBucket.bucketName}/` },
      // Retries of spot reclaims and crashes belong to the workflow (it records them); Batch tries once.
      retryAttempts: 1,
      timeout: Duration.hours(4),
      propagateTags: true,
    });
  }
}
