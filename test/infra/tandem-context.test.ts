import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { defaultContext, readTandemContext } from '../../infra/tandem-context.ts';

describe('readTandemContext', () => {
  it('falls back to the documented defaults', () => {
    assert.deepEqual(readTandemContext(new App().node), defaultContext);
  });

  it('documents every default in cdk.json', () => {
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
    // Feature flags (@aws-cdk/..., @aws-cdk-containers/...) are CDK's, not Tandem's.
    const tandemKeys = Object.fromEntries(Object.entries(cdkJson.context).filter(([key]) => !key.startsWith('@aws-cdk')));
    assert.deepEqual(tandemKeys, defaultContext);
  });

  it('accepts the string forms the CLI passes with -c', () => {
    const app = new App({ context: { spot: 'true', gpuInstanceTypes: 'g5.2xlarge, g4dn.2xlarge', gpuMaxVcpus: '32', batchIngestMinBytes: '0', distributedMapMinTrials: '100' } });
    const context = readTandemContext(app.node);
    assert.equal(context.batchIngestMinBytes, 0);
    assert.equal(context.distributedMapMinTrials, 100);
    assert.equal(context.spot, true);
    assert.deepEqual(context.gpuInstanceTypes, ['g5.2xlarge', 'g4dn.2xlarge']);
    assert.equal(context.gpuMaxVcpus, 32);
  });

  it('reads the stage and the user tags, in their cdk.json and command-line forms', () => {
    const app = new App({ context: { stage: 'prod', tags: 'team=ml, costCenter=42' } });
    assert.deepEqual(readTandemContext(app.node).tags, { team: 'ml', costCenter: '42' });
    assert.equal(readTandemContext(app.node).stage, 'prod');
    assert.deepEqual(readTandemContext(new App({ context: { tags: { owner: 'ops' } } }).node).tags, { owner: 'ops' });
    assert.throws(() => readTandemContext(new App({ context: { stage: 'prod stage' } }).node), /"stage": unexpected value "prod stage"/);
    assert.throws(() => readTandemContext(new App({ context: { tags: 'team' } }).node), /"tags": unexpected value "team"/);
    assert.throws(() => readTandemContext(new App({ context: { tags: { 'aws:owner': 'x' } } }).node), /"tags"/);
    assert.throws(() => readTandemContext(new App({ context: { capacityWaitMinutes: 5 } }).node), /"capacityWaitMinutes": unexpected value 5/);
  });

  it('names the key and value it cannot read', () => {
    assert.throws(() => readTandemContext(new App({ context: { spot: 'yes' } }).node), /"spot": unexpected value "yes"/);
    assert.throws(() => readTandemContext(new App({ context: { gpuMaxVcpus: 0 } }).node), /"gpuMaxVcpus": unexpected value 0/);
    assert.throws(() => readTandemContext(new App({ context: { batchIngestMinBytes: -1 } }).node), /"batchIngestMinBytes": unexpected value -1/);
    assert.throws(() => readTandemContext(new App({ context: { distributedMapMinTrials: 0 } }).node), /"distributedMapMinTrials": unexpected value 0/);
    assert.throws(() => readTandemContext(new App({ context: { batchIngestMinBytes: 11 * 1024 ** 3 } }).node), /"batchIngestMinBytes": unexpected value 11811160064/);
  });
});
