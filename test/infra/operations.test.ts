import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildTandemStacks, type TandemStacks } from '../../infra/tandem-stacks.ts';
import { stateMachineArnOutputKey } from '../../workflows/pipeline-stack-outputs.ts';
import { tandemCdkApp } from '../helpers/tandem-cdk-app.ts';

/** Every stack of a deployment made with cdk.json's feature flags and `context`. */
function synth(context: Record<string, unknown> = {}): TandemStacks {
  return buildTandemStacks(tandemCdkApp(context));
}

type Resource = { Type: string; Properties?: Record<string, unknown> };

/** A resource's tags as a map, whether CloudFormation takes them as a list of `{ Key, Value }` or as a map. */
function tagsOf(resource: Resource): Record<string, unknown> | undefined {
  const tags = resource.Properties?.Tags;
  if (tags === undefined) return undefined;
  if (Array.isArray(tags)) return Object.fromEntries((tags as { Key: string; Value: unknown }[]).map(({ Key, Value }) => [Key, Value]));
  return tags as Record<string, unknown>;
}

const stackParts = ['data', 'training', 'api', 'pipeline'] as const;

describe('operating a deployment', () => {
  it('times runs out after workflowTimeoutHours (24 by default) and outputs the state machine ARN for tandem run --remote', () => {
    const template = Template.fromStack(synth().pipeline);
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: unknown } };
    assert.match(JSON.stringify(machine.Properties.DefinitionString), /\\"TimeoutSeconds\\":86400/);
    template.hasOutput(stateMachineArnOutputKey, { Value: { Ref: Match.stringLikeRegexp('^Workflow') } });
    template.hasOutput('NotificationsTopicArn', { Value: { Ref: Match.stringLikeRegexp('^Failures') } });
    const short = Template.fromStack(synth({ workflowTimeoutHours: '2' }).pipeline);
    assert.match(JSON.stringify(short.toJSON()), /\\"TimeoutSeconds\\":7200/);
  });

  it('encrypts the notices topic with a rotated customer-managed key that CloudWatch and EventBridge may use', () => {
    const template = Template.fromStack(synth().pipeline);
    const keys = template.findResources('AWS::KMS::Key') as Record<string, { Properties: { EnableKeyRotation: boolean; KeyPolicy: { Statement: { Principal?: { Service?: unknown }; Action: unknown }[] } } }>;
    const [keyId, key] = Object.entries(keys)[0] ?? [];
    assert.ok(keyId !== undefined && key !== undefined, 'a KMS key');
    assert.equal(key.Properties.EnableKeyRotation, true);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      const actions = key.Properties.KeyPolicy.Statement.filter((statement) => [statement.Principal?.Service].flat().includes(service)).flatMap((statement) => [statement.Action].flat());
      assert.ok(actions.includes('kms:Decrypt') && actions.includes('kms:GenerateDataKey*'), `${service} may use the key: ${actions.join(', ')}`);
    }
  });

  it('deploys the schedule disabled without a config and enabled with one, pointing at the deployment\'s raw bucket', () => {
    const without = Template.fromStack(synth().pipeline);
    without.hasResourceProperties('AWS::Scheduler::Schedule', { State: 'DISABLED' });
    const withConfig = Template.fromStack(synth({ scheduleConfigFile: 'tandem.config.aws.example.json' }).pipeline);
    withConfig.hasResourceProperties('AWS::Scheduler::Schedule', { State: 'ENABLED' });
    const input = JSON.stringify(Object.values(withConfig.findResources('AWS::Scheduler::Schedule'))[0]);
    assert.match(input, /\{"Fn::ImportValue":"Tandem-data-RawBucketName"\},"\/shop\/customers\.csv/);
    assert.doesNotMatch(input, /RAW_BUCKET/);
  });

  it('has a dashboard of runs, Batch jobs, capacity cancellations, alarms and the API, and alarms on API errors and capacity', () => {
    const template = Template.fromStack(synth().pipeline);
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    assert.equal(dashboards.length, 1);
    const body = JSON.stringify(dashboards[0]);
    for (const metric of ['ExecutionsStarted', 'ExecutionsFailed', 'ExecutionsSucceeded', 'ServiceIntegrationsFailed', 'TriggeredRules', 'Invocations', 'Errors', 'Duration']) {
      assert.ok(body.includes(metric), `dashboard shows ${metric}`);
    }
    assert.match(body, /"Fn::ImportValue":"Tandem-api:ExportsOutputRefApiFunction/, 'the API function, from the API stack');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors', AlarmActions: [{ Ref: Match.stringLikeRegexp('^Failures') }] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Events', MetricName: 'TriggeredRules', AlarmActions: [{ Ref: Match.stringLikeRegexp('^Failures') }] });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.batch'], detail: Match.objectLike({ statusReason: [{ prefix: 'Canceled by JobStateTimeLimit action' }] }) }),
    });
  });

  it('cancels jobs that wait for capacity past capacityWaitMinutes, retries lost hosts but not a bad spec, and can fall back to on-demand', () => {
    const template = Template.fromStack(synth({ spot: 'true', onDemandFallback: 'true', capacityWaitMinutes: '45' }).training);
    const queues = Object.values(template.findResources('AWS::Batch::JobQueue')) as { Properties: { JobStateTimeLimitActions: { MaxTimeSeconds: number; Reason: string }[]; ComputeEnvironmentOrder: { Order: number; ComputeEnvironment: { 'Fn::GetAtt': [string, string] } }[] } }[];
    for (const queue of queues) {
      assert.ok(queue.Properties.JobStateTimeLimitActions.some((action) => action.Reason === 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY' && action.MaxTimeSeconds === 2700));
    }
    const environments = template.findResources('AWS::Batch::ComputeEnvironment') as Record<string, { Properties: { ComputeResources: { Type: string } } }>;
    const gpuQueue = queues.find((queue) => queue.Properties.ComputeEnvironmentOrder.length === 2);
    assert.ok(gpuQueue, 'the GPU queue has two compute environments');
    assert.deepEqual(gpuQueue.Properties.ComputeEnvironmentOrder.map(({ Order, ComputeEnvironment }) => [Order, environments[ComputeEnvironment['Fn::GetAtt'][0]]?.Properties.ComputeResources.Type]), [[1, 'SPOT'], [2, 'EC2']]);
    const definitions = Object.values(template.findResources('AWS::Batch::JobDefinition')) as { Properties: { RetryStrategy: { Attempts: number; EvaluateOnExit: Record<string, string>[] }; Timeout: { AttemptDurationSeconds: number } } }[];
    assert.equal(definitions.length, 3); // trials, ingestion, scoring
    for (const { Properties: { RetryStrategy, Timeout } } of definitions) {
      assert.ok(Timeout.AttemptDurationSeconds > 0);
      assert.equal(RetryStrategy.Attempts, 3);
      assert.deepEqual(RetryStrategy.EvaluateOnExit, [
        { Action: 'RETRY', OnStatusReason: 'Host EC2*' },
        { Action: 'RETRY', OnReason: 'CannotPullContainerError:*' },
        { Action: 'EXIT', OnExitCode: '2' },
        { Action: 'EXIT', OnReason: '*' },
      ]);
    }
    assert.throws(() => synth({ capacityWaitMinutes: '5' }), /"capacityWaitMinutes": unexpected value "5"/);
  });

  it('needs no NAT gateway by default: isolated job subnets with S3, ECR, ECS and Logs endpoints; a NAT on request', () => {
    const template = Template.fromStack(synth().training);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    const services = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((endpoint) => JSON.stringify((endpoint as Resource).Properties?.ServiceName));
    for (const service of ['.s3', '.ecr.api', '.ecr.dkr', '.ecs"', '.ecs-agent', '.ecs-telemetry', '.logs']) {
      assert.ok(services.some((name) => name.includes(service)), `endpoint ${service} among ${services.join(', ')}`);
    }
    const withNat = Template.fromStack(synth({ natGateway: 'true' }).training);
    withNat.resourceCountIs('AWS::EC2::NatGateway', 1);
    withNat.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
  });

  it('tags every taggable resource with project and stage (and the user\'s tags), and prefixes stack names with the stage', () => {
    const stacks = synth({ stage: 'prod', tags: 'team=ml' });
    assert.deepEqual(stackParts.map((part) => (stacks[part] as Stack).stackName), ['prod-Tandem-data', 'prod-Tandem-training', 'prod-Tandem-api', 'prod-Tandem-pipeline']);
    const mustBeTagged = new Set(['AWS::S3::Bucket', 'AWS::Lambda::Function', 'AWS::StepFunctions::StateMachine', 'AWS::SNS::Topic', 'AWS::KMS::Key',
      'AWS::Batch::JobQueue', 'AWS::Batch::ComputeEnvironment', 'AWS::Batch::JobDefinition', 'AWS::EC2::VPC', 'AWS::Logs::LogGroup', 'AWS::IAM::Role']);
    const seen = new Set<string>();
    for (const part of stackParts) {
      const resources = Template.fromStack(stacks[part]).toJSON().Resources as Record<string, Resource>;
      for (const [id, resource] of Object.entries(resources)) {
        const tags = tagsOf(resource);
        // CDK's own custom resource providers (CfnResource, e.g. the VPC's default security group restriction) are out of Tags.of's reach.
        if (tags === undefined && /^Custom.*CustomResourceProvider/.test(id)) continue;
        if (mustBeTagged.has(resource.Type)) assert.ok(tags !== undefined, `${part}/${id} (${resource.Type}) has tags`);
        if (tags === undefined) continue;
        seen.add(resource.Type);
        assert.deepEqual([tags.project, tags.stage, tags.team], ['tandem', 'prod', 'ml'], `${part}/${id} (${resource.Type})`);
      }
    }
    for (const type of mustBeTagged) assert.ok(seen.has(type), `a ${type} was checked`);
    assert.match(JSON.stringify(Template.fromStack(stacks.pipeline).toJSON()), /job-definition\/prod-Tandem-training-trainer/);
  });

  it('keeps the store and raw buckets only: no datasets bucket', () => {
    const template = Template.fromStack(synth().data);
    template.resourceCountIs('AWS::S3::Bucket', 3);
    assert.deepEqual(Object.keys(template.findResources('AWS::S3::Bucket')).sort(), ['TandemAccessLogsBucket', 'TandemModelsBucket', 'TandemRawBucket']);
  });
});
