import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { RawRow } from '../data/labelled-row.ts';
import { transformRows } from '../features/preprocessor.ts';
import { loadModel, type LoadedModel } from '../model/model-artifacts.ts';
import { FileStore } from '../store/file-store.ts';
import { predictNetwork } from '../train/predict-network.ts';
import { trainTinyModel } from '../../test/helpers/train-tiny-model.ts';
import { scoreRows } from './score-rows.ts';
import { createServingForward } from './serving-forward.ts';

const rows: RawRow[] = [
  { customer_id: 'A1', plan: 'pro', internet: 'Fiber optic', tenure: 2 },
  { plan: 'basic', internet: 'No', tenure: 60 },
  { customer_id: 'C1', plan: 'unheard-of', tenure: null },
];

/** What TensorFlow.js itself gives for `rows` on `model`: per task name, `[rows]` scores. */
function tfjsOutputs(model: LoadedModel): Promise<Record<string, Float32Array>> {
  const x = transformRows(model.preprocessor, rows);
  return predictNetwork(model.network, x, rows.length, model.preprocessor.inputNames.length, model.card.tasks.map((task) => task.name));
}

describe('createServingForward', () => {
  let folder: string;
  let model: LoadedModel;

  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-serving-forward-'));
    const store = new FileStore(folder);
    model = await loadModel(store, (await trainTinyModel(store)).modelId);
  });

  after(async () => {
    model.network.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  it('compiles a saved model and scores what TensorFlow.js scores, within 1e-5', async () => {
    const forward = createServingForward(model);
    assert.equal(forward.engine, 'compiled');
    const expected = await tfjsOutputs(model);
    const predictions = await scoreRows(model, rows, { forward });
    for (const task of model.card.tasks) {
      predictions.forEach((prediction, i) => {
        const want = expected[task.name]?.[i] as number;
        assert.ok(Math.abs((prediction.scores[task.name] as number) - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${task.name}[${i}]`);
      });
    }
  });

  it('runs calls of blockRows rows or more as one TensorFlow.js block (wasm), within 1e-5 of the compiled pass, and smaller ones compiled', async () => {
    const compiled = createServingForward(model);
    const blocks = createServingForward(model, { blockRows: 64 });
    assert.equal(blocks.engine, tf.getBackend() === 'wasm' || tf.getBackend() === 'tensorflow' ? 'compiled+blocks' : 'compiled');
    const many: RawRow[] = Array.from({ length: 200 }, (_, i) => ({ ...(rows[i % rows.length] as RawRow), tenure: (i * 7) % 73 }));
    const x = transformRows(model.preprocessor, many);
    const want = await compiled.predict(x, many.length);
    const got = await blocks.predict(x, many.length);
    for (const task of model.card.tasks) {
      const a = want[task.name] as Float32Array;
      const b = got[task.name] as Float32Array;
      assert.equal(b.length, a.length);
      a.forEach((value, i) => assert.ok(Math.abs((b[i] as number) - value) <= 1e-5 * Math.max(1, Math.abs(value)), `${task.name}[${i}]: ${b[i]} vs ${value}`));
    }
    // Under blockRows the compiled pass runs: the same numbers exactly.
    const small = await blocks.predict(x.subarray(0, 10 * model.preprocessor.inputNames.length), 10);
    for (const task of model.card.tasks) assert.deepEqual(small[task.name], (want[task.name] as Float32Array).subarray(0, 10));
  });

  it('keeps TensorFlow.js for the whole model when its graph holds a layer the compiled path does not know', async () => {
    // The served graph behind a normalisation layer: the same outputs, one layer the compiled path cannot run.
    const input = tf.input({ shape: [model.preprocessor.inputNames.length] });
    const normalised = tf.layers.layerNormalization({ name: 'input_norm' }).apply(input) as tf.SymbolicTensor;
    const network = tf.model({ inputs: input, outputs: model.network.apply(normalised) as tf.SymbolicTensor[] });
    const wrapped: LoadedModel = { ...model, network };
    const forward = createServingForward(wrapped);
    assert.equal(forward.engine, 'tfjs');
    assert.match(forward.reason ?? '', /"input_norm" is a LayerNormalization/);
    const expected = await tfjsOutputs(wrapped);
    const predictions = await scoreRows(wrapped, rows, { forward });
    for (const task of model.card.tasks) {
      assert.deepEqual(
        predictions.map((prediction) => prediction.scores[task.name]),
        Array.from(expected[task.name] as Float32Array),
        `${task.name}: exactly TensorFlow.js's numbers`,
      );
    }
    // Only the normalisation layer's own weights are new; disposing them leaves the shared model intact.
    network.getLayer('input_norm').dispose();
  });
});
