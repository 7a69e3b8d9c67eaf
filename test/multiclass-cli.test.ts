import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readTable } from '../src/data/read-table.ts';
import type { SplitMetrics } from '../src/metrics/evaluation.ts';
import type { MulticlassTaskMetrics } from '../src/metrics/multiclass-metrics.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { createApp } from '../src/serve/app.ts';
import { createFixedModelSource } from '../src/serve/model-source.ts';
import { predictResponseSchema } from '../src/serve/openapi-document.ts';
import { FileStore } from '../src/store/file-store.ts';
import { createSeededRandom } from '../src/random/seeded-random.ts';
import { runCliInProcess } from './helpers/run-cli-in-process.ts';

const classes = ['bronze', 'silver', 'gold'];

/** 400 customers: `tier` (3 classes) follows `spend`, `churned` follows `tenure`; a few tiers are missing. */
function shopCsv(): string {
  const random = createSeededRandom(11);
  const lines = ['customer_id,spend,tenure,region,tier,churned'];
  for (let i = 0; i < 400; i++) {
    const spend = random.next() * 100;
    const tenure = random.next() * 60;
    const region = ['north', 'south', 'east'][random.int(3)] as string;
    const noisy = spend + random.normal() * 8;
    const tier = i % 40 === 0 ? '' : noisy < 33 ? 'bronze' : noisy < 66 ? 'silver' : ' gold';
    const churned = tenure + random.normal() * 10 < 20 ? 'Yes' : 'No';
    lines.push(`c${i},${spend.toFixed(2)},${tenure.toFixed(1)},${region},${tier},${churned}`);
  }
  return `${lines.join('\n')}\n`;
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

describe('a multiclass task end to end: ingest → train → score → API', () => {
  let dir: string;
  let store: string;
  let config: string;
  let data: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-multiclass-'));
    store = `file://${dir}/store`;
    data = path.join(dir, 'shop.csv');
    config = path.join(dir, 'shop.config.json');
    await writeFile(data, shopCsv());
    await writeFile(
      config,
      JSON.stringify({
        name: 'tiers',
        data: { path: 'shop.csv', id: 'customer_id' },
        tasks: [
          { name: 'tier', type: 'multiclass', label: { column: 'tier', classes } },
          { name: 'churn', type: 'binary', label: { column: 'churned', positive: ['Yes'] } },
        ],
        split: { test: 0.25, validation: 0.25, seed: 3 },
      }),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('counts classes at ingest, reports macro metrics, writes class columns and serves class probabilities that agree', async () => {
    const ingest = await runCliInProcess(['ingest', '--config', config, '--store', store, '--json']);
    assert.equal(ingest.code, 0, ingest.stderr);
    const dataset = JSON.parse(ingest.stdout) as { datasetId: string; rows: number; tasks: Record<string, { labelled: number; classes?: Record<string, number> }> };
    assert.equal(dataset.rows, 400);
    const tierStats = dataset.tasks.tier;
    assert.equal(tierStats?.labelled, 390, 'every 40th tier is empty: no label');
    assert.deepEqual(Object.keys(tierStats?.classes ?? {}), classes);
    assert.equal(sum(Object.values(tierStats?.classes ?? {})), 390);

    const train = await runCliInProcess(['train', '--dataset', dataset.datasetId, '--store', store, '--shared-units', '8', '--tower-units', '4', '--epochs', '3', '--seed', '1', '--json']);
    assert.equal(train.code, 0, train.stderr);
    const trained = JSON.parse(train.stdout) as { modelId: string; metrics: { validation: SplitMetrics; test: SplitMetrics } };
    const tier = trained.metrics.test.tasks.tier as MulticlassTaskMetrics;
    assert.equal(tier.type, 'multiclass');
    assert.deepEqual(tier.classes, classes);
    assert.ok(tier.auc !== null && tier.auc > 0 && tier.auc <= 1, `macro auc ${tier.auc}`);
    assert.ok(tier.f1 >= 0 && tier.f1 <= 1, `macro f1 ${tier.f1}`);
    assert.ok(tier.accuracy !== null && tier.accuracy >= 0 && tier.accuracy <= 1);
    assert.deepEqual(Object.keys(tier.perClass), classes);
    assert.equal(sum(Object.values(tier.perClass).map((m) => m.support)), tier.rows);
    const definedAucs = Object.values(tier.perClass).flatMap((m) => (m.auc === null ? [] : [m.auc]));
    assert.ok(Math.abs(sum(definedAucs) / definedAucs.length - tier.auc) < 1e-12, 'macro auc is the mean of the class aucs');
    assert.equal(trained.metrics.test.tasks.churn?.type, 'binary');
    assert.ok(trained.metrics.test.combinedScore !== null);
    const text = await runCliInProcess(['train', '--dataset', dataset.datasetId, '--store', store, '--shared-units', '8', '--tower-units', '4', '--epochs', '1']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout + text.stderr, /tier\s+multiclass \(3\)\s+\d\.\d{4}\s+\d\.\d{4}\s+macro; accuracy \d\.\d{4}/);

    const out = path.join(dir, 'scores.csv');
    const score = await runCliInProcess(['score', '--store', store, '--model', trained.modelId, '--input', data, '--out', out]);
    assert.equal(score.code, 0, score.stderr);
    const written = await readTable(out);
    assert.deepEqual(written.columns, [
      'id',
      'tier',
      'tier_decision',
      'tier_decile',
      ...classes.map((name) => `tier_p_${name}`),
      'churn',
      'churn_decision',
      'churn_decile',
      'segment',
    ]);
    assert.equal(written.rows.length, 400);
    for (const row of written.rows) {
      const probabilities = classes.map((name) => Number(row[`tier_p_${name}`]));
      assert.ok(Math.abs(sum(probabilities) - 1) < 1e-5, `${String(row.id)}: class probabilities sum to ${sum(probabilities)}`);
      const top = Math.max(...probabilities);
      assert.ok(Math.abs(Number(row.tier) - top) < 1e-6, 'tier is the predicted class probability');
      assert.equal(row.tier_decision, classes[probabilities.indexOf(top)]);
      assert.equal(row.segment, [`tier=${String(row.tier_decision)}`, ...(row.churn_decision === 'true' ? ['churn'] : [])].join('+'));
    }

    const model = await loadModel(new FileStore(path.join(dir, 'store')), trained.modelId);
    try {
      const app = createApp({ models: createFixedModelSource(model) });
      // The API gets the rows as a marketing tool would send them: JSON with numbers as numbers, no label columns.
      const customers = (await readTable(data)).rows.map((row) => ({ customer_id: row.customer_id, spend: Number(row.spend), tenure: Number(row.tenure), region: row.region }));
      const response = await app.request('/v1/predict', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customers }) });
      assert.equal(response.status, 200);
      const body = predictResponseSchema.parse(await response.json());
      assert.equal(body.predictions.length, written.rows.length);
      body.predictions.forEach((prediction, i) => {
        const row = written.rows[i] as Record<string, unknown>;
        assert.equal(prediction.id, row.id);
        const probabilities = prediction.probabilities?.tier ?? {};
        assert.deepEqual(Object.keys(probabilities), classes);
        assert.ok(Math.abs(sum(Object.values(probabilities)) - 1) < 1e-5);
        for (const name of classes) assert.ok(Math.abs((probabilities[name] as number) - Number(row[`tier_p_${name}`])) <= 1e-6, `${prediction.id} p(${name})`);
        assert.equal(prediction.classes?.tier, row.tier_decision);
        assert.ok(Math.abs((prediction.scores.tier as number) - Number(row.tier)) <= 1e-6);
        assert.ok(Math.abs((prediction.scores.tier as number) - (probabilities[prediction.classes?.tier as string] as number)) < 1e-12);
        assert.equal(prediction.decisions.tier, true);
        assert.equal(prediction.deciles.tier, Number(row.tier_decile));
        assert.ok(Math.abs((prediction.scores.churn as number) - Number(row.churn)) <= 1e-6);
        assert.equal(String(prediction.decisions.churn), row.churn_decision);
        assert.equal(prediction.segment, row.segment);
      });

      const explain = await app.request('/v1/explain', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customers: customers.slice(0, 3) }) });
      assert.equal(explain.status, 200);
      const explained = (await explain.json()) as { explanations: { tasks: Record<string, { feature: string; contribution: number }[]> }[] };
      for (const explanation of explained.explanations) {
        assert.ok((explanation.tasks.tier?.length ?? 0) > 0);
        assert.ok(explanation.tasks.tier?.every((attribution) => Number.isFinite(attribution.contribution)));
      }

      const document = (await (await app.request('/openapi.json')).json()) as { components: { schemas: Record<string, unknown> } };
      assert.match(JSON.stringify(document.components.schemas), /"probabilities"/);
    } finally {
      model.network.dispose();
    }
  });
  it('train --bag-folds 3: a multiclass bag, judged out of fold, scores class probabilities that sum to 1', async () => {
    const ingest = await runCliInProcess(['ingest', '--config', config, '--store', store, '--json']);
    assert.equal(ingest.code, 0, ingest.stderr);
    const { datasetId } = JSON.parse(ingest.stdout) as { datasetId: string };
    const train = await runCliInProcess(['train', '--dataset', datasetId, '--store', store, '--shared-units', '8', '--tower-units', '4', '--epochs', '2', '--bag-folds', '3', '--json']);
    assert.equal(train.code, 0, train.stderr);
    const trained = JSON.parse(train.stdout) as { modelId: string; metrics: { validation: SplitMetrics }; ensemble: { kind: string; members: { id: string }[] } };
    assert.equal(trained.ensemble.kind, 'folds');
    assert.deepEqual(trained.ensemble.members.map((member) => member.id), ['fold0', 'fold1', 'fold2']);
    const tier = trained.metrics.validation.tasks.tier as MulticlassTaskMetrics;
    assert.ok(tier.auc !== null && tier.auc > 0 && tier.auc <= 1, `out-of-fold macro auc ${tier.auc}`);
    const out = path.join(dir, 'bag-scores.csv');
    const score = await runCliInProcess(['score', '--store', store, '--model', trained.modelId, '--input', data, '--out', out]);
    assert.equal(score.code, 0, score.stderr);
    const written = await readTable(out);
    for (const row of written.rows.slice(0, 20)) {
      const total = sum(classes.map((name) => Number(row[`tier_p_${name}`])));
      assert.ok(Math.abs(total - 1) < 1e-4, `class probabilities sum to ${total}`);
    }
  });
});
