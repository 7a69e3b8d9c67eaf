import { Duration, type Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantRawBucketRead, type RawBucketExport } from './raw-bucket-export.ts';
import { acknowledgeStorePrefixWildcards, type StoreBucketExport } from './store-bucket-export.ts';
import { TandemFunction } from './tandem-function.ts';

/** What one workflow step may do in the store: the prefixes it reads and those it writes. */
export interface StoreAccess {
  readonly read: readonly string[];
  readonly write: readonly string[];
}

/** The workflow's Lambda steps, as `functions/<name>/index.ts` names them. */
export const workflowStepNames = ['ingest', 'plan', 'promote-rung', 'select', 'promote', 'notify'] as const;

/** A workflow step's name. */
export type WorkflowStepName = (typeof workflowStepNames)[number];

/**
 * Store prefixes per step (least privilege): ingest writes the dataset; plan opens the run (the dataset's tasks come
 * in its event, so it reads nothing); promote-rung and select keep the run's state, and select (with
 * `search.ensembleTopK`) averages the best trials' models on the dataset's splits and saves the ensemble; promote compares the challenger
 * with its project's champion (`champions/`, or an older store's `models/champion.json`) and moves that pointer;
 * notify only logs. test/workflows/store-access.test.ts runs the steps and
 * checks that each one uses exactly these prefixes.
 */
export const workflowStoreAccess: Readonly<Record<WorkflowStepName, StoreAccess>> = {
  ingest: { read: ['datasets/'], write: ['datasets/'] },
  plan: { read: [], write: ['runs/'] },
  'promote-rung': { read: ['runs/'], write: ['runs/'] },
  select: { read: ['runs/', 'models/', 'datasets/'], write: ['runs/', 'models/'] },
  promote: { read: ['datasets/', 'runs/', 'models/', 'champions/'], write: ['champions/'] },
  notify: { read: [], write: [] },
};

/** The steps that may run for minutes over a whole dataset: ingestion, the ensemble of select, promote's evaluation. */
const heavySteps: readonly WorkflowStepName[] = ['ingest', 'select', 'promote'];

/** The steps that read the raw bucket (read-only): ingestion, which measures and reads the config's `s3://` data. */
export const workflowRawBucketReaders: readonly WorkflowStepName[] = ['ingest'];

/** Props of {@link WorkflowFunctions}. */
export interface WorkflowFunctionsProps {
  readonly storeBucket: s3.IBucket;
  /** The export the store bucket was imported from (cdk-nag names its findings after it). */
  readonly storeBucketExport: StoreBucketExport;
  /** The raw bucket (customer tables and event logs), read by {@link workflowRawBucketReaders} only. */
  readonly rawBucket: s3.IBucket;
  /** The export the raw bucket was imported from (cdk-nag names its findings after it). */
  readonly rawBucketExport: RawBucketExport;
  /**
   * The ingest function's /tmp (it stages `s3://` inputs there).
   * @default Size.mebibytes(512)
   */
  readonly ingestEphemeralStorage?: Size;
}

/**
 * The Lambda functions of the workflow's steps, each granted only the store prefixes of {@link workflowStoreAccess};
 * the steps of {@link workflowRawBucketReaders} may also read the raw bucket.
 */
export class WorkflowFunctions extends Construct {
  readonly functions: Readonly<Record<WorkflowStepName, TandemFunction>>;

  constructor(scope: Construct, id: string, props: WorkflowFunctionsProps) {
    super(scope, id);
    const store = props.storeBucket;
    const make = (name: WorkflowStepName): TandemFunction => {
      const step = new TandemFunction(this, name, {
        entry: `functions/${name}/index.ts`,
        environment: { TANDEM_STORE: `s3://${store.bucketName}/`, TANDEM_BACKEND: 'wasm' },
        timeout: heavySteps.includes(name) ? Duration.minutes(15) : Duration.minutes(1),
        memorySize: heavySteps.includes(name) ? 3008 : 1024,
        // promote and select run models (the challenger's and champion's evaluation; an ensemble of trials).
        withWasmBackend: name === 'promote' || name === 'select',
        // Ingestion reads raw tables and event logs with DuckDB.
        withDuckDb: name === 'ingest',
        ...(name === 'ingest' && props.ingestEphemeralStorage !== undefined ? { ephemeralStorageSize: props.ingestEphemeralStorage } : {}),
      });
      const access = workflowStoreAccess[name];
      if (access.read.length > 0) {
        step.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: access.read.map((prefix) => store.arnForObjects(`${prefix}*`)) }));
        step.function.addToRolePolicy(new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [store.bucketArn],
          conditions: { StringLike: { 's3:prefix': access.read.map((prefix) => `${prefix}*`) } },
        }));
      }
      if (access.write.length > 0) {
        step.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: access.write.map((prefix) => store.arnForObjects(`${prefix}*`)) }));
      }
      acknowledgeStorePrefixWildcards(step.function, props.storeBucketExport, [...access.read, ...access.write],
        `The ${name} step reads and writes objects whose keys it derives at run time (dataset, run and model ids); the wildcard is limited to one store prefix and to named actions`);
      if (workflowRawBucketReaders.includes(name)) {
        grantRawBucketRead(step.function, props.rawBucket, props.rawBucketExport,
          `The ${name} step reads the raw tables and event logs the run's config names, wherever in the raw bucket they are; read-only (s3:GetObject, s3:ListBucket)`);
      }
      return step;
    };
    this.functions = Object.fromEntries(workflowStepNames.map((name) => [name, make(name)])) as Record<WorkflowStepName, TandemFunction>;
  }
}
