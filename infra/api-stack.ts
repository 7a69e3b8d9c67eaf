import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { projectNamePattern } from '../src/config/project-name.ts';
import { ScoringApi, type ScoringApiThrottle } from './constructs/scoring-api.ts';
import { acknowledgeStorePrefixWildcards, importStoreBucket, type StoreBucketExport } from './constructs/store-bucket-export.ts';
import type { TandemFunction } from './constructs/tandem-function.ts';

/** Props of {@link ApiStack}. */
export interface ApiStackProps extends StackProps {
  /** The store bucket whose `champions/` (pointers) and `models/` (model folders) the API serves. */
  readonly storeBucket: StoreBucketExport;
  /**
   * The project (a config's `name`) whose champion the API serves, passed as `TANDEM_PROJECT`: projects share the
   * store, each keeps its own champion (`champions/<name>.json`).
   */
  readonly project: string;
  /** @default defaultScoringApiThrottle (100 requests/s, bursts of 200) */
  readonly throttle?: ScoringApiThrottle;
  /** Concurrent executions reserved for (and capping) the API function. @default none */
  readonly reservedConcurrency?: number;
}

/**
 * The scoring API: the Hono app of `functions/api` on Lambda (wasm backend), behind a throttled HTTP API for callers
 * with an API key (the keys in a Secrets Manager secret) and an IAM-only function URL for callers that sign (see
 * {@link ScoringApi}). It serves the champion of `project` and may read `champions/` and `models/` of the store, and
 * its keys' secret, and nothing else.
 */
export class ApiStack extends Stack {
  readonly scoring: ScoringApi;
  readonly api: TandemFunction;
  /** The HTTP API (callers with an API key): its metrics (Count, 4xx, 5xx, Latency) go on the pipeline's dashboard. */
  readonly httpApi: apigwv2.HttpApi;
  /** The IAM-only function URL (callers that sign). */
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    if (!projectNamePattern.test(props.project)) throw new Error(`ApiStack: project must be a config name (letters, digits, _, -, .), got ${JSON.stringify(props.project)}`);
    const storeBucket = importStoreBucket(this, 'StoreBucket', props.storeBucket);
    this.scoring = new ScoringApi(this, 'Api', {
      environment: { TANDEM_STORE: `s3://${storeBucket.bucketName}/`, TANDEM_BACKEND: 'wasm', TANDEM_PROJECT: props.project },
      throttle: props.throttle,
      reservedConcurrency: props.reservedConcurrency,
    });
    this.api = this.scoring.handler;
    this.httpApi = this.scoring.httpApi;
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
    this.url = this.scoring.functionUrl;
    new CfnOutput(this, 'ApiUrl', { value: this.scoring.url, description: 'Tandem API for callers with an API key (x-api-key header)' });
    new CfnOutput(this, 'ApiSignedUrl', { value: this.url.url, description: 'Tandem API for AWS callers that sign (SigV4, service lambda; see grantInvoke)' });
    new CfnOutput(this, 'ApiKeysSecretName', { value: this.scoring.apiKeys.secretName, description: 'Secrets Manager secret holding the API keys ({"apiKeys": "key1,key2"})' });
  }

  /** Lets `grantee` call the API with SigV4-signed requests through its function URL (no API key needed). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.scoring.grantInvoke(grantee);
  }
}
