/**
 * How a search's final model should be chosen, measured on finished searches: for each store that
 * `bench:quality --search N --keep-stores DIR` kept (DIR/<name>-split<seed>, one search run each), the test AUC per
 * task of the single winner (best validation combined score), of the default recipe's trial, of the uniform average of
 * the top k trials by validation score, and of ensemble selection per task (src/train/ensemble-selection.ts) from one
 * start or from each task's five best, up to k members; and per rule whether it beats the best trial on validation
 * (what keeps an ensemble). Every candidate shares the winner's preprocessor, as a saved ensemble must — except in
 * the rules named "any preprocessor", which pool every completed trial, each scored through its own. Prints one
 * JSON object: per rule the mean over the stores; progress on stderr.
 *
 *   npm run bench:ensembles -- DIR
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/load-dataset.ts';
import { selectBackend } from '../src/model/backend.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import type { LeaderboardRow } from '../src/search/run-record.ts';
import type { StoredRun } from '../src/search/stored-run.ts';
import { FileStore } from '../src/store/file-store.ts';
import { readJson } from '../src/store/json-object.ts';
import { encodeSplit, type EncodedSplit } from '../src/train/encoded-split.ts';
import { selectEnsembleWeights, weightedMean, type EnsembleTaskWeights } from '../src/train/ensemble-selection.ts';
import { chooseThresholds, evaluatePredictions } from '../src/train/evaluate-predictions.ts';
import { predictNetwork } from '../src/train/predict-network.ts';
import { resolveTrainTasks } from '../src/train/train-task.ts';
import { roundOrNull as round } from './round.ts';

type Predictions = Record<string, Float32Array>;
interface Candidate {
  readonly trialId: string;
  readonly validationScore: number;
  readonly defaultRecipe: boolean;
  readonly validation: Predictions;
  readonly test: Predictions;
}
/** A rule's pick: per task, each candidate's weight (0: left out). */
type Pick = EnsembleTaskWeights;

const { positionals } = parseArgs({ allowPositionals: true, strict: true });
const root = positionals[0];
if (root === undefined) {
  process.stderr.write('usage: tsx bench/ensemble-selection.ts DIR (the --keep-stores folder of bench:quality --search)\n');
  process.exit(2);
}
await selectBackend('wasm');

