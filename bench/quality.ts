/**
 * Model quality against scikit-learn on the shared real data files (issue 11). For each data set and split seed
 * 1..N the table is split as `ingest` splits it (the config's shares, stratified), one candidate is trained with the
 * config's model parameters (what `tandem train` trains), and optionally an N-trial `tandem search` runs on the same
 * split (its winner's test AUC is taken). On the very same rows, a Python script (bench/sklearn_reference.py, run
 * with Debian's /usr/bin/python3) fits logistic regression and HistGradientBoosting with default settings on the
 * same feature columns the Tandem model saw, and also on the per-task feature sets of ../shared/data/README.md.
 * Prints one JSON object: per data set and task the mean and spread of test AUC, the references, the difference
 * (Tandem − best reference) and a pass/fail against the bar. Progress goes to stderr.
 *
 *   npm run bench:quality -- [config] [--seeds 3] [--first-seed 1] [--search N] [--only telco,shoppers,bank] [--set model.dropout=0.2]
 *                            [--arch NAME] [--backend wasm|cpu|tensorflow] [--python PATH] [--parallel N] [--fresh-references]
 *                            [--keep-stores DIR]
 *
 * Without a config the three shared data sets run (bench/configs/telco-xsell.config.json,
 * examples/shoppers.config.json, examples/bank-churners.config.json).
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { localTrialLauncher, resolveSearchSettings } from '../cli/local-search.ts';
import { readEnvironment } from '../src/config/environment.ts';
import { loadTableConfig, type ConfigOverrides } from '../src/config/load-config.ts';
import { architectures, type ModelConfig, type TableConfig } from '../src/config/schema.ts';
import { extractLabels, type LabelledTable } from '../src/data/extract-labels.ts';
import { ingestTable } from '../src/data/ingest-table.ts';
import { readTable } from '../src/data/read-table.ts';
import { splitDataset, splitRows, type SplitIndices } from '../src/data/split-dataset.ts';
import { selectBackend } from '../src/model/backend.ts';
import { modelFolder } from '../src/model/model-artifacts.ts';
import type { ModelCard } from '../src/model/model-card.ts';
import type { RunRecord as StoredRunRecord } from '../src/search/run-record.ts';
import { runSearch } from '../src/search/run-search.ts';
import { readJson } from '../src/store/json-object.ts';
import { ensembleSavedModels } from '../src/train/ensemble-saved-models.ts';
import { FileStore } from '../src/store/file-store.ts';
import { trainModel } from '../src/train/train-model.ts';
import { findPythonWith, runPython } from './python-interpreter.ts';
import { roundOrNull as round } from './round.ts';

/** One shared data set of the suite: its config and the README's per-task reference feature sets and figures. */
interface SuiteEntry {
  readonly key: string;
  readonly config: string;
  /** Per task: columns the README's reference leaves out besides the id and the task's own label. */
  readonly readmeExclude: Readonly<Record<string, readonly string[]>>;
  /** Per task: the README's 5-fold CV figures (logistic regression, HistGradientBoosting), for context. */
  readonly published: Readonly<Record<string, { readonly logreg: number; readonly hgb: number }>>;
}

const telcoCrossSellExclude = ['Churn', 'MonthlyCharges', 'TotalCharges'];
const suite: readonly SuiteEntry[] = [
  {
    key: 'telco',
    config: 'bench/configs/telco-xsell.config.json',
    readmeExclude: { churn: [], security_xsell: telcoCrossSellExclude, support_xsell: telcoCrossSellExclude, streaming_xsell: telcoCrossSellExclude },
    published: {
      churn: { logreg: 0.845, hgb: 0.834 },
      security_xsell: { logreg: 0.782, hgb: 0.764 },
      support_xsell: { logreg: 0.797, hgb: 0.786 },
      streaming_xsell: { logreg: 0.795, hgb: 0.776 },
    },
  },
  { key: 'shoppers', config: 'examples/shoppers.config.json', readmeExclude: { purchase: [] }, published: { purchase: { logreg: 0.893, hgb: 0.931 } } },
  {
    key: 'bank',
    config: 'examples/bank-churners.config.json',
    readmeExclude: { churn: ['Card_Category'], premium_card: ['Attrition_Flag'] },
    published: { churn: { logreg: 0.924, hgb: 0.993 }, premium_card: { logreg: 0.987, hgb: 0.994 } },
  },
];

