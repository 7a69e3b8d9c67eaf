/**
 * Which multi-task configuration to try: every architecture with `fixed` and with `uncertainty` weighting, and
 * `mmoe` with every weighting strategy, trained with the config's model defaults on the split `ingest` makes, each
 * compared with the `single` baseline (fixed) on the same test rows. Prints one JSON line per configuration
 * (`{bench: 'architectures', data, arch, weighting, tasks: {task: {auc, f1}}, combinedScore, deltaM, …}`) and then a
 * summary line with the best multi-task configuration against `single`. Progress on stderr.
 *
 *   npm run bench:architectures -- [examples/telco.config.json | examples/bank-churners.config.json | shop]
 *     [--customers 5000] [--only arch×weighting,...] [--seed S] [--epochs N]
 *
 * `shop` generates a shop (`--customers`, default 5,000) and ingests it with the built-in events tasks
 * (cross_sell conditioned on purchase_intent, which `esmm` uses). The backend is TANDEM_BACKEND, else the fastest.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config.ts';
import { architectures, weightingStrategies, type ModelConfig, type TandemConfig } from '../src/config/schema.ts';
import { demoShopConfig } from '../src/data/events/demo-shop-config.ts';
import { generateShop } from '../src/data/events/generate-shop.ts';
import { ingestDataset } from '../src/data/ingest-dataset.ts';
import { loadDataset } from '../src/data/load-dataset.ts';
import { computeDeltaM } from '../src/metrics/delta-m.ts';
import type { SplitMetrics } from '../src/metrics/evaluation.ts';
import { selectBackend } from '../src/model/backend.ts';
import { FileStore } from '../src/store/file-store.ts';
import { trainCandidate } from '../src/train/train-candidate.ts';
import { roundOrNull as round } from './round.ts';

const { values, positionals } = parseArgs({
  options: {
    customers: { type: 'string', default: '5000' },
    only: { type: 'string' },
    seed: { type: 'string' },
    epochs: { type: 'string' },
  },
  allowPositionals: true,
  strict: true,
});

const source = positionals[0] ?? 'examples/telco.config.json';
const backend = await selectBackend(process.env.TANDEM_BACKEND);
const work = await mkdtemp(path.join(os.tmpdir(), 'tandem-bench-arch-'));
try {
  const config = await benchConfig(source);
  const store = new FileStore(path.join(work, 'store'));
  const { manifest } = await ingestDataset(config, store);
  const { splits } = await loadDataset(store, manifest.datasetId);
  // esmm multiplies along a task's `conditionedOn` chain; without one it has nothing to do (and refuses to build).
  const conditioned = manifest.tasks.some((task) => task.conditionedOn !== undefined);
  const combos = selectedCombos().filter(([arch]) => arch !== 'esmm' || conditioned);
  const base: ModelConfig = {
    ...config.model,
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
    ...(values.epochs === undefined ? {} : { epochs: Number(values.epochs) }),
  };
  const results: { arch: string; weighting: string; test: SplitMetrics; validationScore: number | null }[] = [];
  for (const [arch, weighting] of combos) {
    const started = performance.now();
    const candidate = await trainCandidate({
      splits,
      featureColumns: manifest.featureColumns,
      tasks: manifest.tasks,
      params: { ...base, arch, weighting },
      features: config.features,
      selection: config.selection,
    });
    candidate.network.training.dispose();
    candidate.network.serving.dispose();
    const baseline = results.find((r) => r.arch === 'single' && r.weighting === 'fixed');
    const taskTypes = Object.fromEntries(manifest.tasks.filter((t) => !t.auxiliary).map((t) => [t.name, t.type]));
    const deltaM = baseline === undefined ? null : computeDeltaM(candidate.metrics.test.tasks, baseline.test.tasks, taskTypes);
    results.push({ arch, weighting, test: candidate.metrics.test, validationScore: candidate.metrics.validation.combinedScore });
    const line = {
      bench: 'architectures',
      data: manifest.name,
      arch,
      weighting,
      backend,
      tasks: Object.fromEntries(Object.entries(candidate.metrics.test.tasks).map(([name, m]) => [name, { auc: round(m.auc), f1: round(m.f1) }])),
      combinedScore: round(candidate.metrics.test.combinedScore),
      validationScore: round(candidate.metrics.validation.combinedScore),
      deltaM: round(deltaM),
      bestEpoch: candidate.training.bestEpoch,
      seconds: round((performance.now() - started) / 1000, 1),
    };
    console.log(JSON.stringify(line));
    process.stderr.write(`architectures: ${manifest.name} ${arch} × ${weighting}: test combined ${line.combinedScore}, Δm ${line.deltaM} (${line.seconds} s)\n`);
  }
  const single = results.find((r) => r.arch === 'single' && r.weighting === 'fixed');
  const multi = results.filter((r) => r.arch !== 'single').sort((a, b) => (b.test.combinedScore ?? -1) - (a.test.combinedScore ?? -1));
  if (single !== undefined && multi[0] !== undefined) {
    console.log(
      JSON.stringify({
        bench: 'architectures-summary',
        data: manifest.name,
        single: round(single.test.combinedScore),
        best: { arch: multi[0].arch, weighting: multi[0].weighting, combinedScore: round(multi[0].test.combinedScore) },
        gain: round((multi[0].test.combinedScore ?? 0) - (single.test.combinedScore ?? 0)),
        beatSingle: multi.filter((r) => (r.test.combinedScore ?? -1) > (single.test.combinedScore ?? 0)).map((r) => `${r.arch}×${r.weighting}`),
      }),
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

/** The config to measure: a config file, or `shop` for a freshly generated shop in events mode. */
async function benchConfig(name: string): Promise<TandemConfig> {
  if (name !== 'shop') return (await loadConfig(name)).config;
  const shopDir = path.join(work, 'shop');
  await generateShop({ customers: Number(values.customers), seed: 42, out: shopDir });
  return demoShopConfig(shopDir);
}

/** `single` × fixed first (the baseline), then every architecture × {fixed, uncertainty}, then mmoe × the rest. */
function selectedCombos(): [ModelConfig['arch'], ModelConfig['weighting']][] {
  const all: [ModelConfig['arch'], ModelConfig['weighting']][] = [['single', 'fixed']];
  for (const arch of architectures) for (const weighting of ['fixed', 'uncertainty'] as const) if (!(arch === 'single' && weighting === 'fixed')) all.push([arch, weighting]);
  for (const weighting of weightingStrategies) if (weighting !== 'fixed' && weighting !== 'uncertainty') all.push(['mmoe', weighting]);
  if (values.only === undefined) return all;
  const wanted = new Set(values.only.split(','));
  return all.filter(([arch, weighting]) => arch === 'single' && weighting === 'fixed' ? true : wanted.has(`${arch}×${weighting}`));
}