const results = new Map<string, { aucs: Map<string, number[]>; wins: number[]; members: number[] }>();
const stores = (await readdir(root)).sort();
for (const name of stores) {
  const store = new FileStore(path.join(root, name));
  const [runId] = await readdir(path.join(root, name, 'runs'));
  if (runId === undefined) continue;
  const run = await readJson<StoredRun>(store, `runs/${runId}/run.json`);
  const leaderboard = await readJson<LeaderboardRow[]>(store, `runs/${runId}/leaderboard.json`);
  const { manifest, splits } = await loadDataset(store, run.datasetId);
  const taskNames = manifest.tasks.map((task) => task.name);
  const trials = leaderboard
    .filter((row) => row.status === 'completed' && row.modelId !== null && row.trialId !== 'ensemble')
    .sort((a, b) => (b.metrics?.validation.combinedScore ?? -Infinity) - (a.metrics?.validation.combinedScore ?? -Infinity));
  const winner = await loadModel(store, trials[0]?.modelId as string);
  const preprocessor = JSON.stringify(winner.preprocessor);
  const validation = encodeSplit(splits.validation, winner.preprocessor, taskNames);
  const test = encodeSplit(splits.test, winner.preprocessor, taskNames);
  const tasks = resolveTrainTasks(manifest.tasks, {}, encodeSplit(splits.train, winner.preprocessor, taskNames).labels);
  winner.network.dispose();
  // Every completed trial, each scored through its own preprocessor (the splits' rows and labels are the same).
  const encodings = new Map<string, { validation: EncodedSplit; test: EncodedSplit }>([[preprocessor, { validation, test }]]);
  const everyTrial: Candidate[] = [];
  const candidates: Candidate[] = [];
  for (const row of trials) {
    const model = await loadModel(store, row.modelId as string);
    const key = JSON.stringify(model.preprocessor);
    let own = encodings.get(key);
    if (own === undefined) {
      own = { validation: encodeSplit(splits.validation, model.preprocessor, taskNames), test: encodeSplit(splits.test, model.preprocessor, taskNames) };
      encodings.set(key, own);
    }
    const outputs = model.card.tasks.map((task) => task.name);
    const candidate = {
      trialId: row.trialId,
      validationScore: row.metrics?.validation.combinedScore ?? -Infinity,
      defaultRecipe: row.defaultRecipe === true,
      validation: await predictNetwork(model.network, own.validation.x, own.validation.rows, own.validation.width, outputs),
      test: await predictNetwork(model.network, own.test.x, own.test.rows, own.test.width, outputs),
    };
    everyTrial.push(candidate);
    if (key === preprocessor) candidates.push(candidate);
    model.network.dispose();
  }
  progress(`${name}: ${candidates.length} of ${trials.length} completed trials share the winner's preprocessor (${encodings.size} preprocessors in all)`);
  const one = (index: number): Pick => Object.fromEntries(tasks.map((task) => [task.name, candidates.map((_, i) => (i === index ? 1 : 0))]));
  const topK = (k: number): Pick => Object.fromEntries(tasks.map((task) => [task.name, candidates.map((_, i) => (i < k ? 1 : 0))]));
  const rules: Record<string, Pick | undefined> = {
    'single winner': one(0),
    'default recipe': candidates.some((c) => c.defaultRecipe) ? one(candidates.findIndex((c) => c.defaultRecipe)) : undefined,
    'uniform top 3': topK(3),
    'uniform top 5': topK(5),
    'uniform top 8': topK(8),
  };
  for (const maxMembers of [5, 8]) {
    for (const initialSize of [1, 5]) {
      rules[`selection per task, start ${initialSize}, up to ${maxMembers}`] = selectEnsembleWeights({ candidates: candidates.map((c) => c.validation), validation, tasks, maxMembers, initialSize });
    }
  }
  const acrossPreprocessors: Record<string, Pick> = {
    'any preprocessor: uniform top 8': Object.fromEntries(tasks.map((task) => [task.name, everyTrial.map((_, i) => (i < 8 ? 1 : 0))])),
  };
  for (const maxMembers of [5, 8]) {
    acrossPreprocessors[`any preprocessor: selection per task, start 5, up to ${maxMembers}`] = selectEnsembleWeights({ candidates: everyTrial.map((c) => c.validation), validation, tasks, maxMembers, initialSize: 5 });
  }
  const best = candidates[0]?.validationScore ?? -Infinity;
  for (const [rule, pick] of [...Object.entries(rules), ...Object.entries(acrossPreprocessors)]) {
    if (pick === undefined) continue;
    const pool = rule in acrossPreprocessors ? everyTrial : candidates;
    const entry = results.get(rule) ?? { aucs: new Map<string, number[]>(), wins: [], members: [] };
    results.set(rule, entry);
    const averaged = { validation: weighted(pool.map((c) => c.validation), pick), test: weighted(pool.map((c) => c.test), pick) };
    const thresholds = chooseThresholds(averaged.validation, validation, tasks);
    const testMetrics = evaluatePredictions(averaged.test, test, tasks, thresholds, run.defaults.selection.weights);
    for (const task of tasks) entry.aucs.set(task.name, [...(entry.aucs.get(task.name) ?? []), testMetrics.tasks[task.name]?.auc ?? Number.NaN]);
    const validationScore = evaluatePredictions(averaged.validation, validation, tasks, thresholds, run.defaults.selection.weights).combinedScore ?? -Infinity;
    const used = pool.filter((_, i) => Object.values(pick).some((counts) => (counts[i] as number) > 0)).length;
    entry.wins.push(used > 1 && validationScore > best ? 1 : 0);
    entry.members.push(used);
  }
}

const mean = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0) / Math.max(values.length, 1);
console.log(
  JSON.stringify({
    bench: 'ensemble-selection',
    stores,
    rules: Object.fromEntries(
      [...results].map(([rule, entry]) => [
        rule,
        {
          testAuc: Object.fromEntries([...entry.aucs].map(([task, values]) => [task, round(mean(values))])),
          winsOnValidation: `${entry.wins.reduce((a, b) => a + b, 0)} of ${entry.wins.length}`,
          members: round(mean(entry.members), 1),
        },
      ]),
    ),
  }),
);

/** Per task, the candidates' predictions averaged with the pick's weights. */
function weighted(predictions: readonly Predictions[], pick: Pick): Predictions {
  return Object.assign({}, ...Object.entries(pick).map(([task, counts]) => weightedMean(predictions, counts, task))) as Predictions;
}

function progress(message: string): void {
  process.stderr.write(`ensembles: ${message}\n`);
}