/** The bar: default settings within this much of the better reference; the search winner at or above it. */
const defaultTolerance = 0.005;

const { values, positionals } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' },
    'first-seed': { type: 'string', default: '1' },
    search: { type: 'string' },
    only: { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
    arch: { type: 'string' },
    backend: { type: 'string' },
    python: { type: 'string' },
    parallel: { type: 'string' },
    'fresh-references': { type: 'boolean', default: false },
    'keep-stores': { type: 'string' },
  },
  allowPositionals: true,
  strict: true,
});

const seeds = positiveInteger('seeds', values.seeds);
// --first-seed K: split seeds K … K + seeds − 1, to finish a long series of searches in parts.
const firstSeed = positiveInteger('first-seed', values['first-seed']);
const searchTrials = values.search === undefined ? undefined : positiveInteger('search', values.search);
const parallel = values.parallel === undefined ? undefined : positiveInteger('parallel', values.parallel);
const arch = values.arch;
if (arch !== undefined && !(architectures as readonly string[]).includes(arch)) usage(`--arch must be one of ${architectures.join(', ')}, got "${arch}"`);
const overrides = parseSetFlags(values.set);
const entries = selectEntries();
// Every config (with the --set overrides) is checked before anything slow starts.
const configs = await Promise.all(entries.map((entry) => loadTableConfig(entry.config, overrides).then(({ config }) => config))).catch((error: unknown) => {
  process.stderr.write(`quality: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});

const started = performance.now();
const backend = await selectBackend(values.backend ?? process.env.TANDEM_BACKEND);
const python = await findPythonWith(['sklearn', 'pandas'], values.python === undefined ? ['/usr/bin/python3', 'python3'] : [values.python]);
if (python === undefined) progress('no python with scikit-learn and pandas found (Debian: apt-get install -y python3-sklearn python3-pandas; or --python PATH): the references are absent');

const datasets: Record<string, unknown> = {};
const verdicts: boolean[] = [];
for (const [i, entry] of entries.entries()) {
  const result = await runDataset(entry, configs[i] as TableConfig);
  datasets[entry.key] = result.summary;
  verdicts.push(...result.verdicts);
}

console.log(
  JSON.stringify({
    bench: 'quality',
    backend,
    seeds,
    firstSeed,
    search: searchTrials ?? null,
    set: values.set,
    python: python ?? null,
    bar: { default: `tandem default mean >= best reference mean - ${defaultTolerance}`, search: 'search winner mean >= best reference mean' },
    datasets,
    pass: python === undefined ? null : verdicts.every(Boolean),
    seconds: round((performance.now() - started) / 1000, 1),
  }),
);

/** Tandem's default candidate (and search winner) and the references on one data set, seed by seed. */
async function runDataset(entry: SuiteEntry, config: TableConfig): Promise<{ summary: Record<string, unknown>; verdicts: boolean[] }> {
  const params: ModelConfig = { ...config.model, ...(arch === undefined ? {} : { arch: arch as ModelConfig['arch'] }) };
  const table = await readTable(config.data.path);
  const labelled = extractLabels(table, config);
  const splits = Array.from({ length: seeds }, (_, i) => ({ seed: firstSeed + i, indices: splitDataset(labelled, { ...config.split, seed: firstSeed + i }, config.tasks) }));
  progress(`${entry.key}: ${labelled.rows.length} rows, ${labelled.featureColumns.length} feature columns, tasks ${config.tasks.map((t) => t.name).join(', ')}`);

  const references = python === undefined ? undefined : await runReferences(python, entry, config, table.columns, labelled, splits);

  const defaults: Record<string, (number | null)[]> = {};
  const searched: Record<string, (number | null)[]> = {};
  const searchedSingle: Record<string, (number | null)[]> = {};
  const perSeed: unknown[] = [];
  for (const { seed, indices } of splits) {
    // What `tandem train` trains: one candidate, a seed ensemble when it wins (model.ensembleSeeds), or a fold bag (model.bagFolds).
    const trained = await trainModel({
      splits: splitRows(labelled.rows, indices),
      featureColumns: labelled.featureColumns,
      tasks: config.tasks,
      params,
      features: config.features,
      selection: config.selection,
      source: path.basename(config.data.path),
    });
    const { candidate } = trained;
    trained.dispose();
    const seedResult: Record<string, unknown> = {
      seed,
      bestEpoch: candidate.training.bestEpoch,
      seconds: round(trained.seconds, 1),
      ...(trained.ensemble === undefined
        ? {}
        : { ensembleKept: trained.ensemble.kept, ensembleValidation: round(trained.ensemble.validationCombinedScore), bestMemberValidation: round(trained.ensemble.bestMemberValidationCombinedScore) }),
    };
    for (const task of config.tasks) (defaults[task.name] ??= []).push(round(candidate.metrics.test.tasks[task.name]?.auc));
    seedResult.default = Object.fromEntries(config.tasks.map((task) => [task.name, defaults[task.name]?.at(-1) ?? null]));
    progress(`${entry.key} seed ${seed}/${firstSeed + seeds - 1}: default ${JSON.stringify(seedResult.default)} (best epoch ${candidate.training.bestEpoch}, ${String(seedResult.seconds)} s)`);
    if (searchTrials !== undefined) {
      const winner = await searchWinner(config, seed, searchTrials);
      for (const task of config.tasks) (searched[task.name] ??= []).push(round(winner.aucs[task.name]));
      for (const task of config.tasks) (searchedSingle[task.name] ??= []).push(round(winner.single.aucs[task.name]));
      seedResult.search = { winner: winner.trialId, arch: winner.arch, tasks: winner.aucs, single: winner.single, ensemble: winner.ensemble, seconds: winner.seconds };
      progress(
        `${entry.key} seed ${seed}/${firstSeed + seeds - 1}: search winner ${winner.trialId} (${winner.arch}) ${JSON.stringify(winner.aucs)}` +
          (winner.ensemble === null ? '' : `; best single trial ${String(winner.single.trialId)} ${JSON.stringify(winner.single.aucs)}, ensemble ${JSON.stringify(winner.ensemble)}`),
      );
    }
    perSeed.push(seedResult);
  }

  const tasks: Record<string, unknown> = {};
  const verdicts: boolean[] = [];
  for (const task of config.tasks) {
    const tandemDefault = meanAndStd(defaults[task.name] ?? []);
    const tandemSearch = searchTrials === undefined ? undefined : meanAndStd(searched[task.name] ?? []);
    const tandemSearchSingle = searchTrials === undefined ? undefined : meanAndStd(searchedSingle[task.name] ?? []);
    const row: Record<string, unknown> = { tandemDefault, ...(tandemSearch === undefined ? {} : { tandemSearch, tandemSearchSingle }) };
    const ref = references?.[task.name];
    if (task.type === 'binary' && ref !== undefined) {
      const logreg = meanAndStd(ref.tandem.logreg);
      const hgb = meanAndStd(ref.tandem.hgb);
      const best = Math.max(logreg.mean ?? -Infinity, hgb.mean ?? -Infinity);
      const defaultPass = tandemDefault.mean !== null && tandemDefault.mean >= best - defaultTolerance - 1e-9;
      const searchPass = tandemSearch === undefined ? undefined : tandemSearch.mean !== null && tandemSearch.mean >= best - 1e-9;
      Object.assign(row, {
        logreg: logreg.mean,
        hgb: hgb.mean,
        bestReference: round(best),
        difference: tandemDefault.mean === null ? null : round(tandemDefault.mean - best),
        ...(tandemSearch === undefined ? {} : { searchDifference: tandemSearch.mean === null ? null : round(tandemSearch.mean - best) }),
        pass: { default: defaultPass, ...(searchPass === undefined ? {} : { search: searchPass }) },
      });
      verdicts.push(defaultPass, ...(searchPass === undefined ? [] : [searchPass]));
      if (ref.readme !== undefined) {
        Object.assign(row, { readmeFeatures: { logreg: meanAndStd(ref.readme.logreg).mean, hgb: meanAndStd(ref.readme.hgb).mean, columns: ref.readme.columns } });
      }
    }
    const published = entry.published[task.name];
    if (published !== undefined) row.published5FoldCv = published;
    tasks[task.name] = row;
  }
  return {
    summary: {
      config: entry.config,
      data: path.basename(config.data.path),
      rows: labelled.rows.length,
      arch: params.arch,
      featureColumns: labelled.featureColumns,
      tasks,
      perSeed,
    },
    verdicts,
  };
}

/** Test AUCs of the references per task, feature set and split (see bench/sklearn_reference.py). */
type ReferenceAucs = Record<string, { tandem: { logreg: number[]; hgb: number[] }; readme?: { logreg: number[]; hgb: number[]; columns: number } }>;

/** Runs the Python references on the same splits and columns; undefined (and a note on stderr) when they fail. */
async function runReferences(
  interpreter: string,
  entry: SuiteEntry,
  config: TableConfig,
  columns: readonly string[],
  labelled: LabelledTable,
  splits: readonly { seed: number; indices: SplitIndices }[],
): Promise<ReferenceAucs | undefined> {
  const idColumn = config.data.id ?? null;
  const binaryTasks = config.tasks.filter((task) => task.type === 'binary' && !task.auxiliary);
  const readmeColumns = (taskName: string, labelColumn: string): string[] | undefined => {
    const exclude = entry.readmeExclude[taskName];
    if (exclude === undefined) return undefined;
    return columns.filter((column) => column !== idColumn && column !== labelColumn && !exclude.includes(column));
  };
  const job = {
    csv: config.data.path,
    idColumn,
    ids: labelled.ids,
    tasks: binaryTasks.map((task) => {
      const readme = readmeColumns(task.name, task.label.column);
      return { name: task.name, labels: labelled.labels[task.name], featureSets: { tandem: labelled.featureColumns, ...(readme === undefined ? {} : { readme }) } };
    }),
    // Tandem's validation rows only decide early stopping: the references fit on train and validation together.
    splits: splits.map(({ seed, indices }) => ({ seed, train: [...indices.train, ...indices.validation], test: indices.test })),
  };
  const script = new URL('./sklearn_reference.py', import.meta.url).pathname;
  // The references are deterministic in their inputs: cached by the hash of interpreter, script, data file and job, so
  // runs that only change Tandem's settings (the usual loop when tuning) skip the minute of scikit-learn fitting.
  const cacheKey = createHash('sha256')
    .update(interpreter)
    .update(await readFile(script))
    .update(await readFile(config.data.path))
    .update(JSON.stringify(job))
    .digest('hex');
  const cacheFile = path.join(os.tmpdir(), 'tandem-quality-references', `${cacheKey}.json`);
  let stdout = values['fresh-references'] ? undefined : await readFile(cacheFile, 'utf8').catch(() => undefined);
  if (stdout !== undefined) progress(`${entry.key}: scikit-learn references from the cache (${cacheFile}; --fresh-references refits)`);
  else {
    progress(`${entry.key}: scikit-learn references on ${splits.length} splits (${interpreter})`);
    // One thread: HistGradientBoosting's OpenMP threads spin-wait, which on a shared machine slows everything.
    const run = await runPython(interpreter, [script], { stdin: JSON.stringify(job), env: { OMP_NUM_THREADS: '1' } });
    if (run.code !== 0) {
      progress(`${entry.key}: the scikit-learn reference failed (exit ${String(run.code)}): the references are absent`);
      return undefined;
    }
    stdout = run.stdout;
    await mkdir(path.dirname(cacheFile), { recursive: true });
    await writeFile(cacheFile, stdout);
  }
  const parsed = JSON.parse(stdout) as { tasks: Record<string, { tandem: { logreg: number[]; hgb: number[] }; readme?: { logreg: number[]; hgb: number[] } }> };
  return Object.fromEntries(
    Object.entries(parsed.tasks).map(([name, sets]) => {
      const readme = sets.readme === undefined ? undefined : { ...sets.readme, columns: readmeColumns(name, binaryTasks.find((t) => t.name === name)?.label.column ?? '')?.length ?? 0 };
      return [name, { tandem: sets.tandem, ...(readme === undefined ? {} : { readme }) }];
    }),
  );
}

/**
 * An `trials`-trial `tandem search` (the config's strategy and space, plus its `single` baseline) on split `seed`:
 * the table ingested into a temporary store with that split seed, trials in `tandem trial` worker processes as the
 * CLI runs them. Returns the winner's test AUC per task.
 */
async function searchWinner(
  config: TableConfig,
  seed: number,
  trials: number,
): Promise<{ trialId: string | null; arch: string | null; aucs: Record<string, number | null>; single: { trialId: string | null; aucs: Record<string, number | null> }; ensemble: unknown; seconds: number }> {
  const searchStarted = performance.now();
  const splitConfig = { ...config, split: { ...config.split, seed } };
  // --keep-stores: each search's store stays as DIR/<name>-split<seed> (a store `tandem --store` reads) for analysis.
  const keepStores = values['keep-stores'];
  const dir = keepStores === undefined ? await mkdtemp(path.join(os.tmpdir(), 'tandem-quality-search-')) : path.join(keepStores, `${config.name}-split${seed}`);
  if (keepStores !== undefined) await mkdir(dir, { recursive: true });
  try {
    const store = new FileStore(dir);
    const { manifest } = await ingestTable(splitConfig, store);
    const settings = resolveSearchSettings(splitConfig, { trials, ...(parallel === undefined ? {} : { parallel }) });
    const environment = { ...readEnvironment(), backend };
    const { run, leaderboard } = await runSearch({
      store,
      launch: localTrialLauncher(store, { env: environment }),
      log: (line) => progress(`search seed ${seed}: ${line}`),
      start: {
        settings,
        defaults: { name: config.name, datasetId: manifest.datasetId, tasks: manifest.tasks, params: config.model, features: config.features, selection: config.selection },
      },
    });
    const testAucs = (trialId: string | null | undefined): Record<string, number | null> => testAucsOf(config, leaderboard.find((candidate) => candidate.trialId === trialId)?.metrics);
    const winner = leaderboard.find((row) => row.trialId === run.bestTrialId);
    // With search.ensembleTopK > 1: the trial that won before the ensemble (its first member), to compare on test.
    const singleId = run.ensemble === undefined ? run.bestTrialId : (run.ensemble.members[0]?.id ?? null);
    const ensemble =
      run.ensemble === undefined
        ? null
        : {
            kept: run.ensemble.kept,
            members: run.ensemble.members.map((member) => member.id),
            validation: round(run.ensemble.validationCombinedScore),
            bestMemberValidation: round(run.ensemble.bestMemberValidationCombinedScore),
            memberMeanValidation: round(run.ensemble.members.reduce((sum, member) => sum + member.validationCombinedScore, 0) / run.ensemble.members.length),
            test: await ensembleTestAucs(store, config, run.ensemble),
          };
    return {
      trialId: run.bestTrialId,
      arch: winner?.config.arch ?? null,
      aucs: testAucs(run.bestTrialId),
      single: { trialId: singleId, aucs: testAucs(singleId) },
      ensemble,
      seconds: round((performance.now() - searchStarted) / 1000, 1) ?? 0,
    };
  } finally {
    if (keepStores === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The test AUCs of a search's ensemble, also when it lost on validation (then it is built again, with the weights
 * selection gave it, and saved in the bench's temporary store only, to see what keeping it would have given); null
 * AUCs when selection kept the winner alone.
 */
async function ensembleTestAucs(store: FileStore, config: TableConfig, ensemble: NonNullable<StoredRunRecord['ensemble']>): Promise<Record<string, number | null>> {
  let modelId = ensemble.modelId;
  if (modelId === undefined) {
    const members = ensemble.members.map((member) => ({ modelId: member.modelId as string, id: member.id }));
    if (members.length < 2) return testAucsOf(config, null);
    const weights = ensemble.weights === undefined ? {} : { weights: ensemble.weights };
    modelId = (await ensembleSavedModels(store, { members, selection: config.selection, saveWhenLosing: true, ...weights })).modelId as string;
  }
  return testAucsOf(config, (await readJson<ModelCard>(store, `${modelFolder(modelId)}/card.json`)).metrics);
}

/** Test AUC per task of a model's metrics (null where absent). */
function testAucsOf(config: TableConfig, metrics: ModelCard['metrics'] | null | undefined): Record<string, number | null> {
  return Object.fromEntries(config.tasks.map((task) => [task.name, round(metrics?.test.tasks[task.name]?.auc)]));
}

/** The suite entries to run: the positional config alone, else the shared data sets (`--only` picks some). */
function selectEntries(): readonly SuiteEntry[] {
  const file = positionals[0];
  if (file !== undefined) return [{ key: path.basename(file).replace(/\.config\.json$|\.json$/, ''), config: file, readmeExclude: {}, published: {} }];
  if (values.only === undefined) return suite;
  const keys = values.only.split(',').map((key) => key.trim());
  const unknown = keys.filter((key) => !suite.some((entry) => entry.key === key));
  if (unknown.length > 0) usage(`--only takes ${suite.map((entry) => entry.key).join(', ')}; got "${unknown.join(', ')}"`);
  return suite.filter((entry) => keys.includes(entry.key));
}

/**
 * `--set a.b.c=value` flags as config overrides: a dotted path into the config's JSON, the value read as JSON where
 * it parses (numbers, booleans, arrays, objects) and as text otherwise. The config's schema validates the result.
 */
function parseSetFlags(flags: readonly string[]): ConfigOverrides {
  const root: Record<string, unknown> = {};
  for (const flag of flags) {
    const equals = flag.indexOf('=');
    if (equals <= 0) usage(`--set takes key=value (a dotted path into the config, e.g. model.dropout=0.2), got "${flag}"`);
    const keys = flag.slice(0, equals).split('.');
    if (keys.some((key) => key === '')) usage(`--set: empty key in "${flag}"`);
    const text = flag.slice(equals + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      // Not JSON: the text itself, e.g. model.arch=mmoe.
    }
    let node = root;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      node = (node[key] = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
    }
    node[keys.at(-1) as string] = value;
  }
  return root;
}

/** Mean and sample standard deviation (n − 1) of the non-null values; std is null with fewer than two. */
function meanAndStd(list: readonly (number | null)[]): { mean: number | null; std: number | null } {
  const present = list.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) return { mean: null, std: null };
  const mean = present.reduce((s, v) => s + v, 0) / present.length;
  if (present.length < 2) return { mean: round(mean), std: null };
  const variance = present.reduce((s, v) => s + (v - mean) ** 2, 0) / (present.length - 1);
  return { mean: round(mean), std: round(Math.sqrt(variance)) };
}

function positiveInteger(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) usage(`--${name} must be a positive integer, got "${String(text)}"`);
  return value;
}

function progress(line: string): void {
  process.stderr.write(`quality: ${line}\n`);
}

function usage(message: string): never {
  process.stderr.write(
    `quality: ${message}\nusage: tsx bench/quality.ts [config] [--seeds N] [--first-seed K] [--search N] [--only ${suite.map((e) => e.key).join(',')}] [--set path=value]... [--arch NAME] [--backend NAME] [--python PATH] [--parallel N] [--fresh-references] [--keep-stores DIR]\n`,
  );
  process.exit(2);
}
