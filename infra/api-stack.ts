import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { projectNamePattern } from '../src/config/project-name.ts';
import { acknowledgeStorePrefixWildcards, importStoreBucket, type StoreBucketExport } from './constructs/store-bucket-export.ts';
import { TandemFunction } from './constructs/tandem-function.ts';

/** Props of {@link ApiStack}. */
export interface ApiStackProps extends StackProps {
  /** The store bucket whose `champions/` (pointers) and `models/` (model folders) the API serves. */
  readonly storeBucket: StoreBucketExport;
  /**
   * The project (a config's `name`) whose champion the API serves, passed as `TANDEM_PROJECT`: projects share the
   * store, each keeps its own champion (`champions/<name>.json`).
   */
  readonly project: string;
}

/**
 * The scoring API: the Hono app of `functions/api` on Lambda (wasm backend), behind a function URL that only
 * IAM-signed requests may call. It serves the champion of `project` and may read `champions/` and `models/` of the
 * store and nothing else.
 */
export class ApiStack extends Stack {
  readonly api: TandemFunction;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    if (!projectNamePattern.test(props.project)) throw new Error(`ApiStack: project must be a config name (letters, digits, _, -, .), got ${JSON.stringify(props.project)}`);
    const storeBucket = importStoreBucket(this, 'StoreBucket', props.storeBucket);
    this.api = new TandemFunction(this, 'Api', {
      entry: 'functions/api/index.ts',
      environment: { TANDEM_STORE: `s3://${storeBucket.bucketName}/`, TANDEM_BACKEND: 'wasm', TANDEM_PROJECT: props.project },
      memorySize: 2048,
      withWasmBackend: true,
      // The SDK is on the cold start's path (the champion pointer and model are read at import): bundled, it loads faster.
      bundleAwsSdk: true,
    });
    // Read-only on champions/ (the pointer; an older store's pointer is models/champion.json) and models/: GetObject
    // on their keys, ListBucket limited to the prefixes (so a missing pointer reads as missing, not as denied).
    const prefixes = ['champions/', 'models/'];
    this.api.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: prefixes.map((prefix) => storeBucket.arnForObjects(`${prefix}*`)),
    }));
    this.api.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [storeBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}*`) } },
    }));
    acknowledgeStorePrefixWildcards(this.api.function, props.storeBucket, prefixes,
      'The API reads its project\'s champion pointer and the model folder it names; read-only (s3:GetObject) and limited to the prefix');
    this.url = this.api.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    new CfnOutput(this, 'ApiUrl', { value: this.url.url, description: 'Tandem API (SigV4-signed requests only)' });
  }
}
