/**
 * What serving a saved ensemble costs: for each model given (`STORE_DIR:MODEL_ID`, or a store that `bench:quality
 * --keep-stores` kept, whose search's kept ensemble is taken), the time of one forward call of `--batches` rows each
 * (a request's few rows up to a scoring block) over its dataset's test rows, encoded once, on the compiled path the
 * API uses (`createServingForward`) and on TensorFlow.js, for the ensemble and for its first member alone. Each call
 * is repeated for at least `--seconds`; rounds alternate between the engines so that machine load falls on both
 * alike, and the best of `--rounds` is kept. Prints one JSON object.
 *
 *   npm run bench:ensemble-forward -- STORE_DIR[:MODEL_ID]... [--batches 1,32,1024] [--rounds 3] [--seconds 0.5]
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/load-dataset.ts';
import { transformRows } from '../src/features/preprocessor.ts';
import { selectBackend } from '../src/model/backend.ts';
import { loadModel, type LoadedModel } from '../src/model/model-artifacts.ts';
import type { StoredRun } from '../src/search/stored-run.ts';
import { createServingForward } from '../src/serve/serving-forward.ts';
import { FileStore } from '../src/store/file-store.ts';
import { readJson } from '../src/store/json-object.ts';
import { predictNetwork } from '../src/train/predict-network.ts';
import { round } from './round.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { batches: { type: 'string', default: '1,32,1024' }, rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '0.5' } },
});
if (positionals.length === 0) {
  process.stderr.write('usage: tsx bench/ensemble-forward.ts STORE_DIR[:MODEL_ID]... [--batches 1,32,1024] [--rounds N] [--seconds S]\n');
  process.exit(2);
}
const batches = values.batches.split(',').map(Number);
const rounds = Number(values.rounds);
const minSeconds = Number(values.seconds);
const backend = await selectBackend();

const results = [];
for (const target of positionals) {
  const [dir, given] = target.split(':') as [string, string | undefined];
  const store = new FileStore(dir);
  const modelId = given ?? (await keptEnsemble(store, dir));
  const ensemble = await loadModel(store, modelId);
  const members = ensemble.card.ensemble?.members ?? [];
  const first = members[0]?.modelId === undefined ? undefined : await loadModel(store, members[0].modelId);
  const { splits } = await loadDataset(store, ensemble.card.datasetId);
  const measured: Record<string, unknown> = { model: modelId, members: members.length };
  for (const [name, model] of [['ensemble', ensemble], ['firstMember', first]] as const) {
    if (model === undefined) continue;
    measured[name] = await timeForward(model, splits.test.map((row) => row.features));
    model.network.dispose();
  }
  results.push(measured);
}
console.log(JSON.stringify({ bench: 'ensemble-forward', backend, batches, rounds, results }));

/** The model of the search's kept ensemble in a store with one search run. */
async function keptEnsemble(store: FileStore, dir: string): Promise<string> {
  const [runId] = await readdir(path.join(dir, 'runs'));
  const run = await readJson<StoredRun>(store, `runs/${runId as string}/run.json`);
  const modelId = run.ensemble?.kept === true ? run.ensemble.modelId : undefined;
  if (modelId === undefined) throw new Error(`${dir}: its search kept no ensemble; name a model as ${dir}:MODEL_ID`);
  return modelId;
}

/** Per batch size, the best microseconds per call over the rounds on each engine. */
async function timeForward(model: LoadedModel, features: Parameters<typeof transformRows>[1]): Promise<Record<string, unknown>> {
  const width = model.preprocessor.inputNames.length;
  const largest = Math.max(...batches);
  const one = transformRows(model.preprocessor, features.slice(0, largest));
  const forward = createServingForward(model);
  const outputNames = model.card.tasks.map((task) => task.name);
  const engines = {
    compiled: (x: Float32Array, rows: number) => forward.predict(x, rows),
    tfjs: (x: Float32Array, rows: number) => predictNetwork(model.network, x, rows, width, outputNames),
  };
  const perBatch: Record<string, unknown> = {};
  for (const rows of batches) {
    const x = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) x.set(one.subarray((r % features.length) * width, ((r % features.length) + 1) * width), r * width);
    const best = { compiled: Number.POSITIVE_INFINITY, tfjs: Number.POSITIVE_INFINITY };
    for (let i = 0; i < rounds; i++) {
      for (const [name, run] of Object.entries(engines) as [keyof typeof engines, (typeof engines)['tfjs']][]) {
        let calls = 0;
        const at = performance.now();
        while (calls === 0 || performance.now() - at < minSeconds * 1000) {
          await run(x, rows);
          calls++;
        }
        best[name] = Math.min(best[name], ((performance.now() - at) * 1000) / calls);
      }
    }
    perBatch[rows] = { compiledMicroseconds: round(best.compiled, 0), tfjsMicroseconds: round(best.tfjs, 0) };
  }
  return { engine: forward.engine, inputWidth: width, perBatch };
}
