import { Duration } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { capacityTimeLimitActions } from './gpu-trainer-batch.ts';

/** Props of {@link CpuBatchQueue}. */
export interface CpuBatchQueueProps {
  readonly vpc: ec2.IVpc;
  /**
   * Where the tasks run.
   * @default { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * How long a job may wait at the head of the queue for capacity before Batch cancels it.
   * @default Duration.hours(2)
   */
  readonly capacityWait?: Duration;
  /**
   * Most vCPUs the Fargate compute environment runs at once.
   * @default 16
   */
  readonly maxvCpus?: number;
}

/**
 * A Fargate (CPU) Batch compute environment and its queue: for jobs too big for a Lambda but not worth a GPU
 * (ingestion of large inputs, trials on small data with the wasm backend).
 */
export class CpuBatchQueue extends Construct {
  readonly computeEnvironment: batch.FargateComputeEnvironment;
  readonly jobQueue: batch.JobQueue;
  /** The Fargate tasks' security group (outbound only). */
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: CpuBatchQueueProps) {
    super(scope, id);
    const { maxvCpus = 16, capacityWait = Duration.hours(2) } = props;
    if (!Number.isInteger(maxvCpus) || maxvCpus < 1) throw new Error(`CpuBatchQueue: maxvCpus must be a positive whole number, got ${maxvCpus}`);
    const securityGroup = this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Tandem CPU jobs: outbound only (S3, ECR, Batch)',
      allowAllOutbound: true,
    });
    this.computeEnvironment = new batch.FargateComputeEnvironment(this, 'ComputeEnvironment', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      maxvCpus,
    });
    this.jobQueue = new batch.JobQueue(this, 'JobQueue', {
      computeEnvironments: [{ computeEnvironment: this.computeEnvironment, order: 1 }],
      jobStateTimeLimitActions: capacityTimeLimitActions(capacityWait),
    });
  }
}
