import { Duration, Size, Validations } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { fargateStoreJobDefinition } from './fargate-store-job.ts';
import { storeParameter } from './gpu-trainer-batch.ts';
import { acknowledgeStorePrefixWildcards, type StoreBucketExport } from './store-bucket-export.ts';

/** The scoring job's command: one part of a customer base (`TANDEM_SCORE_PART`) scored into the store's `scores/`. */
export const scoringJobCommand = ['node', '--import', 'tsx', 'containers/trainer/score-entrypoint.ts', '--store', `Ref::${storeParameter}`];

/** The store prefixes a scoring job reads (the pinned model) and writes (the scores, and nothing else). */
export const scoringJobStorePrefixes = { read: ['models/'], write: ['scores/'] } as const;

/** The bucket name that stands for the deployment's raw bucket in a scheduled config (`s3://RAW_BUCKET/<key>`). */
const rawBucketPlaceholder = 'RAW_BUCKET';

/**
 * Lets `grantee` read the customer base `input` (`scoring.input`, an `s3://bucket/prefix`) and nothing else of its
 * bucket: s3:GetObject on the prefix's objects and s3:ListBucket limited to the prefix. `s3://RAW_BUCKET/...` names
 * the deployment's raw bucket. A local path (a config never deployed) grants nothing.
 */
export function grantScoringInputRead(grantee: iam.IGrantable & IConstruct, input: string | undefined, rawBucket: s3.IBucket, reason: string): void {
  const match = input === undefined ? null : /^s3:\/\/([^/]+)\/?(.*)$/.exec(input);
  if (match === null) return;
  const [, bucketName = '', prefix = ''] = match;
  const bucketArn = bucketName === rawBucketPlaceholder ? rawBucket.bucketArn : `arn:aws:s3:::${bucketName}`;
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`${bucketArn}/${prefix}*`] }));
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucketArn], conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } }));
  Validations.of(grantee).acknowledge({ id: 'AwsSolutions-IAM5', reason });
}

/** Props of {@link ScoringBatchJob}. */
export interface ScoringBatchJobProps {
  /** The trainer image's cpu target (see `trainerImage('cpu')`): it carries `src/` and the scoring entrypoint. */
  readonly image: ecs.ContainerImage;
  readonly storeBucket: s3.IBucket;
  /** The export the store bucket was imported from (cdk-nag names its findings after it). */
  readonly storeBucketExport: StoreBucketExport;
  /** The raw bucket (`s3://RAW_BUCKET/...` in `scoringInput` names it). */
  readonly rawBucket: s3.IBucket;
  /** The scheduled config's `scoring.input`: the only input the job may read. @default - no input grant */
  readonly scoringInput?: string;
  /** A fixed job definition name, so the workflow submits by name (the latest revision). @default - generated */
  readonly jobDefinitionName?: string;
  /** vCPUs of the job. @default 2 */
  readonly vcpus?: number;
  /** Memory of the job: scoring streams in chunks, so it need not grow with the part. @default Size.gibibytes(8) */
  readonly memory?: Size;
  /** The task's disk: the staged input object and its Parquet scores (21 to 200 GiB). @default Size.gibibytes(100) */
  readonly ephemeralStorage?: Size;
  /** Wall-clock limit of one part. @default Duration.hours(2) */
  readonly timeout?: Duration;
}

/**
 * Scoring one part of a customer base as a Fargate (CPU) Batch job: the trainer image's cpu target running
 * `containers/trainer/score-entrypoint.ts`. Its role reads the store's `models/` and the configured scoring input
 * prefix, and writes the store's `scores/` only.
 */
export class ScoringBatchJob extends Construct {
  readonly jobDefinition: batch.EcsJobDefinition;
  /** The role the scoring container runs as. */
  readonly jobRole: iam.Role;

  constructor(scope: Construct, id: string, props: ScoringBatchJobProps) {
    super(scope, id);
    const { vcpus = 2, memory = Size.gibibytes(8), ephemeralStorage = Size.gibibytes(100), timeout = Duration.hours(2) } = props;
    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Tandem scoring job: reads the store\'s models/ and the scoring input, writes the store\'s scores/',
    });
    const { read, write } = scoringJobStorePrefixes;
    this.jobRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: read.map((prefix) => props.storeBucket.arnForObjects(`${prefix}*`)) }));
    // A part's scores are streamed up as a multipart upload (S3Store.putStream), which a failed part aborts.
    this.jobRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: write.map((prefix) => props.storeBucket.arnForObjects(`${prefix}*`)) }));
    acknowledgeStorePrefixWildcards(this.jobRole, props.storeBucketExport, [...read, ...write],
      'A scoring job reads the model and writes the part files whose keys derive from the model id, day and part at run time; the wildcard is limited to one store prefix and to named actions');
    grantScoringInputRead(this.jobRole, props.scoringInput, props.rawBucket,
      'A scoring job reads the input object of its part, which the rescoring lists at run time under the configured scoring.input prefix; read-only and limited to that prefix');

    this.jobDefinition = fargateStoreJobDefinition(this, {
      kind: 'ScoringBatchJob',
      containerId: 'Score',
      image: props.image,
      command: scoringJobCommand,
      jobRole: this.jobRole,
      storeBucket: props.storeBucket,
      vcpus,
      memory,
      ephemeralStorage,
      timeout,
      jobDefinitionName: props.jobDefinitionName,
      environment: { TANDEM_BACKEND: 'wasm' },
    });
  }
}
