import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readTable } from '../src/data/read-table.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { createApp } from '../src/serve/app.ts';
import { createFixedModelSource } from '../src/serve/model-source.ts';
import { startServer, type RunningServer } from '../src/serve/start-server.ts';
import { FileStore } from '../src/store/file-store.ts';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';
import { tinyDataFile, trainTinyModel } from './helpers/train-tiny-model.ts';

describe('tandem score and POST /v1/predict', () => {
  let dir: string;
  let server: RunningServer;
  let modelId: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-parity-'));
    const store = new FileStore(path.join(dir, 'store'));
    modelId = (await trainTinyModel(store)).modelId;
    server = await startServer(createApp({ models: createFixedModelSource(await loadModel(store, modelId)) }), { port: 0 });
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('give the same scores, decisions, deciles and segments for the same rows and model (to 1e-6)', async () => {
    const out = path.join(dir, 'scores.jsonl');
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
