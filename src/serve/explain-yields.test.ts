import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadModel, type LoadedModel } from '../model/model-artifacts.ts';
import { FileStore } from '../store/file-store.ts';
import { trainTinyModel } from '../../test/helpers/train-tiny-model.ts';
import { createApp } from './app.ts';
import { createFixedModelSource, type ModelSource } from './model-source.ts';
import { startServer, type RunningServer } from './start-server.ts';

describe('POST /v1/explain over HTTP', () => {
  let folder: string;
  let model: LoadedModel;
  let models: ModelSource;
  let server: RunningServer;
  let firstForwardPass: Promise<void>;

  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-explain-http-'));
    const store = new FileStore(folder);
    model = await loadModel(store, (await trainTinyModel(store)).modelId);
    // Resolves when the explanation has started computing: its forward pass is compiled (reading the graph) or,
    // where the graph cannot be compiled, TensorFlow.js runs its first predict.
    const network = model.network;
    const predict = network.predict.bind(network);
    const getConfig = network.getConfig.bind(network);
    firstForwardPass = new Promise((resolve) => {
      network.predict = (...args: Parameters<typeof network.predict>) => {
        resolve();
        return predict(...args);
      };
      network.getConfig = () => {
        resolve();
        return getConfig();
      };
    });
    models = createFixedModelSource(model);
    server = await startServer(createApp({ models }), { port: 0 });
  });

  after(async () => {
    await server.close();
    await models.close?.();
    await rm(folder, { recursive: true, force: true });
  });

  it('answers /healthz while a 1000-row explanation is still running', async () => {
    const customers = Array.from({ length: 1000 }, (_, i) => ({ customer_id: `C${i}`, plan: ['basic', 'plus', 'pro'][i % 3], tenure: i % 72 }));
    const before = tf.memory().numTensors;
    const finished: string[] = [];
    const explain = fetch(`${server.url}/v1/explain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customers }),
    }).then(async (response) => {
      // Headers come once the server has computed the whole answer; the large body then takes a while to stream.
      finished.push('explain');
      return { status: response.status, body: (await response.json()) as { explanations: { id: string }[] } };
    });
    await firstForwardPass;
    const health = await fetch(`${server.url}/healthz`);
    finished.push('healthz');
    await health.arrayBuffer();
    assert.equal(health.status, 200);
    const { status, body } = await explain;
    assert.equal(status, 200);
    assert.equal(body.explanations.length, 1000);
    assert.deepEqual([body.explanations[0]!.id, body.explanations[999]!.id], ['C0', 'C999']);
    assert.deepEqual(finished, ['healthz', 'explain'], '/healthz was served between chunks of the explanation');
    assert.equal(tf.memory().numTensors, before, 'no tensor leak');
  });
});
