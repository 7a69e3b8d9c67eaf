import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { exampleScheduleConfigFile, readScheduledConfig } from '../../infra/scheduled-config.ts';
import { buildTandemStacks } from '../../infra/tandem-stacks.ts';

function synthApi(context: Record<string, unknown> = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  return Template.fromStack(buildTandemStacks(app).api);
}

interface Statement { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown }

describe('ApiStack', () => {
  it('runs the API handler on Node 22 on arm64 with the models bucket as its store and the scheduled project as its project', () => {
    const template = synthApi();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          TANDEM_STORE: { 'Fn::Join': ['', ['s3://', { 'Fn::ImportValue': 'Tandem-data-StoreBucketName' }, '/']] },
          TANDEM_BACKEND: 'wasm',
          // The champion it serves: the project the scheduled runs retrain (the schedule config's name).
          TANDEM_PROJECT: readScheduledConfig(exampleScheduleConfigFile).name,
        }),
      },
    });
  });

  it('starts without source maps enabled unless the enableSourceMaps context key asks for them', () => {
    const variablesOf = (template: Template): Record<string, unknown> =>
      (Object.values(template.findResources('AWS::Lambda::Function'))[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } })
        .Properties.Environment.Variables;
    // Node reading the 17 MB source map doubled the cold start; the map still ships for decoding traces by hand.
    assert.equal(variablesOf(synthApi()).NODE_OPTIONS, undefined);
    assert.equal(variablesOf(synthApi({ enableSourceMaps: 'true' })).NODE_OPTIONS, '--enable-source-maps');
    assert.throws(() => synthApi({ enableSourceMaps: 'yes' }), /cdk context "enableSourceMaps": unexpected value "yes"/);
  });

  it('is reachable only through an IAM-authenticated function URL', () => {
    const template = synthApi();
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    template.resourceCountIs('AWS::Lambda::Url', 1);
    assert.equal(Object.keys(template.findResources('AWS::Lambda::Permission', { Properties: { Principal: '*' } })).length, 0);
  });

  it('may only get objects under champions/ and models/ and list those prefixes of the models bucket', () => {
    const template = synthApi();
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
    const s3Statements = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('s3:')));
    assert.deepEqual(s3Statements.map((statement) => [statement.Action].flat()).sort(), [['s3:GetObject'], ['s3:ListBucket']]);
    for (const statement of s3Statements) {
      assert.equal(statement.Effect, 'Allow');
      assert.match(JSON.stringify(statement.Resource), /\{"Fn::ImportValue":"Tandem-data-StoreBucketArn"\}/);
    }
    const get = s3Statements.find((statement) => statement.Action === 's3:GetObject');
    const getResources = [get?.Resource].flat().map((resource) => JSON.stringify(resource));
    assert.equal(getResources.length, 2);
    assert.match(getResources[0] ?? '', /\/champions\/\*"\]\]\}$/);
    assert.match(getResources[1] ?? '', /\/models\/\*"\]\]\}$/);
    const list = s3Statements.find((statement) => statement.Action === 's3:ListBucket');
    assert.deepEqual(list?.Condition, { StringLike: { 's3:prefix': ['champions/*', 'models/*'] } });
    // Besides the store: reading its own keys' secret (and that secret only).
    const secretStatements = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('secretsmanager:')));
    assert.equal(secretStatements.length, 1);
    assert.deepEqual([secretStatements[0]?.Action].flat().sort(), ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    assert.match(JSON.stringify(secretStatements[0]?.Resource), /^\{"Ref":"ApiApiKeys[0-9A-F]+"\}$/);
    const otherActions = statements.flatMap((statement) => [statement.Action].flat()).filter((action) => !action.startsWith('s3:') && !action.startsWith('secretsmanager:'));
    // And X-Ray's two write actions (active tracing), which take no resource but '*'.
    assert.deepEqual(otherActions.sort(), ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], 'no other permissions than reading champions/ and models/ and the keys\' secret, and writing traces');
  });
});
