import { Duration, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { TandemFunction } from './tandem-function.ts';

/** Requests per second (steady) and burst the HTTP API lets through before answering 429. */
export interface ScoringApiThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** The HTTP API stage's default throttle: about 100 requests per second, bursts of 200 (each up to 1000 rows). */
export const defaultScoringApiThrottle: ScoringApiThrottle = { rateLimit: 100, burstLimit: 200 };

/** The variable that hands the keys' secret (its ARN) to `functions/api`. */
export const apiKeysSecretVariable = 'TANDEM_API_KEYS_SECRET';

/** Props of {@link ScoringApi}. */
export interface ScoringApiProps {
  /** The function's environment (`TANDEM_STORE`, `TANDEM_PROJECT`, …); the keys' secret is added. */
  readonly environment: Record<string, string>;
  /** @default defaultScoringApiThrottle */
  readonly throttle?: ScoringApiThrottle;
  /**
   * Concurrent executions reserved for the function, which also caps it: a hard ceiling on cost and on the load the
   * store sees, whatever the door. Off by default because a reservation must leave the account 100 unreserved (new
   * accounts may have a quota of 10 in all, and the deploy would fail).
   * @default none
   */
  readonly reservedConcurrency?: number;
  /** @default 2048 (the wasm backend's speed grows with the CPU share memory buys) */
  readonly memorySize?: number;
}

/**
 * The scoring API (`functions/api`) with two doors:
 * - an API Gateway HTTP API for tools that hold an API key (`x-api-key`, checked by the app against the keys in a
 *   Secrets Manager secret this construct creates, re-read every few minutes so a rotation needs no deploy), throttled
 *   per stage (429 beyond the rate), with access logs and per-route metrics (Count, Latency, 4xx, 5xx);
 * - an IAM-only function URL for AWS callers that sign with SigV4 ({@link grantInvoke}); IAM authenticates them, so
 *   the app asks them for no key.
 */
export class ScoringApi extends Construct {
  readonly handler: TandemFunction;
  /** The keys: JSON `{"apiKeys": "key1,key2"}`, one random key generated at creation. */
  readonly apiKeys: secretsmanager.Secret;
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly functionUrl: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: ScoringApiProps) {
    super(scope, id);
    const { throttle = defaultScoringApiThrottle, reservedConcurrency } = props;
    for (const [name, value] of Object.entries({ rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit })) {
      if (!Number.isFinite(value) || value <= 0) throw new Error(`ScoringApi: throttle.${name} must be a positive number, got ${value}`);
    }
    if (reservedConcurrency !== undefined && (!Number.isInteger(reservedConcurrency) || reservedConcurrency < 1)) {
      throw new Error(`ScoringApi: reservedConcurrency must be a positive integer, got ${reservedConcurrency}`);
    }
    this.apiKeys = new secretsmanager.Secret(this, 'ApiKeys', {
      description: 'Tandem scoring API keys: {"apiKeys": "key1,key2"}; callers send one as x-api-key',
      // Letters and digits only, so the generated key never holds the comma that separates keys.
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'apiKeys', excludePunctuation: true, passwordLength: 40 },
    });
    Validations.of(this.apiKeys).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The keys are handed to external marketing tools, which must receive a new key before the old one stops working; rotation is the two-step procedure in the README (add a key beside the old, remove the old once the tools use the new), which automatic rotation would break.',
    });
    this.handler = new TandemFunction(this, 'Function', {
      entry: 'functions/api/index.ts',
      environment: { ...props.environment, [apiKeysSecretVariable]: this.apiKeys.secretArn },
      memorySize: props.memorySize ?? 2048,
      withWasmBackend: true,
      // The SDK is on the cold start's path (the champion pointer and model are read at import): bundled, it loads faster.
      bundleAwsSdk: true,
      // The keys are read over localhost from the AWS extension: no Secrets Manager client to bundle or load. Its own
      // cache is off: the function caches the keys itself (5 minutes), so a rotation is seen within that time.
      paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103, {
        cacheEnabled: false,
        secretsManagerTimeout: Duration.seconds(5),
      }),
      ...(reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: reservedConcurrency }),
    });
    this.apiKeys.grantRead(this.handler.function);

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Tandem scoring API for callers with an API key (x-api-key)',
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('Handler', this.handler.function),
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.ONE_MONTH });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      detailedMetricsEnabled: true,
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs) },
    });
    for (const route of this.httpApi.node.findAll().filter((child) => child instanceof apigwv2.HttpRoute)) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'The app authenticates every route but /healthz itself: x-api-key is compared (as SHA-256 digests) with the keys in the ApiKeys secret, and a wrong or missing key is answered 401. AWS callers that sign use the IAM-only function URL instead.',
      });
    }
    this.functionUrl = this.handler.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
  }

  /** The HTTP API's URL, for callers with an API key (e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com/`). */
  get url(): string {
    return this.stage.url;
  }

  /**
   * Lets `grantee` (a role of another service, a user) call the API through its IAM-only function URL with
   * SigV4-signed requests (`lambda:InvokeFunctionUrl` and, as function URLs now require, `lambda:InvokeFunction` via
   * the URL). Such callers need no API key.
   */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.functionUrl.grantInvokeUrl(grantee);
  }
}
