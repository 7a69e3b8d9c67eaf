import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { grantRawBucketRead, type RawBucketExport } from './raw-bucket-export.ts';
import { acknowledgeStorePrefixWildcards, type StoreBucketExport } from './store-bucket-export.ts';

/** The store prefixes the Athena query writes: the feature table's Parquet and the query's own result files. */
export const athenaStorePrefixes = ['datasets/athena-tables/', 'datasets/athena-results/'] as const;

/** Props of {@link grantAthenaIngest}. */
export interface AthenaIngestGrantProps {
  /** The Athena workgroup the config's `data.athena.workgroup` names. */
  readonly workgroup: string;
  /** The Glue database of the raw tables, where the feature tables are created too (`data.athena.database`). */
  readonly database: string;
  readonly storeBucket: s3.IBucket;
  readonly storeBucketExport: StoreBucketExport;
  readonly rawBucket: s3.IBucket;
  readonly rawBucketExport: RawBucketExport;
}

/**
 * Lets the workflow's role run the Athena ingest branch (an Athena query runs with its caller's permissions): the
 * query and its polling in one workgroup; Glue reads of one database's tables and the creation of the feature table
 * in it; S3 reads of the raw bucket (the tables' files) and writes under the store's two Athena prefixes only.
 */
export function grantAthenaIngest(stateMachine: sfn.StateMachine, props: AthenaIngestGrantProps): void {
  const stack = Stack.of(stateMachine);
  stateMachine.addToRolePolicy(new iam.PolicyStatement({
    actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution'],
    resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workgroup })],
  }));
  const tables = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${props.database}/*` });
  stateMachine.addToRolePolicy(new iam.PolicyStatement({
    actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions', 'glue:CreateTable'],
    resources: [stack.formatArn({ service: 'glue', resource: 'catalog' }), stack.formatArn({ service: 'glue', resource: 'database', resourceName: props.database }), tables],
  }));
  Validations.of(stateMachine).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/${props.database}/*]`,
    reason: 'The Athena ingest query reads the raw log tables and creates one feature table per execution (named at run time), all in this one Glue database.',
  });
  stateMachine.addToRolePolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
    resources: athenaStorePrefixes.map((prefix) => props.storeBucket.arnForObjects(`${prefix}*`)),
  }));
  stateMachine.addToRolePolicy(new iam.PolicyStatement({
    actions: ['s3:ListBucket', 's3:GetBucketLocation'],
    resources: [props.storeBucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': athenaStorePrefixes.map((prefix) => `${prefix}*`) } },
  }));
  acknowledgeStorePrefixWildcards(stateMachine, props.storeBucketExport, [...athenaStorePrefixes],
    'Athena writes the feature table of each execution and its query results under keys it names at run time; the wildcard is limited to these store prefixes and to named actions');
  grantRawBucketRead(stateMachine, props.rawBucket, props.rawBucketExport,
    'Athena reads the files of the raw log tables with the workflow role\'s permissions, wherever the tables\' locations are in the raw bucket; read-only (s3:GetObject, s3:ListBucket)');
}
