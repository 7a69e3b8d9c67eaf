import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTableConfig } from '../src/config/load-config.ts';
import type { FeaturesConfig, ModelConfig } from '../src/config/schema.ts';
import { ingestTable } from '../src/data/ingest-table.ts';
import type { RawRow } from '../src/data/labelled-row.ts';
import { inputWidth, transformRows } from '../src/features/preprocessor.ts';
import { selectBackend } from '../src/model/backend.ts';
import { loadModel, type LoadedModel } from '../src/model/model-artifacts.ts';
import { createApp } from '../src/serve/app.ts';
import { createFixedModelSource } from '../src/serve/model-source.ts';
import { startServer, type RunningServer } from '../src/serve/start-server.ts';
import { FileStore } from '../src/store/file-store.ts';
import { ensembleSavedModels } from '../src/train/ensemble-saved-models.ts';
import { predictNetwork } from '../src/train/predict-network.ts';
import { trainAndSaveModel } from '../src/train/train-and-save.ts';
import { interactionCustomersCsv } from './helpers/interaction-customers.ts';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';

/**
 * An ensemble of models fitted with different feature settings (as a search's trials are): one with boosted-tree
 * leaves, one standard-scaled, one rank-Gaussian, and a linear one. Saved as one model whose preprocessor joins the three, it must
 * score exactly the average of its members, each on its own inputs, through `score` and `/v1/predict` alike.
 */
describe('an ensemble of members with different preprocessors', () => {
  let dir: string;
  let store: FileStore;
  let ensemble: LoadedModel;
  const members: LoadedModel[] = [];
  let server: RunningServer;
  const tasks = ['premium', 'linear'];
  let customers: RawRow[];
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-joined-'));
    store = new FileStore(path.join(dir, 'store'));
    await writeFile(path.join(dir, 'customers.csv'), interactionCustomersCsv(1500, 7));
    const configFile = path.join(dir, 'joined.config.json');
    await writeFile(
      configFile,
      JSON.stringify({
        name: 'joined',
        data: { path: 'customers.csv', id: 'id', exclude: ['tier'] },
        tasks: tasks.map((name) => ({ name, type: 'binary', label: { column: name, positive: ['yes'] } })),
      }),
    );
    const { config } = await loadTableConfig(configFile);
    const { manifest } = await ingestTable(config, store);
    const backend = await selectBackend();
    // The last member is the search's linear trial: no hidden layer, the output reads the (sliced) inputs directly.
    const settings: { features: Partial<FeaturesConfig>; model?: Partial<ModelConfig> }[] = [
      { features: { treeLeaves: 30 } },
      { features: { numericEncoding: 'standard', treeLeaves: 0 } },
      { features: { numericEncoding: 'quantile', treeLeaves: 0 } },
      { features: { numericEncoding: 'standard', treeLeaves: 0, categoricalEmbedding: null }, model: { arch: 'single', sharedUnits: [], towerUnits: [], dropout: 0 } },
    ];
    const ids: string[] = [];
    for (const [i, { features, model = {} }] of settings.entries()) {
      const trained = await trainAndSaveModel({
        store,
        datasetId: manifest.datasetId,
        name: config.name,
        params: { ...config.model, sharedUnits: [16], towerUnits: [8], batchSize: 64, epochs: 3, patience: 3, seed: i + 1, ...model },
        features: { ...config.features, ...features },
        selection: config.selection,
        backend,
      });
      ids.push(trained.modelId);
    }
    const saved = await ensembleSavedModels(store, { members: ids.map((modelId) => ({ modelId })), selection: config.selection, saveWhenLosing: true });
    ensemble = await loadModel(store, saved.modelId as string);
    for (const id of ids) members.push(await loadModel(store, id));
    server = await startServer(createApp({ models: createFixedModelSource(ensemble) }), { port: 0 });
    const [header, ...lines] = (await readFile(path.join(dir, 'customers.csv'), 'utf8')).trim().split('\n');
    const names = (header as string).split(',');
    customers = lines.slice(0, 400).map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i] as string, cell === '' ? null : /^[\d.]+$/.test(cell) ? Number(cell) : cell])));
  });
  after(async () => {
    await server.close();
    ensemble.network.dispose();
    for (const member of members) member.network.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  /** Per task, the mean of the members' scores of `customers`, each member encoding them with its own preprocessor. */
  async function membersAverage(): Promise<Record<string, number[]>> {
    const scores: Record<string, Float32Array>[] = [];
    for (const member of members) {
      const x = transformRows(member.preprocessor, customers);
      scores.push(await predictNetwork(member.network, x, customers.length, inputWidth(member.preprocessor), tasks));
    }
    return Object.fromEntries(tasks.map((task) => [task, customers.map((_, r) => scores.reduce((sum, s) => sum + (s[task] as Float32Array)[r]!, 0) / scores.length)]));
  }

  it('saves one model that reads the members\' inputs side by side', () => {
    const { preprocessor } = ensemble;
    assert.equal(preprocessor.version, 4);
    // The linear member reads exactly the standard-scaled member's inputs: one part serves both.
    assert.deepEqual(members[3]?.preprocessor, members[1]?.preprocessor);
    assert.equal(preprocessor.parts?.length, 3);
    assert.ok(preprocessor.parts?.[0]?.treeLeaves !== undefined, 'the first member keeps its trees');
    assert.deepEqual(preprocessor.parts, members.slice(0, 3).map((member) => member.preprocessor));
    assert.equal(ensemble.network.inputs[0]?.shape[1], members.slice(0, 3).reduce((sum, member) => sum + inputWidth(member.preprocessor), 0));
    assert.equal(ensemble.card.ensemble?.members.length, 4);
  });

  it('scores the members\' average through tandem score and POST /v1/predict (to 1e-6)', async () => {
    const expected = await membersAverage();
    const input = path.join(dir, 'first.csv');
    const csv = (await readFile(path.join(dir, 'customers.csv'), 'utf8')).trim().split('\n').slice(0, customers.length + 1).join('\n');
    await writeFile(input, `${csv}\n`);
    const out = path.join(dir, 'scores.jsonl');
    const run = await runCliInProcess(['score', '--store', `file://${dir}/store`, '--model', ensemble.modelId, '--input', input, '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    const fromCli = (await readFile(out, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, number | string>);
    const response = await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customers }) });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { predictions: { id: string; scores: Record<string, number> }[] };
    assert.equal(fromCli.length, customers.length);
    assert.equal(body.predictions.length, customers.length);
    customers.forEach((customer, i) => {
      for (const task of tasks) {
        const mean = (expected[task] as number[])[i] as number;
        const cli = (fromCli[i] as Record<string, number>)[task] as number;
        const api = body.predictions[i]?.scores[task] as number;
        assert.equal(body.predictions[i]?.id, String(customer.id));
        assert.ok(Math.abs(cli - mean) <= 1e-6 && Math.abs(api - mean) <= 1e-6, `${customer.id} ${task}: score ${cli}, api ${api}, members' mean ${mean}`);
      }
    });
  });

  it('refuses to join members that read other feature columns', async () => {
    const { joinPreprocessors } = await import('../src/features/preprocessor.ts');
    const [a, b] = members.map((member) => member.preprocessor);
    assert.throws(() => joinPreprocessors([a!, { ...b!, columns: b!.columns.slice(1) }]), /part 1 reads other feature columns/);
  });
});
