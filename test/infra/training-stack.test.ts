import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { trainerCommand } from '../../infra/constructs/gpu-trainer-batch.ts';
import { buildTandemStacks } from '../../infra/tandem-stacks.ts';

/** One fresh app per test, bundling skipped, context as `cdk -c` would give it. */
function synthTraining(context: Record<string, unknown> = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  return Template.fromStack(buildTandemStacks(app).training);
}

describe('TrainingStack', () => {
  it('asks for exactly one GPU per trial and runs the trial command with the store parameter', () => {
    const template = synthTraining();
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      Type: 'container',
      ContainerProperties: Match.objectLike({
        Command: trainerCommand,
        ResourceRequirements: Match.arrayWith([{ Type: 'GPU', Value: '1' }]),
      }),
      Parameters: { store: { 'Fn::Join': ['', ['s3://', Match.anyValue(), '/']] } },
    });
    assert.deepEqual(trainerCommand, ['node', '--import', 'tsx', 'bin/tandem.ts', 'trial', '--store', 'Ref::store', '--json']);
  });

  it('builds the trainer image from containers/trainer as a Docker image asset', () => {
    const template = synthTraining();
    const definitions = Object.values(template.findResources('AWS::Batch::JobDefinition'));
    assert.equal(definitions.length, 1);
    const image = JSON.stringify((definitions[0] as { Properties: { ContainerProperties: { Image: unknown } } }).Properties.ContainerProperties.Image);
    assert.match(image, /cdk-hnb659fds-container-assets/);
  });

  it('launches on-demand GPU instances of the default types on the NVIDIA AMI', () => {
    const template = synthTraining();
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      Type: 'managed',
      ComputeResources: Match.objectLike({
        Type: 'EC2',
        InstanceTypes: ['g5.xlarge', 'g4dn.xlarge'],
        Ec2Configuration: [{ ImageType: 'ECS_AL2_NVIDIA' }],
        MinvCpus: 0,
        MaxvCpus: 16,
      }),
    });
  });

  it('switches to spot and other instance types by context', () => {
    const template = synthTraining({ spot: true, gpuInstanceTypes: ['g5.2xlarge'] });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({
        Type: 'SPOT',
        InstanceTypes: ['g5.2xlarge'],
        AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED',
      }),
    });
  });

  it('refuses an instance type without a GPU, naming it', () => {
    assert.throws(() => synthTraining({ gpuInstanceTypes: ['m5.xlarge'] }), /instance type "m5.xlarge" has no supported NVIDIA GPU/);
  });

  it('offers a Fargate CPU queue next to the GPU queue', () => {
    const template = synthTraining();
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'FARGATE' }),
    });
    template.resourceCountIs('AWS::Batch::ComputeEnvironment', 2);
    template.resourceCountIs('AWS::Batch::JobQueue', 2);
  });

  it('lets the trainer read datasets and write runs and models, and nothing else in the store', () => {
    const template = synthTraining();
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('JobRole') }] },
    });
    const statements = Object.values(policies).flatMap((policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: { Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
    const objectPrefixes = new Set(statements.flatMap((statement) => [statement.Resource].flat())
      .map((resource) => JSON.stringify(resource).match(/\/(\w+)\/\*"\]\]\}$/)?.[1])
      .filter((prefix) => prefix !== undefined));
    assert.deepEqual([...objectPrefixes].sort(), ['datasets', 'models', 'runs']);
    const writes = statements.filter((statement) => JSON.stringify(statement).includes('s3:PutObject'));
    assert.ok(writes.length > 0);
    for (const statement of writes) assert.doesNotMatch(JSON.stringify(statement.Resource), /datasets/);
  });
});
