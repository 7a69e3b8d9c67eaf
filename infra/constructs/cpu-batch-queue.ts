import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/** Props of {@link CpuBatchQueue}. */
export interface CpuBatchQueueProps {
  readonly vpc: ec2.IVpc;
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

  constructor(scope: Construct, id: string, props: CpuBatchQueueProps) {
    super(scope, id);
    const { maxvCpus = 16 } = props;
    if (!Number.isInteger(maxvCpus) || maxvCpus < 1) throw new Error(`CpuBatchQueue: maxvCpus must be a positive whole number, got ${maxvCpus}`);
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Tandem CPU jobs: outbound only (S3, ECR, Batch)',
      allowAllOutbound: true,
    });
    this.computeEnvironment = new batch.FargateComputeEnvironment(this, 'ComputeEnvironment', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
      maxvCpus,
    });
    this.jobQueue = new batch.JobQueue(this, 'JobQueue', {
      computeEnvironments: [{ computeEnvironment: this.computeEnvironment, order: 1 }],
    });
  }
}
