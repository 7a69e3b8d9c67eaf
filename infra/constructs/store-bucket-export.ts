import { CfnOutput, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * The CloudFormation export names under which the data stack publishes a bucket. Consumers import by these fixed
 * names rather than through CDK's generated cross-stack exports, so the names (and the IAM policy resources and
 * cdk-nag findings built on them) are the same in every synth and never block a data-stack update.
 */
export interface BucketExport {
  readonly arnExportName: string;
  readonly nameExportName: string;
}

/** The export names of the store (models) bucket: datasets, runs, models and the champion pointer. */
export type StoreBucketExport = BucketExport;

/**
 * Publishes `bucket` from the stack it lives in as `<stackName>-<label>Arn` and `<stackName>-<label>Name`;
 * returns the export names.
 */
export function exportBucket(bucket: s3.IBucket, label: string): BucketExport {
  const stack = Stack.of(bucket);
  const names: BucketExport = {
    arnExportName: `${stack.stackName}-${label}Arn`,
    nameExportName: `${stack.stackName}-${label}Name`,
  };
  new CfnOutput(stack, `${label}Arn`, { value: bucket.bucketArn, exportName: names.arnExportName });
  new CfnOutput(stack, `${label}Name`, { value: bucket.bucketName, exportName: names.nameExportName });
  return names;
}

/** A bucket published with {@link exportBucket}, as seen from another stack (deploy that stack after the data stack). */
export function importBucket(scope: Construct, id: string, exported: BucketExport): s3.IBucket {
  return s3.Bucket.fromBucketAttributes(scope, id, {
    bucketArn: Fn.importValue(exported.arnExportName),
    bucketName: Fn.importValue(exported.nameExportName),
  });
}

/** Publishes `bucket` as the store bucket of the stack it lives in; returns the export names. */
export function exportStoreBucket(bucket: s3.IBucket): StoreBucketExport {
  return exportBucket(bucket, 'StoreBucket');
}

/** The store bucket as seen from another stack (deploy that stack after the data stack). */
export function importStoreBucket(scope: Construct, id: string, exported: StoreBucketExport): s3.IBucket {
  return importBucket(scope, id, exported);
}

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for object wildcards under `prefixes` of the imported store
 * bucket on `scope` (a role or function). cdk-nag names such a finding after the import's export name, which is
 * why the acknowledgment lives beside the import.
 */
export function acknowledgeStorePrefixWildcards(scope: Construct, exported: StoreBucketExport, prefixes: readonly string[], reason: string): void {
  for (const prefix of new Set(prefixes)) {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${exported.arnExportName}/${prefix}*]`,
      reason: `${reason} (prefix ${prefix})`,
    });
  }
}
