import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { selectionSchema, type FeaturesConfig, type ModelConfig } from '../src/config/schema.ts';
import { parseNumber } from '../src/features/column-kind.ts';
import { fitPleEdges } from '../src/features/piecewise-linear-encoding.ts';
import type { NumericColumn } from '../src/features/preprocessor.ts';
import { fitQuantiles } from '../src/features/quantile-encoding.ts';
import { loadDataset } from '../src/data/load-dataset.ts';
import { readTable } from '../src/data/read-table.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { createApp } from '../src/serve/app.ts';
import { createFixedModelSource } from '../src/serve/model-source.ts';
import { startServer, type RunningServer } from '../src/serve/start-server.ts';
import { FileStore } from '../src/store/file-store.ts';
import { ensembleSavedModels } from '../src/train/ensemble-saved-models.ts';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';
import { tinyDataFile, trainTinyModel } from './helpers/train-tiny-model.ts';

/** The same tiny model trained with each numeric encoding, and with categorical embeddings. */
const variants: readonly { readonly name: string; readonly features: Partial<FeaturesConfig>; readonly model?: Partial<ModelConfig>; readonly ensembleOf?: number }[] = [
  { name: 'standard scaling', features: {} },
  { name: 'quantile (rank-Gaussian)', features: { numericEncoding: 'quantile' } },
  { name: 'piecewise-linear encoding', features: { numericEncoding: 'ple', bins: 4 } },
  { name: 'ple with categorical embeddings', features: { numericEncoding: 'ple', bins: 4, categoricalEmbedding: 2, minCategoryCount: 1 } },
  // One saved graph averaging three models (Average layers, which the compiled forward pass runs too).
  { name: 'an ensemble of 3 ple models', features: { numericEncoding: 'ple', bins: 4 }, ensembleOf: 3 },
  { name: 'wide & deep over ple', features: { numericEncoding: 'ple', bins: 4 }, model: { wide: true } },
];

describe('tandem score and POST /v1/predict', () => {
  let dir: string;
  let store: FileStore;
  const served: { modelId: string; server: RunningServer }[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-parity-'));
    store = new FileStore(path.join(dir, 'store'));
    for (const variant of variants) {
      const { modelId } = variant.ensembleOf === undefined ? await trainTinyModel(store, variant.model ?? {}, { features: variant.features }) : await trainTinyEnsemble(variant.ensembleOf, variant.features);
      served.push({ modelId, server: await startServer(createApp({ models: createFixedModelSource(await loadModel(store, modelId)) }), { port: 0 }) });
    }
  });
  /** k tiny models that differ by seed, averaged into one saved model whatever its validation score. */
  async function trainTinyEnsemble(k: number, features: Partial<FeaturesConfig>): Promise<{ modelId: string }> {
    const members = [];
    for (let seed = 1; seed <= k; seed++) members.push({ modelId: (await trainTinyModel(store, { seed }, { features })).modelId });
    const { modelId } = await ensembleSavedModels(store, { members, selection: selectionSchema.parse({}), saveWhenLosing: true });
    assert.ok(modelId !== undefined);
    return { modelId };
  }
  after(async () => {
    for (const { server } of served) await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  variants.forEach((variant, index) => {
    it(`give the same scores, decisions, deciles and segments for the same rows and model (to 1e-6): ${variant.name}`, async () => {
      const { modelId, server } = served[index] as { modelId: string; server: RunningServer };
      const out = path.join(dir, `scores-${index}.jsonl`);
      const run = await runCliInProcess(['score', '--store', `file://${dir}/store`, '--model', modelId, '--input', tinyDataFile, '--out', out]);
      assert.equal(run.code, 0, run.stderr);
      const fromCli = (await readFile(out, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, number | string | boolean>);

      // The API gets the rows as a marketing tool would send them: JSON with numbers as numbers.
      const table = await readTable(tinyDataFile);
      const customers = table.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v])));
      const response = await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customers }) });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { modelId: string; predictions: { id: string; scores: Record<string, number>; decisions: Record<string, boolean>; deciles: Record<string, number>; segment: string }[] };
      assert.equal(body.modelId, modelId);
      assert.equal(body.predictions.length, fromCli.length);
      body.predictions.forEach((prediction, i) => {
        const row = fromCli[i] as Record<string, number | string | boolean>;
        assert.equal(prediction.id, row.id);
        assert.equal(prediction.segment, row.segment);
        for (const [task, score] of Object.entries(prediction.scores)) {
          assert.ok(Math.abs(score - (row[task] as number)) <= 1e-6, `${row.id} ${task}: api ${score} vs score ${row[task]}`);
          assert.equal(prediction.decisions[task], row[`${task}_decision`]);
          assert.equal(prediction.deciles[task], row[`${task}_decile`]);
        }
      });
    });
  });

  it('save each encoding with the model, fitted on the training split only', async () => {
    const quantile = await loadModel(store, (served[1] as { modelId: string }).modelId);
    const ple = await loadModel(store, (served[2] as { modelId: string }).modelId);
    const embedded = await loadModel(store, (served[3] as { modelId: string }).modelId);
    try {
      const { splits } = await loadDataset(store, quantile.card.datasetId);
      const values = (rows: typeof splits.train): Float64Array => Float64Array.from(rows.map((row) => parseNumber(row.features.tenure ?? null) as number));
      const train = values(splits.train);
      const everything = values([...splits.train, ...splits.validation, ...splits.test]);
      const tenure = (model: typeof quantile): NumericColumn => model.preprocessor.columns.find((column) => column.name === 'tenure') as NumericColumn;
      assert.deepEqual(tenure(quantile).encoding, { kind: 'quantile', quantiles: fitQuantiles(train) });
      assert.notDeepEqual(fitQuantiles(train), fitQuantiles(everything), 'held-out rows would have moved the quantiles');
      assert.deepEqual(tenure(ple).encoding, { kind: 'ple', edges: fitPleEdges(train, 4) });
      assert.notDeepEqual(fitPleEdges(train, 4), fitPleEdges(everything, 4), 'held-out rows would have moved the bin edges');
      for (const model of [quantile, ple, embedded]) {
        assert.equal(model.preprocessor.version, 2);
        assert.equal(model.network.inputs[0]?.shape[1], model.preprocessor.inputNames.length);
      }
      assert.ok(embedded.network.layers.some((layer) => layer.name === 'categorical_embedding0'), 'the embedding is saved in the serving graph');
    } finally {
      for (const model of [quantile, ple, embedded]) model.network.dispose();
    }
  });
});
