import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { RawRow } from '../data/labelled-row.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { loadModel, type LoadedModel } from '../model/model-artifacts.ts';
import { FileStore } from '../store/file-store.ts';
import { trainTinyModel } from '../../test/helpers/train-tiny-model.ts';
import { LeasedModel } from './model-source.ts';
import { createPredictionBatcher } from './prediction-batcher.ts';
import { scoreRows } from './score-rows.ts';
import { createServingForward, type ServingForward } from './serving-forward.ts';

/** Real forward passes per model (made once each, as the app does), counting the passes run (one per batch). */
function countingForwards(): { readonly calls: number; forwardOf(model: LoadedModel): ServingForward } {
  const forwards = new Map<LoadedModel, ServingForward>();
  const counter = {
    calls: 0,
    forwardOf(model: LoadedModel): ServingForward {
      let forward = forwards.get(model);
      if (forward === undefined) {
        const real = createServingForward(model);
        forward = { engine: real.engine, predict: (x, rows) => (counter.calls++, real.predict(x, rows)) };
        forwards.set(model, forward);
      }
      return forward;
    },
  };
  return counter;
}

describe('createPredictionBatcher', () => {
  let folder: string;
  let model: LoadedModel;
  let other: LoadedModel;
  // Different shapes on purpose: ids from the id column, positional ids, missing values, unknown categories.
  const requests: RawRow[][] = [
    [{ customer_id: 'A1', plan: 'pro', internet: 'Fiber optic', tenure: 2 }],
    [{ plan: 'basic', internet: 'No', tenure: 60 }, { plan: 'plus', tenure: null }],
    [{ customer_id: 'C1', plan: 'unheard-of', tenure: 12 }],
    [{ tenure: 30 }, { customer_id: 'D2', internet: 'DSL' }, { plan: 'pro' }],
  ];

  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-batcher-'));
    const store = new FileStore(folder);
    model = await loadModel(store, (await trainTinyModel(store)).modelId);
    other = await loadModel(store, (await trainTinyModel(store, { seed: 7 })).modelId);
  });

  after(async () => {
    model.network.dispose(); // `other` was disposed by its LeasedModel
    await rm(folder, { recursive: true, force: true });
  });

  it('scores a lone request at once, and the requests that arrive during its pass together in the next one', async () => {
    const alone = [];
    for (const rows of requests) alone.push(await scoreRows(model, rows));
    // The tiny model serves two binary tasks and a regression task: all three must match bit for bit.
    assert.deepEqual(Object.keys(alone[0]![0]!.scores), ['churn', 'security_xsell', 'spend']);
    const predicts = countingForwards();
    const batcher = createPredictionBatcher({ windowMs: 60_000, forwardOf: (m) => predicts.forwardOf(m) });
    const first = batcher.score(model, requests[0]!);
    assert.equal(predicts.calls, 1, 'the first request ran its forward pass before score() returned');
    const rest = requests.slice(1).map((rows) => batcher.score(model, rows));
    assert.equal(predicts.calls, 1, 'requests arriving while a pass is in flight wait for it');
    const batched = await Promise.all([first, ...rest]);
    assert.equal(predicts.calls, 2, 'the three waiting requests shared one forward pass, run when the first ended');
    assert.deepEqual(batched, alone);
  });

  it('does not hold a lone request for the window, even right after a batch', async () => {
    const predicts = countingForwards();
    const batcher = createPredictionBatcher({ windowMs: 60_000, forwardOf: (m) => predicts.forwardOf(m) });
    await Promise.all(requests.map((rows) => batcher.score(model, rows)));
    const before = predicts.calls;
    const lone = batcher.score(model, requests[2]!);
    assert.equal(predicts.calls, before + 1, 'the forward pass ran at once, not after a 60 s window');
    assert.deepEqual(await lone, await scoreRows(model, requests[2]!));
  });

  it('scores a batch at once when it reaches maxBatchRows, and never holds back a request that large', async () => {
    const predicts = countingForwards();
    const batcher = createPredictionBatcher({ windowMs: 60_000, maxBatchRows: 3, forwardOf: (m) => predicts.forwardOf(m) });
    const busy = batcher.score(model, requests[2]!); // in flight: the next requests gather behind it
    const first = batcher.score(model, requests[0]!);
    assert.equal(predicts.calls, 1);
    const second = batcher.score(model, requests[1]!);
    assert.equal(predicts.calls, 2, '1 + 2 rows filled the batch: scored at once, not when the pass in flight ends');
    const big = batcher.score(model, requests[3]!);
    assert.equal(predicts.calls, 3, 'a 3-row request is scored at once, though passes are in flight');
    const got = await Promise.all([busy, first, second, big]);
    const alone = [];
    for (const rows of [requests[2]!, requests[0]!, requests[1]!, requests[3]!]) alone.push(await scoreRows(model, rows));
    assert.deepEqual(got, alone);
  });

  it('batches per model: requests on a swapped-in model never wait for or share a pass with the old one, which is disposed only after its batch', async () => {
    const oldModel = new LeasedModel(other);
    const predicts = countingForwards();
    const batcher = createPredictionBatcher({ windowMs: 60_000, forwardOf: (m) => predicts.forwardOf(m) });
    const lease = oldModel.lease();
    const busy = batcher.score(lease.model, requests[1]!);
    const onOld = batcher.score(lease.model, requests[0]!); // waits for the old model's pass in flight
    oldModel.retire(); // a new champion arrives while the request waits in its batch
    const onNew = batcher.score(model, requests[0]!);
    assert.equal(predicts.calls, 2, "the new model's request ran at once, not behind the old model's pass");
    assert.equal(oldModel.disposed, false, 'the waiting request still holds its lease');
    const [, oldScores, newScores] = await Promise.all([busy, onOld, onNew]);
    assert.equal(predicts.calls, 3);
    lease.release();
    assert.equal(oldModel.disposed, true);
    assert.deepEqual(newScores, await scoreRows(model, requests[0]!));
    assert.notDeepEqual(oldScores, newScores, 'two different models');
  });

  it('scores without batching when the window is 0, and refuses a negative window', async () => {
    const predicts = countingForwards();
    const batcher = createPredictionBatcher({ windowMs: 0, forwardOf: (m) => predicts.forwardOf(m) });
    await Promise.all(requests.map((rows) => batcher.score(model, rows)));
    assert.equal(predicts.calls, requests.length);
    assert.throws(() => createPredictionBatcher({ windowMs: -1 }), BadInputError);
  });

  it('leaves no tensors behind', async () => {
    const batcher = createPredictionBatcher({ windowMs: 1 });
    await Promise.all(requests.map((rows) => batcher.score(model, rows)));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await Promise.all(requests.map((rows) => batcher.score(model, rows)));
    assert.equal(tf.memory().numTensors, before);
  });
});
