// Events mode, issue 3's check: on a generated shop, the trained multi-task model against one-feature heuristics
// (recency for purchase intent and churn, category breadth for cross-sell), on the test split. One JSON line.
//   npm run --silent bench:events -- [--customers 20000] [--seed 42] [--cutoff 2024-11-01]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/load-config.ts';
import type { EventsConfig } from '../src/config/schema.ts';
import { generateShop } from '../src/data/events/generate-shop.ts';
import { ingestEvents } from '../src/data/events/ingest-events.ts';
import type { LabelledRow } from '../src/data/labelled-row.ts';
import { loadDataset } from '../src/data/load-dataset.ts';
import { computeAuc } from '../src/metrics/roc-auc.ts';
import { selectBackend } from '../src/model/backend.ts';
import { FileStore } from '../src/store/file-store.ts';
import { trainAndSaveModel } from '../src/train/train-and-save.ts';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '20000' }, seed: { type: 'string', default: '42' }, cutoff: { type: 'string', default: '2024-11-01' } } });
const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-events-bench-'));
try {
  const backend = await selectBackend(process.env.TANDEM_BACKEND);
  const started = performance.now();
  const shop = await generateShop({ customers: Number(values.customers), seed: Number(values.seed), out: path.join(dir, 'shop') });
  const generatedSeconds = (performance.now() - started) / 1000;
  const config = parseConfig(
    { name: 'shop', data: { kind: 'events', customers: path.join(shop.out, 'customers.csv'), sessions: path.join(shop.out, 'sessions.csv'), orders: path.join(shop.out, 'orders.csv'), cutoff: values.cutoff } },
    'bench',
  ) as EventsConfig;
  const store = new FileStore(path.join(dir, 'store'));
  const ingestStarted = performance.now();
  const { manifest } = await ingestEvents(config, store);
  const ingestSeconds = (performance.now() - ingestStarted) / 1000;
  const trained = await trainAndSaveModel({ store, datasetId: manifest.datasetId, name: config.name, params: config.model, features: config.features, selection: config.selection, backend });
  const { splits } = await loadDataset(store, manifest.datasetId);

  const heuristics: Record<string, { feature: string; task: string }> = {
    purchase_intent: { feature: 'order_recency_days', task: 'purchase_intent' },
    churn: { feature: 'order_recency_days', task: 'churn' },
    cross_sell: { feature: 'order_categories', task: 'cross_sell' },
  };
  const tasks: Record<string, unknown> = {};
  for (const [name, { feature, task }] of Object.entries(heuristics)) {
    // The heuristic's direction is fitted on the training split, then scored on test like the model.
    const sign = heuristicAuc(splits.train, feature, task, 1) >= 0.5 ? 1 : -1;
    const metrics = trained.metrics.test.tasks[task];
    tasks[name] = {
      modelAuc: round(metrics?.auc),
      ...(metrics?.type === 'regression' ? { modelRmse: round(metrics.rmse), modelR2: round(metrics.r2) } : {}),
      heuristic: `${sign > 0 ? '' : '-'}${feature}`,
      heuristicAuc: round(heuristicAuc(splits.test, feature, task, sign)),
    };
  }
  console.log(
    JSON.stringify({
      bench: 'events-heuristics',
      customers: shop.customers,
      events: shop.sessions + shop.orders,
      cutoff: values.cutoff,
      backend,
      rows: manifest.rows,
      features: manifest.featureColumns.length,
      generateSeconds: round(generatedSeconds, 1),
      ingestSeconds: round(ingestSeconds, 1),
      trainSeconds: round(trained.seconds, 1),
      tasks,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** AUC of one feature as a score for a task's event (regression: label > 0); missing values rank lowest. */
function heuristicAuc(rows: readonly LabelledRow[], feature: string, task: string, sign: number): number {
  const scores: number[] = [];
  const labels: number[] = [];
  for (const row of rows) {
    const label = row.labels[task];
    if (label === null || label === undefined) continue;
    const raw = row.features[feature];
    const value = Number(raw);
    scores.push(raw === null || raw === undefined || !Number.isFinite(value) ? -1e12 : sign * value);
    labels.push(label > 0 ? 1 : 0);
  }
  return computeAuc(scores, labels) ?? Number.NaN;
}

function round(value: number | null | undefined, digits = 4): number | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : Number(value.toFixed(digits));
}
