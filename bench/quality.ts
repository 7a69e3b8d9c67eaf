/**
 * Model quality by repeated hold-out on a real data file: for split seeds 1..N, split the table (the config's test
 * and validation shares, stratified as `ingest` does), train one candidate with the config's model parameters and
 * record its test metrics. Prints one JSON line with each task's mean and standard deviation (n − 1) of test AUC
 * (and rmse, r2 for regression) and the per-seed values. Comparable in spirit to the 5-fold CV reference figures in
 * ../shared/data/README.md. Progress goes to stderr.
 *
 *   npm run bench:quality -- [config] [--seeds 5] [--arch shared-bottom|single] [--backend wasm|cpu|tensorflow]
 *
 * The config defaults to examples/telco.config.json; the backend to TANDEM_BACKEND, else the fastest available.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadTableConfig } from '../src/config/load-config.ts';
import { architectures, type ModelConfig } from '../src/config/schema.ts';
import { extractLabels } from '../src/data/extract-labels.ts';
import { readTable } from '../src/data/read-table.ts';
import { splitDataset, splitRows } from '../src/data/split-dataset.ts';
import { selectBackend } from '../src/model/backend.ts';
import { trainCandidate } from '../src/train/train-candidate.ts';
import { roundOrNull as round } from './round.ts';

const { values, positionals } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    arch: { type: 'string' },
    backend: { type: 'string' },
  },
  allowPositionals: true,
  strict: true,
});

const configFile = positionals[0] ?? 'examples/telco.config.json';
const seeds = Number(values.seeds);
if (!Number.isInteger(seeds) || seeds < 1) usage(`--seeds must be a positive integer, got "${String(values.seeds)}"`);
const arch = values.arch;
if (arch !== undefined && !(architectures as readonly string[]).includes(arch)) usage(`--arch must be one of ${architectures.join(', ')}, got "${arch}"`);

const started = performance.now();
const backend = await selectBackend(values.backend ?? process.env.TANDEM_BACKEND);
const { config } = await loadTableConfig(configFile);
const params: ModelConfig = { ...config.model, ...(arch === undefined ? {} : { arch: arch as ModelConfig['arch'] }) };
const table = await readTable(config.data.path);
const labelled = extractLabels(table, config);

/** Test metrics of one split seed. */
interface SeedResult {
  readonly seed: number;
  readonly tasks: Record<string, Record<string, number | null>>;
  readonly combinedScore: number | null;
  readonly bestEpoch: number;
  readonly seconds: number;
}

const perSeed: SeedResult[] = [];
for (let seed = 1; seed <= seeds; seed++) {
  const splits = splitRows(labelled.rows, splitDataset(labelled, { ...config.split, seed }, config.tasks));
  const candidate = await trainCandidate({
    splits,
    featureColumns: labelled.featureColumns,
    tasks: config.tasks,
    params,
    features: config.features,
    selection: config.selection,
    source: path.basename(config.data.path),
  });
  candidate.network.training.dispose();
  candidate.network.serving.dispose();
  const tasks: SeedResult['tasks'] = {};
  for (const [name, metrics] of Object.entries(candidate.metrics.test.tasks)) {
    tasks[name] =
      metrics.type !== 'regression'
        ? { auc: round(metrics.auc), f1: round(metrics.f1) }
        : { auc: round(metrics.auc), rmse: round(metrics.rmse), r2: round(metrics.r2) };
  }
  const result: SeedResult = {
    seed,
    tasks,
    combinedScore: round(candidate.metrics.test.combinedScore),
    bestEpoch: candidate.training.bestEpoch,
    seconds: round(candidate.training.seconds, 1) ?? 0,
  };
  perSeed.push(result);
  const summary = Object.entries(tasks).map(([name, m]) => `${name} auc ${String(m.auc)}`).join(', ');
  process.stderr.write(`quality: seed ${seed}/${seeds}: ${summary} (best epoch ${result.bestEpoch}, ${result.seconds} s)\n`);
}

const summaryTasks: Record<string, Record<string, { mean: number | null; std: number | null }>> = {};
for (const task of config.tasks) {
  const metricNames = task.type === 'regression' ? ['auc', 'rmse', 'r2'] : ['auc', 'f1'];
  summaryTasks[task.name] = Object.fromEntries(metricNames.map((metric) => [metric, meanAndStd(perSeed.map((r) => r.tasks[task.name]?.[metric] ?? null))]));
}

console.log(
  JSON.stringify({
    bench: 'quality',
    config: config.name,
    data: path.basename(config.data.path),
    arch: params.arch,
    backend,
    seeds,
    rows: labelled.rows.length,
    split: { test: config.split.test, validation: config.split.validation },
    tasks: summaryTasks,
    combinedScore: meanAndStd(perSeed.map((r) => r.combinedScore)),
    perSeed,
    seconds: round((performance.now() - started) / 1000, 1),
  }),
);

/** Mean and sample standard deviation (n − 1) of the non-null values; std is null with fewer than two. */
function meanAndStd(values: readonly (number | null)[]): { mean: number | null; std: number | null } {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return { mean: null, std: null };
  const mean = present.reduce((s, v) => s + v, 0) / present.length;
  if (present.length < 2) return { mean: round(mean), std: null };
  const variance = present.reduce((s, v) => s + (v - mean) ** 2, 0) / (present.length - 1);
  return { mean: round(mean), std: round(Math.sqrt(variance)) };
}

function usage(message: string): never {
  process.stderr.write(`quality: ${message}\nusage: tsx bench/quality.ts [config] [--seeds N] [--arch ${architectures.join('|')}] [--backend NAME]\n`);
  process.exit(2);
}
