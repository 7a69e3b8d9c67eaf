import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { trainerCommand } from '../../infra/constructs/gpu-trainer-batch.ts';
import { ingestJobCommand } from '../../infra/constructs/ingest-batch-job.ts';
import { buildTandemStacks } from '../../infra/tandem-stacks.ts';

let defaultTemplate: Template | undefined;

/** The training stack, bundling skipped, context as `cdk -c` would give it; the default synthesis is made once. */
function synthTraining(context: Record<string, unknown> = {}): Template {
  const isDefault = Object.keys(context).length === 0;
  if (isDefault && defaultTemplate !== undefined) return defaultTemplate;
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const template = Template.fromStack(buildTandemStacks(app).training);
  if (isDefault) defaultTemplate = template;
  return template;
}

interface Statement { Action: string | string[]; Resource: unknown; Condition?: unknown }

/** Every statement of the policies attached to the role whose logical id starts with `rolePrefix`. */
function roleStatements(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${rolePrefix}`) }] } });
  return Object.values(policies).flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
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

  it('builds the trainer image from containers/trainer as Docker image assets: trials on the gpu target, the ingest job on another (cpu)', () => {
    const template = synthTraining();
    const definitions = Object.values(template.findResources('AWS::Batch::JobDefinition'));
    // Trainer, ingest and scoring jobs.
    assert.equal(definitions.length, 3);
    const images = definitions.map((definition) => JSON.stringify((definition as { Properties: { ContainerProperties: { Image: unknown } } }).Properties.ContainerProperties.Image));
    for (const image of images) assert.match(image, /cdk-hnb659fds-container-assets/);
    // The ingest job (Fargate) must not pull the CUDA image; which target each asset builds: test/infra/trainer-image.test.ts.
    assert.notEqual(images[1], images[0]);
    assert.equal(images[2], images[1], 'the scoring job runs the cpu target too');
  });

  it('runs large ingestions on Fargate (x86_64, like the image): the ingest command with the store parameter, 4 vCPUs, 30 GiB, 200 GiB of disk', () => {
    const template = synthTraining();
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      JobDefinitionName: 'Tandem-training-ingest',
      PlatformCapabilities: ['FARGATE'],
      ContainerProperties: Match.objectLike({
        Command: ingestJobCommand,
        ResourceRequirements: [{ Type: 'MEMORY', Value: '30720' }, { Type: 'VCPU', Value: '4' }],
        EphemeralStorage: { SizeInGiB: 200 },
        RuntimePlatform: { CpuArchitecture: 'X86_64' },
      }),
      Parameters: { store: { 'Fn::Join': ['', ['s3://', Match.anyValue(), '/']] } },
    });
    assert.deepEqual(ingestJobCommand, ['node', '--import', 'tsx', 'containers/trainer/ingest-entrypoint.ts', '--store', 'Ref::store']);
  });

  it('lets the ingest job read the raw bucket (GetObject, ListBucket) and read and write the store\'s datasets/ only; the trainer never reads raw', () => {
    const template = synthTraining();
    const rawBucketArn = { 'Fn::ImportValue': 'Tandem-data-RawBucketArn' };
    const statements = roleStatements(template, 'IngestJobRole');
    const raw = statements.filter((statement) => JSON.stringify(statement.Resource).includes('RawBucketArn'));
    assert.deepEqual(raw.map(({ Action, Resource }) => ({ Action, Resource })), [
      { Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [rawBucketArn, '/*']] } },
      { Action: 's3:ListBucket', Resource: rawBucketArn },
    ]);
    const store = statements.filter((statement) => !raw.includes(statement));
    for (const statement of store) {
      const resource = JSON.stringify(statement.Resource);
      assert.match(resource, /StoreBucketArn/);
      if (resource.includes('/')) assert.match(resource, /"\/datasets\/\*"\]\]\}$/, `ingest job may touch ${resource}`);
      else assert.deepEqual(statement.Condition, { StringLike: { 's3:prefix': ['datasets/*'] } });
    }
    assert.deepEqual(store.flatMap((statement) => [statement.Action].flat()).sort(), ['s3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    assert.ok(!JSON.stringify(roleStatements(template, 'GpuTrainerJobRole')).includes('RawBucket'));
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
    const statements = roleStatements(template, 'GpuTrainerJobRole');
    const objectPrefixes = new Set(statements.flatMap((statement) => [statement.Resource].flat())
      .map((resource) => JSON.stringify(resource).match(/\/(\w+)\/\*"\]\]\}$/)?.[1])
      .filter((prefix) => prefix !== undefined));
    assert.deepEqual([...objectPrefixes].sort(), ['datasets', 'models', 'runs']);
    const writes = statements.filter((statement) => JSON.stringify(statement).includes('s3:PutObject'));
    assert.ok(writes.length > 0);
    for (const statement of writes) assert.doesNotMatch(JSON.stringify(statement.Resource), /datasets/);
  });
});
