import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { checkpointObjectTag } from '../../src/store/blob-store.ts';

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
   * Days after which a trial checkpoint in the store (`runs/<runId>/trials/<trialId>/checkpoint/…`, tagged
   * `tandem-kind=checkpoint` by the store) expires. A checkpoint only serves to resume or promote its trial; an
   * expired one leaves the trial's metrics and models in place. The expired version then goes with the noncurrent ones.
   * @default 14
   */
  readonly checkpointExpiryDays?: number;
  /**
   * Bucket for the server access logs of the data buckets.
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
  models: 'TandemModelsBucket',
  accessLogs: 'TandemAccessLogsBucket',
} as const;

/**
 * The Tandem buckets: `raw` (uploads of customer tables and event logs) and `models`, the store (prepared datasets,
 * runs, models and champion pointers under the prefixes of SPEC §8). Each is encrypted, versioned, private, SSL-only
 * and retained on stack deletion. (Earlier versions made a separate datasets bucket that nothing used: a stack
 * updated from one of them leaves it in place, retained, and no longer manages it.)
 */
export class TandemBuckets extends Construct {
  /** Raw uploads: tables and event logs as delivered. */
  readonly raw: s3.Bucket;
  /** The store: prepared datasets, search runs, trained models and champion pointers; the API serves from it. */
  readonly models: s3.Bucket;
  /** Server access logs of the data buckets. */
  readonly accessLogs: s3.IBucket;

  constructor(scope: Construct, id: string, props: TandemBucketsProps = {}) {
    super(scope, id);
    const { rawInfrequentAccessDays = 30, noncurrentVersionExpirationDays = 90, checkpointExpiryDays = 14 } = props;
    requirePositiveWholeDays('rawInfrequentAccessDays', rawInfrequentAccessDays, 30);
    requirePositiveWholeDays('noncurrentVersionExpirationDays', noncurrentVersionExpirationDays, 1);
    requirePositiveWholeDays('checkpointExpiryDays', checkpointExpiryDays, 1);

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
    this.models = this.createBucket('Models', bucketLogicalIds.models, 'models/', [
      noncurrentExpiry,
      {
        // By tag, not prefix: checkpoints sit inside each run's folder (SPEC §8) beside the files that must stay.
        id: 'expire-trial-checkpoints',
        tagFilters: { [checkpointObjectTag.key]: checkpointObjectTag.value },
        expiration: Duration.days(checkpointExpiryDays),
      },
    ]);
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

