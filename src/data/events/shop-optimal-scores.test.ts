import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../config/load-config.ts';
import type { EventsConfig } from '../../config/schema.ts';
import { BadInputError } from '../../errors/bad-input-error.ts';
import { computeAuc } from '../../metrics/roc-auc.ts';
import { FileStore } from '../../store/file-store.ts';
import type { LabelledRow } from '../labelled-row.ts';
import { loadDataset } from '../load-dataset.ts';
import { generateShop } from './generate-shop.ts';
import { ingestEvents } from './ingest-events.ts';
import { shopOptimalScoreColumns } from './shop-optimal-scores.ts';

const cutoff = '2024-11-02';
const customers = 400;

describe('generateShop optimal scores', () => {
  let dir: string;
  let scores: Map<string, Record<string, number | null>>;
  let header: string[];
  let rows: LabelledRow[];
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tandem-optimal-'));
    const shop = await generateShop({ customers, seed: 5, out: path.join(dir, 'shop'), optimalScores: { cutoff, replicas: 100 } });
    const [first, ...lines] = (await readFile(path.join(shop.out, 'optimal-scores.csv'), 'utf8')).trim().split('\n');
    header = (first ?? '').split(',');
    scores = new Map(lines.map((line) => line.split(',')).map((cells) => [cells[0] as string, Object.fromEntries(header.slice(1).map((c, i) => [c, cells[i + 1] === '' ? null : Number(cells[i + 1])]))]));
    const config = parseConfig(
      { name: 'optimal', data: { kind: 'events', customers: path.join(shop.out, 'customers.csv'), sessions: path.join(shop.out, 'sessions.csv'), orders: path.join(shop.out, 'orders.csv'), cutoff } },
      'test',
    ) as EventsConfig;
    const store = new FileStore(path.join(dir, 'store'));
    const { manifest } = await ingestEvents(config, store);
    const { splits } = await loadDataset(store, manifest.datasetId);
    rows = [...splits.train, ...splits.validation, ...splits.test];
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one row per customer with a probability wherever events mode builds a label', () => {
    assert.deepEqual(header, [...shopOptimalScoreColumns]);
    assert.equal(scores.size, customers);
    assert.ok(rows.length > 100 && rows.length < customers, `${rows.length} customers signed up before the cutoff`);
    for (const row of rows) {
      const score = scores.get(row.id);
      assert.ok(score !== undefined, row.id);
      for (const task of ['purchase_intent', 'churn', 'cross_sell']) {
        const p: number | null | undefined = score[task];
        assert.equal(p === null, row.labels[task] === null, `${row.id} ${task}: score ${String(p)}, label ${String(row.labels[task])}`);
        if (p !== null && p !== undefined) assert.ok(p >= 0 && p <= 1);
      }
    }
    // Customers who signed up on or after the cutoff are not in the table and carry no score.
    const inTable = new Set(rows.map((row) => row.id));
    for (const [id, score] of scores) if (!inTable.has(id)) assert.deepEqual(score, { purchase_intent: null, churn: null, cross_sell: null });
  });

  it('ranks the labels better than chance, with a mean close to the label rate', () => {
    for (const task of ['purchase_intent', 'churn', 'cross_sell']) {
      const labelled = rows.filter((row) => row.labels[task] !== null);
      const p = labelled.map((row) => scores.get(row.id)?.[task] ?? Number.NaN);
      const y = labelled.map((row) => ((row.labels[task] ?? 0) > 0 ? 1 : 0));
      const auc = computeAuc(p, y);
      assert.ok(auc !== null && auc > 0.6, `${task}: AUC ${String(auc)}`);
      const meanScore = p.reduce((s, v) => s + v, 0) / p.length;
      const rate = y.reduce((s: number, v) => s + v, 0) / y.length;
      assert.ok(Math.abs(meanScore - rate) < 0.08, `${task}: mean score ${meanScore.toFixed(3)}, label rate ${rate.toFixed(3)}`);
    }
  });

  it('leaves the logs byte for byte as without the scores', async () => {
    const plain = await generateShop({ customers: 60, seed: 9, out: path.join(dir, 'plain') });
    const scored = await generateShop({ customers: 60, seed: 9, out: path.join(dir, 'scored'), optimalScores: { cutoff, replicas: 3 } });
    for (const file of ['customers.csv', 'sessions.csv', 'orders.csv']) {
      assert.equal(await readFile(path.join(scored.out, file), 'utf8'), await readFile(path.join(plain.out, file), 'utf8'), file);
    }
    assert.equal(plain.optimalScores, undefined);
    assert.equal(scored.optimalScores, path.join(scored.out, 'optimal-scores.csv'));
  });

  it('refuses a cutoff that is not a date', async () => {
    await assert.rejects(generateShop({ customers: 5, seed: 1, out: path.join(dir, 'bad'), optimalScores: { cutoff: 'soon' } }), BadInputError);
  });
});
