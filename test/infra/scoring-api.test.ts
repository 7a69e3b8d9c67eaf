import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ApiStack, type ApiStackProps } from '../../infra/api-stack.ts';
import { apiKeysSecretVariable, defaultScoringApiThrottle } from '../../infra/constructs/scoring-api.ts';

const storeBucket = { arnExportName: 'test-arn', nameExportName: 'test-name' };

let defaultTemplate: Template | undefined;

/** A fresh API stack (bundling skipped) and its template; the default one is synthesized once. */
function synthApiStack(props: Partial<ApiStackProps> = {}): { template: Template } {
  const isDefault = Object.keys(props).length === 0;
  if (isDefault && defaultTemplate !== undefined) return { template: defaultTemplate };
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(new ApiStack(app, 'Api', { storeBucket, project: 'fixture', ...props }));
  if (isDefault) defaultTemplate = template;
  return { template };
}

interface Statement { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown }

describe('ScoringApi (the API stack\'s doors, keys and throttle)', () => {
  it('keeps the API keys in a generated secret and hands its ARN, and the secrets extension, to the function', () => {
    const { template } = synthApiStack();
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { SecretStringTemplate: '{}', GenerateStringKey: 'apiKeys', ExcludePunctuation: true, PasswordLength: 40 },
    });
    const secretId = Object.keys(template.findResources('AWS::SecretsManager::Secret'))[0] as string;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({
        [apiKeysSecretVariable]: { Ref: secretId },
        // The AWS Parameters and Secrets extension, its cache off (the function caches the keys for 5 minutes).
        PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false',
      }) },
      Layers: [Match.anyValue()],
    });
  });

  it('puts a throttled HTTP API with access logs and per-route metrics in front of the function', () => {
    const { template } = synthApiStack();
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'NONE' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: defaultScoringApiThrottle.rateLimit,
        ThrottlingBurstLimit: defaultScoringApiThrottle.burstLimit,
        DetailedMetricsEnabled: true,
      },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
    // API Gateway may invoke the function from this API only.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: Match.anyValue(),
    });
    // Reserved concurrency is opt-in: a reservation can fail the deploy on an account with a small quota.
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as { Properties: Record<string, unknown> };
    assert.equal(fn.Properties.ReservedConcurrentExecutions, undefined);
  });

  it('takes the throttle and a reserved concurrency from its props, and refuses nonsense quoting it', () => {
    const { template } = synthApiStack({ throttle: { rateLimit: 20, burstLimit: 40 }, reservedConcurrency: 10 });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }) });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 10 });
    assert.throws(() => synthApiStack({ reservedConcurrency: 0 }), /reservedConcurrency must be a positive integer, got 0/);
    assert.throws(() => synthApiStack({ throttle: { rateLimit: -1, burstLimit: 5 } }), /throttle.rateLimit must be a positive number, got -1/);
  });

  it('outputs the key callers\' URL, the signers\' URL and the secret\'s name', () => {
    const { template } = synthApiStack();
    const outputs = template.findOutputs('*');
    assert.deepEqual(Object.keys(outputs).sort(), ['ApiKeysSecretName', 'ApiSignedUrl', 'ApiUrl']);
    assert.match(JSON.stringify(outputs.ApiUrl?.Value), /execute-api/);
    assert.match(JSON.stringify(outputs.ApiSignedUrl?.Value), /FunctionUrl/);
    assert.match(JSON.stringify(outputs.ApiKeysSecretName?.Value), /ApiApiKeys/);
  });

  it('grantInvoke lets a signing caller invoke through the IAM function URL only', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const api = new ApiStack(app, 'Api', { storeBucket, project: 'fixture' });
    const callerStack = new Stack(app, 'Caller');
    const caller = new iam.Role(callerStack, 'MarketingSync', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    api.grantInvoke(caller);
    const statements = Object.values(Template.fromStack(callerStack).findResources('AWS::IAM::Policy'))
      .flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
    const byAction = new Map(statements.map((statement) => [statement.Action, statement]));
    assert.deepEqual([...byAction.keys()].sort(), ['lambda:InvokeFunction', 'lambda:InvokeFunctionUrl']);
    assert.deepEqual(byAction.get('lambda:InvokeFunctionUrl')?.Condition, { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } });
    assert.deepEqual(byAction.get('lambda:InvokeFunction')?.Condition, { Bool: { 'lambda:InvokedViaFunctionUrl': true } });
    for (const statement of statements) assert.match(JSON.stringify(statement.Resource), /Fn::ImportValue|ApiFunction/);
  });
});
