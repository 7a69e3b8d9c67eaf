import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Props of {@link TandemBuckets}. */
export interface TandemBucketsProps {
  /**
   * Days after which a raw upload moves to infrequent access (raw files are read once, at ingestion).
   * @default 30
   */
  readonly rawInfrequentAccessDays?: number;
  /**
   * Days after which an overwritten or deleted object version is removed.
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Bucket for the server access logs of the three data buckets.
   * @default - a new log bucket, retained like the others
   */
  readonly accessLogsBucket?: s3.IBucket;
}

/**
 * Logical IDs of the stateful buckets. They are pinned so that refactoring the construct tree never replaces
 * (and so empties) a bucket on the next deploy.
 */
export const bucketLogicalIds = {
  raw: 'TandemRawBucket',
  datasets: 'TandemDatasetsBucket',
  models: 'TandemModelsBucket',
  accessLogs: 'TandemAccessLogsBucket',
} as const;

/**
 * The three Tandem buckets: `raw` (uploads of customer tables and event logs), `datasets` (prepared splits)
 * and `models` (runs, trials, champion pointer). Each is encrypted, versioned, private, SSL-only and retained
 * on stack deletion.
 */
export class TandemBuckets extends Construct {
  /** Raw uploads: tables and event logs as delivered. */
  readonly raw: s3.Bucket;
  /** Prepared datasets (train/validation/test splits, manifests). */
  readonly datasets: s3.Bucket;
  /** Search runs, trained models and the champion pointer: the store the API serves from. */
  readonly models: s3.Bucket;
  /** Server access logs of the three data buckets. */
  readonly accessLogs: s3.IBucket;

  constructor(scope: Construct, id: string, props: TandemBucketsProps = {}) {
    super(scope, id);
    const { rawInfrequentAccessDays = 30, noncurrentVersionExpirationDays = 90 } = props;
    requirePositiveWholeDays('rawInfrequentAccessDays', rawInfrequentAccessDays, 30);
    requirePositiveWholeDays('noncurrentVersionExpirationDays', noncurrentVersionExpirationDays, 1);

    this.accessLogs = props.accessLogsBucket ?? this.createAccessLogsBucket(noncurrentVersionExpirationDays);
    const noncurrentExpiry: s3.LifecycleRule = {
      id: 'expire-noncurrent-versions',
      noncurrentVersionExpiration: Duration.days(noncurrentVersionExpirationDays),
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    };
    this.raw = this.createBucket('Raw', bucketLogicalIds.raw, 'raw/', [
      noncurrentExpiry,
      {
        id: 'raw-to-infrequent-access',
        transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(rawInfrequentAccessDays) }],
      },
    ]);
    this.datasets = this.createBucket('Datasets', bucketLogicalIds.datasets, 'datasets/', [noncurrentExpiry]);
    this.models = this.createBucket('Models', bucketLogicalIds.models, 'models/', [noncurrentExpiry]);
  }

  private createBucket(id: string, logicalId: string, logPrefix: string, lifecycleRules: s3.LifecycleRule[]): s3.Bucket {
    const bucket = new s3.Bucket(this, id, {
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: logPrefix,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (bucket.node.defaultChild as s3.CfnBucket).overrideLogicalId(logicalId);
    return bucket;
  }

  private createAccessLogsBucket(noncurrentVersionExpirationDays: number): s3.Bucket {
    const bucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(noncurrentVersionExpirationDays) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (bucket.node.defaultChild as s3.CfnBucket).overrideLogicalId(bucketLogicalIds.accessLogs);
    return bucket;
  }
}

function requirePositiveWholeDays(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`TandemBuckets: ${name} must be a whole number of days >= ${minimum}, got ${String(value)}`);
  }
}

/** The `s3://bucket/` store URL of a bucket, as the CLI, functions and trainer read `TANDEM_STORE`. */
export function storeUrlOf(bucket: s3.IBucket): string {
  return `s3://${bucket.bucketName}/`;
}

