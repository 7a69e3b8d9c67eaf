import path from 'node:path';
import { demoShopConfig } from '../../src/data/events/demo-shop-config.ts';
import { generateShop } from '../../src/data/events/generate-shop.ts';
import { ingestDataset } from '../../src/data/ingest-dataset.ts';
import type { DatasetManifest } from '../../src/data/labelled-row.ts';
import { loadDataset } from '../../src/data/load-dataset.ts';
import type { EventsConfig } from '../../src/config/schema.ts';
import { TandemError } from '../../src/errors/tandem-error.ts';
import { writeRunReport } from '../../src/report/write-run-report.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { selectBackend, type BackendName } from '../../src/model/backend.ts';
import { computeDeltaM } from '../../src/metrics/delta-m.ts';
import { writeChampionPointer } from '../../src/registry/champion.ts';
import { trainAndSaveModel, type TrainResult } from '../../src/train/train-and-save.ts';
import type { Command, CommandContext } from '../command.ts';
import { resolveSearchSettings, runLocalSearch } from '../local-search.ts';
import { readNumericFlag } from '../numeric-flags.ts';
import { formatSplitMetrics } from '../format-metrics.ts';
import { createEpochReporter } from '../progress.ts';
import { exampleCalls, serveApi } from '../serve-api.ts';

const defaultCustomers = 20000;

/** `tandem demo` (`npm start`): synthetic customers → dataset → single vs multi-task model → champion → API. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'npm start: generate a shop\'s raw logs, build point-in-time features and labels, train single and shared-bottom, promote the better, serve the API',
  help: [
    `Writes a synthetic shop (${defaultCustomers} customers by default: customers, sessions and orders logs) to`,
    '.tandem/demo/shop, ingests it in events mode as of 2024-11-01 (purchase_intent, churn and cross_sell labels from the',
    'following days), trains the single-task baseline and the shared-bottom multi-task model, promotes the one with the',
    'higher validation combined score and serves it on 127.0.0.1:$PORT (default 8787). Ctrl-C stops the server.',
  ].join('\n'),
  flags: {
    customers: { type: 'string', valueName: 'N', description: `customers to generate (default ${defaultCustomers})` },
    seed: { type: 'string', valueName: 'S', description: 'generator seed (default 42)' },
    epochs: { type: 'string', valueName: 'N', description: 'maximum epochs per model (default: the model default, 40)' },
    trials: { type: 'string', valueName: 'N', description: 'run an ASHA search of N trials (plus the single baseline, the default recipe and the linear model) instead of the two fixed models, and write its report' },
    'no-serve': { type: 'boolean', description: 'stop after promoting (no server)' },
    port: { type: 'string', valueName: 'P', description: 'API port (default: $PORT or 8787)' },
  },
  async run(context) {
    const customers = readNumericFlag(context.flags, 'customers', { min: 1 }) ?? defaultCustomers;
    const seed = readNumericFlag(context.flags, 'seed') ?? 42;
    const port = readNumericFlag(context.flags, 'port', { min: 0, max: 65535 }) ?? context.env.port;
    const shopDir = path.resolve('.tandem', 'demo', 'shop');
    const started = performance.now();

    context.log(`generating a shop of ${customers} customers → ${shopDir}`);
    const shop = await generateShop({ customers, seed, out: shopDir });
    context.log(`  ${shop.sessions} sessions and ${shop.orders} orders`);
    const config = demoShopConfig(shopDir);
    const store = await context.store();
    const backend = await selectBackend(context.env.backend);
    const { manifest, quarantined } = await ingestDataset(config, store);
    context.log(
      `dataset ${manifest.datasetId}: ${manifest.featureColumns.length} point-in-time features as of ${config.data.cutoff}; ${manifest.rows.train} train / ${manifest.rows.validation} validation / ${manifest.rows.test} test customers; ${quarantined} malformed rows quarantined`,
    );

    const trials = readNumericFlag(context.flags, 'trials', { min: 1 });
    const outcome =
      trials === undefined
        ? await trainSingleAndSharedBottom(context, store, config, manifest.datasetId, backend)
        : await searchWithAsha(context, store, config, manifest, trials);
    // The demo's own project: a store shared with other projects keeps their champions.
    await writeChampionPointer(store, { project: config.name, modelId: outcome.championId, reason: outcome.reason });
    const seconds = (performance.now() - started) / 1000;
    const summary = [...outcome.lines, `champion: ${outcome.championId}`, `raw logs ${shopDir}, store ${store.uri}, pipeline ${seconds.toFixed(1)}s on ${backend}`].join('\n');
    const json = { runId: outcome.runId, championId: outcome.championId, report: outcome.report, url: null as string | null, datasetId: manifest.datasetId, models: outcome.models, deltaM: outcome.deltaM, seconds, backend };

    if (context.flags['no-serve'] === true) return { json, text: summary };
    const api = await serveApi(context, { port, project: config.name });
    // A real held-out customer's point-in-time features, as a marketing tool would send them.
    const example = (await loadDataset(store, manifest.datasetId)).splits.test[0];
    const featureRow = { customer_id: example?.id ?? null, ...example?.features };
    context.announce({
      json: { ...json, url: api.server.url },
      text: [summary, '', `API on ${api.server.url} serving ${outcome.championId}. Try:`, exampleCalls(api.server.url, featureRow, context.env.apiKeys.length > 0), '', 'Ctrl-C stops the server.'].join('\n'),
    });
    await context.stopped;
    await api.close();
    return { json: { ...json, url: api.server.url }, text: 'stopped' };
  },
};

/** What the demo trained and which model it makes champion. */
interface DemoOutcome {
  readonly championId: string;
  readonly reason: string;
  readonly runId: string | null;
  readonly report: string | null;
  readonly models: Record<string, string>;
  readonly deltaM: number | null;
  readonly lines: string[];
}

