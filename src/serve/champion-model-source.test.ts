import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { writeChampionPointer } from '../registry/champion.ts';
import { FileStore } from '../store/file-store.ts';
import { trainTinyModel } from '../../test/helpers/train-tiny-model.ts';
import { createApp } from './app.ts';
import { createChampionModelSource } from './champion-model-source.ts';
import { startServer } from './start-server.ts';
import { isDisposed, waitFor } from '../../test/helpers/model-lifecycle.ts';



const body = JSON.stringify({ customers: [{ customer_id: 'Z1', plan: 'pro', internet: 'DSL', tenure: 12 }, { tenure: 40 }] });
const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body };

describe('createChampionModelSource', () => {
  let folder: string;
  let store: FileStore;
  let first: string;
  let second: string;

  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-champion-'));
    store = new FileStore(folder);
    first = (await trainTinyModel(store)).modelId;
    second = (await trainTinyModel(store, { seed: 7 })).modelId;
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('answers 503 before any champion, then serves the first one promoted', async () => {
    const emptyStore = new FileStore(path.join(folder, 'empty'));
    const source = await createChampionModelSource(emptyStore, { project: 'fixture', pollMs: 20, log: () => undefined });
    try {
      const app = createApp({ models: source });
      assert.equal((await app.request('/v1/predict', post)).status, 503);
      assert.equal((await app.request('/healthz')).status, 503);
      // Promote in the first store and point the empty one at a copy of the model.
      for (const key of await store.list(`models/${first}/`)) await emptyStore.put(key, await store.get(key));
      await writeChampionPointer(emptyStore, { project: 'fixture', modelId: first, reason: 'first champion' });
      await waitFor(() => source.current()?.modelId === first, 'the first champion');
      const response = await app.request('/v1/predict', post);
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { modelId: string }).modelId, first);
    } finally {
      await source.close();
    }
  });

  it('picks up a new champion under load without a restart and without failing a request', async () => {
    await writeChampionPointer(store, { project: 'fixture', modelId: first, reason: 'start' });
    const logged: string[] = [];
    const source = await createChampionModelSource(store, { project: 'fixture', pollMs: 25, log: (line) => logged.push(line) });
    const server = await startServer(createApp({ models: source }), { port: 0 });
    const old = source.current()!;
    assert.equal(old.modelId, first);
    const seen = new Map<string, number>();
    const failures: string[] = [];
    let stop = false;
    const worker = async (route: string): Promise<void> => {
      while (!stop) {
        const response = await fetch(`${server.url}${route}`, post);
        const text = await response.text();
        if (response.status !== 200) failures.push(`${route} ${response.status} ${text}`);
        else {
          const id = (JSON.parse(text) as { modelId: string }).modelId;
          seen.set(id, (seen.get(id) ?? 0) + 1);
        }
      }
    };
    const workers = ['/v1/predict', '/v1/predict', '/v1/explain', '/v1/explain'].map(worker);
    try {
      await waitFor(() => (seen.get(first) ?? 0) >= 20, 'requests on the first model');
      await writeChampionPointer(store, { project: 'fixture', modelId: second, reason: 'better' });
      await waitFor(() => (seen.get(second) ?? 0) >= 40 || failures.length > 0, 'requests on the new champion');
    } finally {
      stop = true;
      await Promise.all(workers);
      await server.close();
    }
    assert.deepEqual(failures, []);
    assert.equal(source.current()?.modelId, second);
    assert.ok(isDisposed(old), 'the replaced network is disposed once its requests finished');
    assert.ok(logged.some((line) => line.includes(`serving champion ${second} of project fixture (replaces ${first})`)), logged.join('\n'));
    const numTensors = tf.memory().numTensors;
    await source.close();
    assert.ok(tf.memory().numTensors < numTensors, 'close disposes the served network');
    assert.equal(source.current(), undefined);
  });

  it('keeps serving the old champion when the new one cannot be loaded, logs it once, and retries', async () => {
    await writeChampionPointer(store, { project: 'fixture', modelId: first, reason: 'start' });
    const logged: string[] = [];
    const source = await createChampionModelSource(store, { project: 'fixture', pollMs: 0, log: (line) => logged.push(line) });
    try {
      const broken = 'broken-model';
      for (const key of await store.list(`models/${second}/`)) {
        const name = key.slice(key.lastIndexOf('/') + 1);
        let content: Buffer | string = await store.get(key);
        if (name === 'model.json') content = '{ truncated';
        if (name === 'card.json') content = JSON.stringify({ ...(JSON.parse(content.toString('utf8')) as object), modelId: broken });
        await store.put(`models/${broken}/${name}`, content);
      }
      await writeChampionPointer(store, { project: 'fixture', modelId: broken, reason: 'broken' });
      logged.length = 0;
      for (let i = 0; i < 3; i++) await source.refresh();
      assert.equal(source.current()?.modelId, first);
      assert.equal(logged.length, 1, logged.join('\n'));
      assert.match(logged[0]!, /cannot load champion broken-model .* still serving /);
      const response = await createApp({ models: source }).request('/v1/predict', post);
      assert.equal(response.status, 200);
      // Repaired in place: the next check loads it.
      await store.put(`models/${broken}/model.json`, await store.get(`models/${second}/model.json`));
      await source.refresh();
      assert.equal(source.current()?.modelId, broken);
    } finally {
      await source.close();
    }
  });
  it('follows only its own project: another project promoted in the same store is never served', async () => {
    // A model of project "other": a copy of the second model under another id and name.
    for (const key of await store.list(`models/${second}/`)) {
      const name = key.slice(key.lastIndexOf('/') + 1);
      let content: Buffer | string = await store.get(key);
      if (name === 'card.json') content = JSON.stringify({ ...(JSON.parse(content.toString('utf8')) as object), modelId: 'other-model', name: 'other' });
      await store.put(`models/other-model/${name}`, content);
    }
    await writeChampionPointer(store, { project: 'fixture', modelId: first, reason: 'start' });
    const logged: string[] = [];
    const fixture = await createChampionModelSource(store, { project: 'fixture', pollMs: 0, log: (line) => logged.push(line) });
    const other = await createChampionModelSource(store, { project: 'other', pollMs: 0, log: (line) => logged.push(line) });
    try {
      assert.equal(other.current(), undefined, 'no champion of "other" yet: its API answers 503');
      await writeChampionPointer(store, { project: 'other', modelId: 'other-model', reason: 'first of other' });
      await fixture.refresh();
      await other.refresh();
      assert.equal(fixture.current()?.modelId, first, 'the fixture API did not swap');
      assert.equal(other.current()?.modelId, 'other-model');
      const response = await createApp({ models: fixture }).request('/v1/predict', post);
      assert.equal(((await response.json()) as { modelId: string }).modelId, first);
      assert.ok(!logged.some((line) => line.includes(`other-model (replaces ${first})`)), logged.join('\n'));
    } finally {
      await fixture.close();
      await other.close();
    }
  });

  it('serves a store of the older layout (only models/champion.json) as the champion of its model\'s project', async () => {
    const oldStore = new FileStore(path.join(folder, 'old-layout'));
    for (const key of await store.list(`models/${first}/`)) await oldStore.put(key, await store.get(key));
    await oldStore.put('models/champion.json', JSON.stringify({ modelId: first, previousId: null, promotedAt: '2025-01-01T00:00:00.000Z', reason: 'old layout' }));
    const fixture = await createChampionModelSource(oldStore, { project: 'fixture', pollMs: 0, log: () => undefined });
    const other = await createChampionModelSource(oldStore, { project: 'other', pollMs: 0, log: () => undefined });
    try {
      assert.equal(fixture.current()?.modelId, first);
      assert.equal(other.current(), undefined);
    } finally {
      await fixture.close();
      await other.close();
    }
  });
});
