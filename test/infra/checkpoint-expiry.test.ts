// Trial checkpoints expire by tag: the store puts them on S3 tagged tandem-kind=checkpoint (checked on the signed
// PutObject the real AWS SDK client sends to s3rver, which accepts x-amz-tagging but keeps no tags), and the store
// bucket's lifecycle rule expires objects with that tag after checkpointExpiryDays.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Template } from 'aws-cdk-lib/assertions';
import { bucketLogicalIds } from '../../infra/constructs/tandem-buckets.ts';
import { DataStack } from '../../infra/data-stack.ts';
import { readTandemContext } from '../../infra/tandem-context.ts';
import { checkpointObjectTag } from '../../src/store/blob-store.ts';
import { S3Store } from '../../src/store/s3-store.ts';
import { saveTrainingCheckpoint } from '../../src/train/training-checkpoint.ts';
import { writeArtifact } from '../../src/store/write-artifact.ts';
import { startS3rver, type RunningS3rver } from '../helpers/start-s3rver.ts';
import { tandemCdkApp } from '../helpers/tandem-cdk-app.ts';

interface LifecycleRule { Id: string; Status: string; ExpirationInDays?: number; TagFilters?: { Key: string; Value: string }[]; Prefix?: string }

function storeLifecycleRules(context: Record<string, unknown> = {}): LifecycleRule[] {
  // The context key as the app reads it (`-c checkpointExpiryDays=3`) into the data stack, as buildTandemStacks wires it.
  const app = tandemCdkApp(context);
  const template = Template.fromStack(new DataStack(app, 'Data', { checkpointExpiryDays: readTandemContext(app.node).checkpointExpiryDays }));
  const bucket = template.findResources('AWS::S3::Bucket')[bucketLogicalIds.models] as { Properties: { LifecycleConfiguration: { Rules: LifecycleRule[] } } };
  return bucket.Properties.LifecycleConfiguration.Rules;
}

describe('checkpoint expiry', () => {
  it('expires objects tagged as checkpoints in the store bucket after 14 days by default, or checkpointExpiryDays', () => {
    const rule = storeLifecycleRules().find((candidate) => candidate.Id === 'expire-trial-checkpoints');
    assert.deepEqual(rule, { Id: 'expire-trial-checkpoints', Status: 'Enabled', ExpirationInDays: 14, TagFilters: [{ Key: 'tandem-kind', Value: 'checkpoint' }] });
    assert.equal(storeLifecycleRules({ checkpointExpiryDays: '3' }).find((candidate) => candidate.Id === 'expire-trial-checkpoints')?.ExpirationInDays, 3);
    assert.throws(() => storeLifecycleRules({ checkpointExpiryDays: 0 }), /checkpointExpiryDays/);
  });

  void describe('on S3 (s3rver)', () => {
    let workDir = '';
    let server: RunningS3rver;
    before(async () => {
      workDir = await mkdtemp(path.join(tmpdir(), 'tandem-checkpoint-tags-'));
      server = await startS3rver(path.join(workDir, 's3rver'), ['store']);
    });
    after(async () => {
      await server.stop();
      await rm(workDir, { recursive: true, force: true });
    });

    /** An S3Store whose client records the x-amz-tagging header of every PutObject it signs and sends. */
    function taggingRecordingStore(): { store: S3Store; tagging: Map<string, string | undefined> } {
      const store = new S3Store({ bucket: 'store', clientConfig: server.clientConfig });
      const tagging = new Map<string, string | undefined>();
      store.client.middlewareStack.add((next, context) => async (args) => {
        const request = args.request as { method?: string; path?: string; headers?: Record<string, string> };
        if (context.commandName === 'PutObjectCommand') tagging.set(decodeURIComponent(request.path ?? '').replace(/^\/store\//, ''), request.headers?.['x-amz-tagging']);
        return next(args);
      }, { step: 'finalizeRequest', name: 'recordTagging' });
      return { store, tagging };
    }

    it('puts both objects of a training checkpoint with the checkpoint tag, and other objects without tags', async () => {
      const { store, tagging } = taggingRecordingStore();
      const folder = 'runs/r1/trials/t1/checkpoint';
      const state = {
        progress: { epochsDone: 1, history: [], bestEpoch: 1, bestScore: 0.5, sinceBest: 0, stoppedEarly: false, trainSeconds: 0.1, samples: 4 },
        weights: [tf.tensor([1, 2, 3])],
        bestWeights: [tf.tensor([1, 2, 3])],
        optimizerWeights: [{ name: 'm', tensor: tf.tensor([0.5]) }],
      };
      try {
        await saveTrainingCheckpoint(store, folder, state);
      } finally {
        for (const tensor of [...state.weights, ...state.bestWeights, state.optimizerWeights[0]!.tensor]) tensor.dispose();
      }
      const expected = `${checkpointObjectTag.key}=${checkpointObjectTag.value}`;
      assert.deepEqual([...tagging].sort(), [[`${folder}/checkpoint.bin`, expected], [`${folder}/checkpoint.json`, expected]]);
      // s3rver took the tagged PutObject: the checkpoint reads back.
      assert.ok(await store.exists(`${folder}/checkpoint.json`));

      await writeArtifact(store, 'models/m1', [{ name: 'weights.bin', body: 'w' }], { name: 'card.json', body: '{}' });
      await store.put('runs/r1/run.json', '{}');
      assert.equal(tagging.get('models/m1/card.json'), undefined);
      assert.equal(tagging.get('runs/r1/run.json'), undefined);
      // Tags are percent-encoded as the query string S3 parses (a space is %20, never an ambiguous +).
      await store.put('runs/r1/x.json', '{}', { tags: { 'a b': 'c&d' } });
      assert.equal(tagging.get('runs/r1/x.json'), 'a%20b=c%26d');
      store.destroy();
    });
  });
});