/** The quick path: the `single` baseline and the `shared-bottom` model; the better validation score wins. */
async function trainSingleAndSharedBottom(context: CommandContext, store: BlobStore, config: EventsConfig, datasetId: string, backend: BackendName): Promise<DemoOutcome> {
  const params = { ...config.model, ...(context.flags.epochs === undefined ? {} : { epochs: readNumericFlag(context.flags, 'epochs', { min: 1 }) as number }) };
  const results: TrainResult[] = [];
  for (const arch of ['single', 'shared-bottom'] as const) {
    const reporter = createEpochReporter(context, params.epochs, arch);
    results.push(
      await trainAndSaveModel({
        store,
        datasetId,
        name: config.name,
        params: { ...params, arch },
        features: config.features,
        selection: config.selection,
        ...(config.segments === undefined ? {} : { segments: config.segments }),
        backend,
        onEpoch: reporter.onEpoch,
      }).finally(reporter.done),
    );
  }
  const [single, multi] = results as [TrainResult, TrainResult];
  const taskTypes = Object.fromEntries(config.tasks.map((task) => [task.name, task.type]));
  const deltaM = computeDeltaM(multi.metrics.test.tasks, single.metrics.test.tasks, taskTypes);
  const winner = (multi.metrics.validation.combinedScore ?? 0) >= (single.metrics.validation.combinedScore ?? 0) ? multi : single;
  return {
    championId: winner.modelId,
    reason: `demo: best validation combined score (${winner.metrics.validation.combinedScore?.toFixed(4)}) of single and shared-bottom`,
    runId: null,
    report: null,
    models: { single: single.modelId, 'shared-bottom': multi.modelId },
    deltaM,
    lines: [
      formatSplitMetrics(`single (${single.modelId}) on test`, single.metrics.test),
      formatSplitMetrics(`shared-bottom (${multi.modelId}) on test`, multi.metrics.test),
      `shared-bottom vs single: Δm ${formatDeltaM(deltaM)} on test`,
    ],
  };
}

/** `--trials N`: an ASHA search in worker processes, its report, and the winner. */
async function searchWithAsha(context: CommandContext, store: BlobStore, config: EventsConfig, manifest: DatasetManifest, trials: number): Promise<DemoOutcome> {
  const { run, leaderboard } = await runLocalSearch(context, store, config, manifest, resolveSearchSettings(config, { strategy: 'asha', trials }));
  const best = leaderboard.find((row) => row.trialId === run.bestTrialId);
  if (best?.modelId == null || best.metrics === null) throw new TandemError(`search ${run.runId} ended without a completed trial to promote`);
  const report = await writeRunReport(store, run.runId);
  return {
    championId: best.modelId,
    reason: `demo: winner ${best.trialId} of search ${run.runId} (validation combined score ${best.metrics.validation.combinedScore?.toFixed(4)})`,
    runId: run.runId,
    report: report.uri,
    models: Object.fromEntries(leaderboard.flatMap((row) => (row.modelId === null ? [] : [[row.trialId, row.modelId]]))),
    deltaM: best.metrics.test.deltaM,
    lines: [
      `search ${run.runId}: ${leaderboard.length} trials, ${run.totalEpochs} epochs; winner ${best.trialId} (${best.config.arch}), Δm ${formatDeltaM(best.metrics.test.deltaM)} over single on test`,
      formatSplitMetrics(`winner (${best.modelId}) on test`, best.metrics.test),
      `report: ${report.uri}`,
    ],
  };
}

function formatDeltaM(deltaM: number | null): string {
  return deltaM === null ? 'n/a' : `${deltaM >= 0 ? '+' : ''}${(deltaM * 100).toFixed(2)}%`;
}
