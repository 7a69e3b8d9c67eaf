import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadModel } from '../model/model-artifacts.ts';
import { FileStore } from '../store/file-store.ts';
import { trainTinyModel } from '../../test/helpers/train-tiny-model.ts';
import { acquireModel, createFixedModelSource, LeasedModel } from './model-source.ts';
import { isDisposed } from '../../test/helpers/model-lifecycle.ts';


describe('model sources', () => {
  let folder: string;
  let store: FileStore;
  let modelId: string;

  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-source-'));
    store = new FileStore(folder);
    modelId = (await trainTinyModel(store)).modelId;
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('disposes a retired model only when its last lease is released', async () => {
    const model = await loadModel(store, modelId);
    const leased = new LeasedModel(model);
    const first = leased.lease();
    const second = leased.lease();
    leased.retire();
    assert.equal(leased.disposed, false);
    first.release();
    first.release(); // a second release must not count twice
    assert.equal(leased.activeLeases, 1);
    assert.equal(isDisposed(model), false);
    second.release();
    assert.equal(leased.disposed, true);
    assert.equal(isDisposed(model), true);
  });

  it('disposes an idle retired model at once', async () => {
    const model = await loadModel(store, modelId);
    const leased = new LeasedModel(model);
    leased.lease().release();
    assert.equal(isDisposed(model), false);
    leased.retire();
    assert.equal(isDisposed(model), true);
  });

  it('a fixed source serves its model until closed, then disposes it', async () => {
    const model = await loadModel(store, modelId);
    const source = createFixedModelSource(model);
    assert.equal(source.current(), model);
    const lease = acquireModel(source)!;
    await source.close?.();
    assert.equal(source.current(), undefined);
    assert.equal(acquireModel(source), undefined);
    assert.equal(isDisposed(model), false, 'the request in flight still holds it');
    lease.release();
    assert.equal(isDisposed(model), true);
  });

  it('acquireModel borrows from sources that only offer current()', async () => {
    const model = await loadModel(store, modelId);
    const lease = acquireModel({ current: () => model });
    assert.equal(lease?.model, model);
    lease?.release();
    assert.equal(isDisposed(model), false);
    assert.equal(acquireModel({ current: () => undefined }), undefined);
    assert.equal(acquireModel(createFixedModelSource(undefined)), undefined);
    model.network.dispose();
  });
});
