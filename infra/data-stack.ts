import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { exportRawBucket, type RawBucketExport } from './constructs/raw-bucket-export.ts';
import { exportStoreBucket, type StoreBucketExport } from './constructs/store-bucket-export.ts';
import { TandemBuckets } from './constructs/tandem-buckets.ts';

/** Props of {@link DataStack}. */
export interface DataStackProps extends StackProps {
  /**
   * Days after which raw uploads move to infrequent access.
   * @default 30
   */
  readonly rawInfrequentAccessDays?: number;
  /**
   * Days after which noncurrent object versions expire.
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Days after which trial checkpoints (objects tagged `tandem-kind=checkpoint`) in the store expire.
   * @default 14
   */
  readonly checkpointExpiryDays?: number;
}

/** The stateful part of Tandem: the raw and models (store) buckets, retained when the stack is deleted. */
export class DataStack extends Stack {
  /** The buckets; other stacks take them as props and grant themselves what they use. */
  readonly buckets: TandemBuckets;
  /** Export names of the store (models) bucket, for the training, api and pipeline stacks. */
  readonly storeBucketExport: StoreBucketExport;
  /** Export names of the raw bucket, which ingestion (Lambda or CPU Batch job) reads and nothing else does. */
  readonly rawBucketExport: RawBucketExport;

  constructor(scope: Construct, id: string, props: DataStackProps = {}) {
    super(scope, id, props);
    this.buckets = new TandemBuckets(this, 'Buckets', {
      rawInfrequentAccessDays: props.rawInfrequentAccessDays,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays,
      checkpointExpiryDays: props.checkpointExpiryDays,
    });
    this.storeBucketExport = exportStoreBucket(this.buckets.models);
    this.rawBucketExport = exportRawBucket(this.buckets.raw);
  }
}
