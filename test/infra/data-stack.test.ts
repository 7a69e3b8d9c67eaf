import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { bucketLogicalIds } from '../../infra/constructs/tandem-buckets.ts';
import { DataStack } from '../../infra/data-stack.ts';

function synthDataStack(props: ConstructorParameters<typeof DataStack>[2] = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new DataStack(app, 'Data', props));
}

const dataBuckets = [bucketLogicalIds.raw, bucketLogicalIds.models];

describe('DataStack', () => {
  it('pins the logical IDs of the stateful buckets and retains them', () => {
    const template = synthDataStack();
    const buckets = template.findResources('AWS::S3::Bucket');
    for (const id of [...dataBuckets, bucketLogicalIds.accessLogs]) {
      assert.ok(buckets[id], `bucket ${id} missing; found ${Object.keys(buckets).join(', ')}`);
      assert.equal(buckets[id].DeletionPolicy, 'Retain');
      assert.equal(buckets[id].UpdateReplacePolicy, 'Retain');
    }
    // Raw, the store and the access logs: datasets live in the store (datasets/), not in a bucket of their own.
    assert.equal(Object.keys(buckets).length, 3);
  });

  it('encrypts, versions and blocks public access on every bucket', () => {
    const template = synthDataStack();
    const buckets = template.findResources('AWS::S3::Bucket');
    for (const [id, bucket] of Object.entries(buckets)) {
      const properties = (bucket as { Properties: Record<string, unknown> }).Properties;
      assert.deepEqual(properties.BucketEncryption, {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      }, id);
      assert.deepEqual(properties.VersioningConfiguration, { Status: 'Enabled' }, id);
      assert.deepEqual(properties.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      }, id);
    }
  });

  it('denies every request that is not over TLS', () => {
    const template = synthDataStack();
    for (const id of dataBuckets) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('expires noncurrent versions everywhere and moves raw uploads to infrequent access', () => {
    const template = synthDataStack({ rawInfrequentAccessDays: 45, noncurrentVersionExpirationDays: 10 });
    const buckets = template.findResources('AWS::S3::Bucket');
    for (const id of dataBuckets) {
      const rules = (buckets[id]?.Properties as { LifecycleConfiguration: { Rules: Record<string, unknown>[] } }).LifecycleConfiguration.Rules;
      assert.ok(rules.some((rule) => rule.NoncurrentVersionExpiration !== undefined
        && (rule.NoncurrentVersionExpiration as { NoncurrentDays: number }).NoncurrentDays === 10), id);
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 45 }] }),
        ]),
      },
    });
    const transitions = dataBuckets.filter((id) => JSON.stringify(buckets[id]).includes('STANDARD_IA'));
    assert.deepEqual(transitions, [bucketLogicalIds.raw]);
  });

  it('exports the models bucket as the store and the raw bucket (for ingestion) under fixed names', () => {
    const template = synthDataStack();
    template.hasOutput('StoreBucketArn', { Value: { 'Fn::GetAtt': [bucketLogicalIds.models, 'Arn'] }, Export: { Name: 'Data-StoreBucketArn' } });
    template.hasOutput('StoreBucketName', { Value: { Ref: bucketLogicalIds.models }, Export: { Name: 'Data-StoreBucketName' } });
    template.hasOutput('RawBucketArn', { Value: { 'Fn::GetAtt': [bucketLogicalIds.raw, 'Arn'] }, Export: { Name: 'Data-RawBucketArn' } });
    template.hasOutput('RawBucketName', { Value: { Ref: bucketLogicalIds.raw }, Export: { Name: 'Data-RawBucketName' } });
  });

  it('quotes a bad lifecycle setting', () => {
    assert.throws(() => synthDataStack({ rawInfrequentAccessDays: 7 }), /rawInfrequentAccessDays .* got 7/);
  });

  it('hard-codes no account or region', () => {
    const template = JSON.stringify(synthDataStack().toJSON());
    assert.doesNotMatch(template, /\d{12}/);
    assert.doesNotMatch(template, /(us|eu|ap|sa|ca|me|af)-(east|west|north|south|central|southeast|northeast)-\d/);
  });
});
