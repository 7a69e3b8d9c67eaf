import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { acknowledgeStorePrefixWildcards, importStoreBucket, type StoreBucketExport } from './constructs/store-bucket-export.ts';
import { TandemFunction } from './constructs/tandem-function.ts';

/** Props of {@link ApiStack}. */
export interface ApiStackProps extends StackProps {
  /** The store bucket whose `models/` (champion pointer and model folders) the API serves. */
  readonly storeBucket: StoreBucketExport;
}

/**
 * The scoring API: the Hono app of `functions/api` on Lambda (wasm backend), behind a function URL that only
 * IAM-signed requests may call. It may read `models/` of the store and nothing else.
 */
export class ApiStack extends Stack {
  readonly api: TandemFunction;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const storeBucket = importStoreBucket(this, 'StoreBucket', props.storeBucket);
    this.api = new TandemFunction(this, 'Api', {
      entry: 'functions/api/index.ts',
      environment: { TANDEM_STORE: `s3://${storeBucket.bucketName}/`, TANDEM_BACKEND: 'wasm' },
      memorySize: 2048,
      withWasmBackend: true,
    });
    // Read-only on models/: GetObject on its keys, ListBucket limited to the prefix.
    this.api.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [storeBucket.arnForObjects('models/*')],
    }));
    this.api.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [storeBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': ['models/*'] } },
    }));
    acknowledgeStorePrefixWildcards(this.api.function, props.storeBucket, ['models/'],
      'The API reads the champion pointer and the model folder it names; read-only (s3:GetObject) and limited to the prefix');
    this.url = this.api.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    new CfnOutput(this, 'ApiUrl', { value: this.url.url, description: 'Tandem API (SigV4-signed requests only)' });
  }
}
