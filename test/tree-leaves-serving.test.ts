import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTableConfig } from '../src/config/load-config.ts';
import { loadDataset } from '../src/data/load-dataset.ts';
import { ingestTable } from '../src/data/ingest-table.ts';
import { fitTreeLeaves } from '../src/features/fit-tree-leaves.ts';
import { fitPreprocessor } from '../src/features/preprocessor.ts';
import { selectBackend } from '../src/model/backend.ts';
import { loadModel, type LoadedModel } from '../src/model/model-artifacts.ts';
import { createApp } from '../src/serve/app.ts';
import { createFixedModelSource } from '../src/serve/model-source.ts';
import { startServer, type RunningServer } from '../src/serve/start-server.ts';
import { FileStore } from '../src/store/file-store.ts';
import { trainAndSaveModel } from '../src/train/train-and-save.ts';
import { interactionCustomersCsv } from './helpers/interaction-customers.ts';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';

/** A model whose preprocessor has boosted-tree leaves (the premium task's trees beat a linear model), served and scored. */
describe('boosted-tree leaf inputs end to end', () => {
  let dir: string;
  let store: FileStore;
  let model: LoadedModel;
  let server: RunningServer;
  const taskSpecs = [
    { name: 'premium', type: 'binary', label: { column: 'premium', positive: ['yes'] } },
    { name: 'linear', type: 'binary', label: { column: 'linear', positive: ['yes'] } },
  ];
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-leaves-'));
    store = new FileStore(path.join(dir, 'store'));
    await writeFile(path.join(dir, 'customers.csv'), interactionCustomersCsv(2000, 5));
    const configFile = path.join(dir, 'leaves.config.json');
    await writeFile(configFile, JSON.stringify({ name: 'leaves', data: { path: 'customers.csv', id: 'id', exclude: ['tier'] }, tasks: taskSpecs, features: { treeLeaves: 40 } }));
    const { config } = await loadTableConfig(configFile);
    const { manifest } = await ingestTable(config, store);
    const trained = await trainAndSaveModel({
      store,
      datasetId: manifest.datasetId,
      name: config.name,
      params: { ...config.model, sharedUnits: [16], towerUnits: [8], batchSize: 64, epochs: 3, patience: 3 },
      features: config.features,
      selection: config.selection,
      backend: await selectBackend(),
    });
    model = await loadModel(store, trained.modelId);
    server = await startServer(createApp({ models: createFixedModelSource(model) }), { port: 0 });
  });
  after(async () => {
    await server.close();
    model.network.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('saves the trees with the model, fitted on the training split only', async () => {
    const { preprocessor } = model;
    assert.equal(preprocessor.version, 3);
    assert.deepEqual(
      preprocessor.treeLeaves?.forests.map((forest) => forest.task),
      ['premium'],
    );
    assert.equal(model.network.inputs[0]?.shape[1], preprocessor.inputNames.length);
    assert.equal(preprocessor.inputNames.at(-1), 'premium__tree_score');
    // model.fromTreeScores (default): premium's logit adds its forest's log-odds, read from the score input by a frozen layer.
    const logOdds = model.network.getLayer('tree_log_odds_premium');
    assert.equal(logOdds.trainable, false);
    const forest = preprocessor.treeLeaves?.forests[0]?.score;
    assert.deepEqual(logOdds.getWeights().map((w) => Math.fround(w.dataSync()[0] as number)), [Math.fround(forest?.scale as number), Math.fround(forest?.mean as number)]);
    assert.ok(model.network.layers.some((layer) => layer.name === 'from_trees_premium'));
    assert.ok(!model.network.layers.some((layer) => layer.name === 'from_trees_linear'), 'a task without trees has no offset');
    const { config } = await loadTableConfig(path.join(dir, 'leaves.config.json'));
    const { splits } = await loadDataset(store, model.card.datasetId);
    const columns = ['income', 'limit', 'age'];
    const refit = (rows: typeof splits.train) => fitTreeLeaves(fitPreprocessor(rows, columns, config.features), rows, config.tasks, config.features).preprocessor;
    assert.deepEqual(refit(splits.train), preprocessor);
    assert.notDeepEqual(refit([...splits.train, ...splits.validation]).treeLeaves, preprocessor.treeLeaves, 'held-out rows would have moved the trees');
  });

  it('gives the same scores through tandem score and POST /v1/predict (to 1e-6)', async () => {
    const out = path.join(dir, 'scores.jsonl');
    const input = path.join(dir, 'customers.csv');
    const run = await runCliInProcess(['score', '--store', `file://${dir}/store`, '--model', model.modelId, '--input', input, '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    const fromCli = (await readFile(out, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, number | string>);
    const [header, ...lines] = (await readFile(input, 'utf8')).trim().split('\n');
    const names = (header as string).split(',');
    // The first 500 (a request's row limit is lower than the file).
    const customers = lines.slice(0, 500).map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i] as string, cell === '' ? null : /^[\d.]+$/.test(cell) ? Number(cell) : cell])));
    const response = await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customers }) });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { predictions: { id: string; scores: Record<string, number> }[] };
    assert.equal(body.predictions.length, 500);
    body.predictions.forEach((prediction, i) => {
      const row = fromCli[i] as Record<string, number | string>;
      assert.equal(prediction.id, row.id);
      for (const task of ['premium', 'linear']) {
        assert.ok(Math.abs((prediction.scores[task] as number) - (row[task] as number)) <= 1e-6, `${row.id} ${task}: api ${prediction.scores[task]} vs score ${row[task]}`);
      }
    });
  });
});
