import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { segmentsSchema } from '../src/config/segments-schema.ts';
import { openDuckDbSession, sqlString } from '../src/data/events/duckdb-session.ts';
import { readTable } from '../src/data/read-table.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { createApp } from '../src/serve/app.ts';
import { createFixedModelSource } from '../src/serve/model-source.ts';
import { matchSegmentRule } from '../src/serve/segment.ts';
import { FileStore } from '../src/store/file-store.ts';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';
import { tinyDataFile, trainTinyModel } from './helpers/train-tiny-model.ts';

const segments = segmentsSchema.parse({
  default: 'rest',
  rules: [
    { name: 'retain', when: [{ task: 'churn', decile: { gte: 6 } }, { task: 'spend', score: { gt: 'median' } }] },
    { name: 'upsell', when: [{ task: 'security_xsell', decile: { gte: 6 } }] },
  ],
});

type Row = Record<string, string | number | boolean>;

describe('a model trained with segment rules and a stability baseline', () => {
  let dir: string;
  let storeUri: string;
  let modelId: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-segments-'));
    storeUri = `file://${dir}/store`;
    modelId = (await trainTinyModel(new FileStore(path.join(dir, 'store')), {}, { segments })).modelId;
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the rules in the card and segments the same way in score (CSV, Parquet) and POST /v1/predict', async () => {
    const model = await loadModel(new FileStore(path.join(dir, 'store')), modelId);
    try {
      assert.deepEqual(model.card.segments, segments);
      const out = path.join(dir, 'scores.jsonl');
      const run = await runCliInProcess(['score', '--store', storeUri, '--model', modelId, '--input', tinyDataFile, '--out', out]);
      assert.equal(run.code, 0, run.stderr);
      const fromCli = (await readFile(out, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Row);

      const table = await readTable(tinyDataFile);
      const app = createApp({ models: createFixedModelSource(model) });
      const response = await app.request('/v1/predict', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customers: table.rows }) });
      assert.equal(response.status, 200);
      const { predictions } = (await response.json()) as { predictions: { id: string; scores: Record<string, number>; decisions: Record<string, boolean>; deciles: Record<string, number>; segment: string }[] };
      assert.deepEqual(predictions.map((p) => p.segment), fromCli.map((row) => row.segment));
      // Every segment is what the rules say for the row's outputs, and the rules, not the `+` join, named them.
      const served = model.card.tasks.filter((task) => !task.auxiliary);
      for (const prediction of predictions) assert.equal(prediction.segment, matchSegmentRule(prediction, served, segments));
      assert.ok(predictions.every((p) => ['retain', 'upsell', 'rest'].includes(p.segment)));
      assert.ok(new Set(predictions.map((p) => p.segment)).size >= 2, 'the rules split the 40 customers');

      const parquet = path.join(dir, 'scores.parquet');
      const viaParquet = await runCliInProcess(['score', '--store', storeUri, '--model', modelId, '--input', tinyDataFile, '--out', parquet]);
      assert.equal(viaParquet.code, 0, viaParquet.stderr);
      const session = await openDuckDbSession({ threads: 1 });
      try {
        const rows = (await session.connection.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(parquet)})`)).getRowObjectsJS();
        assert.deepEqual(rows, fromCli);
      } finally {
        await session.close();
      }
    } finally {
      model.network.dispose();
    }
  });

  it('reports every feature and score PSI in score --json, and warns on stderr when a batch has shifted', async () => {
    const table = await readTable(tinyDataFile);
    const out = path.join(dir, 'same.csv');
    const same = await runCliInProcess(['score', '--store', storeUri, '--model', modelId, '--input', tinyDataFile, '--out', out, '--json']);
    assert.equal(same.code, 0, same.stderr);
    const { stability } = JSON.parse(same.stdout) as { stability: { features: Record<string, number>; scores: Record<string, number>; warnings: string[] } };
    assert.deepEqual(Object.keys(stability.scores).sort(), ['churn', 'security_xsell', 'spend']);
    for (const column of ['plan', 'internet', 'tenure']) assert.ok(Number.isFinite(stability.features[column]), column);

    // Tenure far beyond anything seen in training and every plan unseen: both land in one bin each.
    const header = table.columns.join(',');
    const shiftedLines = table.rows.map((row) => table.columns.map((c) => (c === 'tenure' ? String(Number(row[c]) + 1000) : c === 'plan' ? 'enterprise' : c === 'note' ? '' : String(row[c] ?? ''))).join(','));
    const shiftedFile = path.join(dir, 'shifted.csv');
    await writeFile(shiftedFile, `${header}\n${shiftedLines.join('\n')}\n`);
    const shifted = await runCliInProcess(['score', '--store', storeUri, '--model', modelId, '--input', shiftedFile, '--out', path.join(dir, 'shifted-out.csv'), '--json']);
    assert.equal(shifted.code, 0, shifted.stderr);
    const shiftedStability = (JSON.parse(shifted.stdout) as { stability: typeof stability }).stability;
    assert.ok((shiftedStability.features.tenure as number) > 0.2, String(shiftedStability.features.tenure));
    assert.ok((shiftedStability.features.plan as number) > 0.2, String(shiftedStability.features.plan));
    assert.match(shifted.stderr, /warning: feature "tenure": PSI \d+\.\d{3} > 0\.2/);
    assert.match(shifted.stderr, /warning: feature "plan": PSI/);
    assert.ok(shiftedStability.warnings.some((w) => w.startsWith('feature "tenure"')));
  });
});
