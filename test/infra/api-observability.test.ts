import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildTandemStacks, type TandemStacks } from '../../infra/tandem-stacks.ts';
import { tandemCdkApp } from '../helpers/tandem-cdk-app.ts';

let stacks: TandemStacks | undefined;
/** Every stack of a default deployment (cdk.json's feature flags), synthesized once for this file. */
const synth = (): TandemStacks => (stacks ??= buildTandemStacks(tandemCdkApp()));

describe('observability of the API and the functions', () => {
  it('puts the HTTP API\'s requests, 4xx, 5xx and latency on the dashboard, beside the function\'s metrics', () => {
    const template = Template.fromStack(synth().pipeline);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const metric of ['Count', '4xx', '5xx', 'Latency', 'IntegrationLatency']) {
      assert.match(body, new RegExp(`\\[\\\\"AWS/ApiGateway\\\\",\\\\"${metric}\\\\",\\\\"ApiId\\\\"`), `dashboard shows AWS/ApiGateway ${metric} by ApiId`);
    }
    assert.match(body, /"Fn::ImportValue":"Tandem-api:ExportsOutputRefApiHttpApi/, 'the HTTP API, from the API stack');
    assert.ok(body.indexOf('AWS/ApiGateway') > body.indexOf('AWS/Lambda'), 'after the function\'s widgets');
  });

  it('alarms to the notices topic on the HTTP API\'s 5xx answers', () => {
    Template.fromStack(synth().pipeline).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Statistic: 'Sum',
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'ApiId', Value: { 'Fn::ImportValue': Match.stringLikeRegexp('^Tandem-api:ExportsOutputRefApiHttpApi') } }],
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Failures') }],
    });
  });

  it('traces every function with X-Ray (active tracing, and the role may write segments) and the state machine', () => {
    for (const stack of [synth().api, synth().pipeline]) {
      const template = Template.fromStack(stack);
      const functions = Object.values(template.findResources('AWS::Lambda::Function')) as { Properties: { TracingConfig?: { Mode: string } } }[];
      assert.ok(functions.length > 0);
      for (const fn of functions) assert.deepEqual(fn.Properties.TracingConfig, { Mode: 'Active' });
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' })]) },
      });
    }
    Template.fromStack(synth().pipeline).hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true } });
  });

  it('lets the trainer tag the checkpoints it writes under runs/ (the tag their lifecycle rule expires them by)', () => {
    Template.fromStack(synth().training).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 's3:PutObjectTagging',
          Resource: { 'Fn::Join': ['', [{ 'Fn::ImportValue': Match.anyValue() }, '/runs/*']] },
        })]),
      },
    });
  });
});
