import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { exportBucket, importBucket, type BucketExport } from './store-bucket-export.ts';

/** The export names of the raw bucket: the customer tables and event logs a config's `s3://` data paths name. */
export type RawBucketExport = BucketExport;

/** The label of the raw bucket's exports: `<dataStackName>-RawBucketArn` and `-RawBucketName`. */
export const rawBucketExportLabel = 'RawBucket';

/** Publishes `bucket` as the raw bucket of the stack it lives in; returns the export names. */
export function exportRawBucket(bucket: s3.IBucket): RawBucketExport {
  return exportBucket(bucket, rawBucketExportLabel);
}

/** The raw bucket as seen from another stack (deploy that stack after the data stack). */
export function importRawBucket(scope: IConstruct, id: string, exported: RawBucketExport): s3.IBucket {
  return importBucket(scope, id, exported);
}

/**
 * Lets `grantee` (a function or role) read the raw bucket and nothing more: s3:GetObject on its objects and
 * s3:ListBucket on the bucket (so a missing object reads as 404, not 403). Ingestion reads raw uploads wherever the
 * config puts them in the bucket, so the object wildcard is the design; its cdk-nag finding is acknowledged here
 * with `reason`.
 */
export function grantRawBucketRead(grantee: iam.IGrantable & IConstruct, bucket: s3.IBucket, exported: RawBucketExport, reason: string): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] }));
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  Validations.of(grantee).acknowledge({ id: `AwsSolutions-IAM5[Resource::${exported.arnExportName}/*]`, reason });
}
