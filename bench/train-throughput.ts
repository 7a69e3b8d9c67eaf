/**
 * Training throughput per TensorFlow.js backend: a shared-bottom model on a synthetic numeric matrix (default 100k
 * rows × 64 features, 3 binary tasks + 1 regression), trained through `trainCandidate`, the real training path.
 * Each backend runs in a child process of its own (a process holds one backend). Prints one JSON line per backend
 * that starts; backends that do not start are named on stderr.
 *
 *   npm run bench:train -- [--rows 100000] [--features 64] [--epochs N] [--batch-size 256] [--backends wasm,cpu,tensorflow]
 *
 * Without --epochs, cpu trains 1 epoch (it is about 10× slower) and the others 2.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { featuresSchema, modelSchema, selectionSchema, taskSchema, type TaskSpec } from '../src/config/schema.ts';
import type { LabelledRow, RawRow } from '../src/data/labelled-row.ts';
import { selectBackend } from '../src/model/backend.ts';
import { createSeededRandom } from '../src/random/seeded-random.ts';
import { trainCandidate } from '../src/train/train-candidate.ts';

/** Exit code of a child whose backend could not be started (not a failure of the bench). */
const backendUnavailable = 3;

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    features: { type: 'string', default: '64' },
    epochs: { type: 'string' },
    backends: { type: 'string', default: 'wasm,cpu,tensorflow' },
    child: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'batch-size': { type: 'string', default: String(modelSchema.parse({}).batchSize) },
  },
  strict: true,
});

const rows = positiveInteger('rows', values.rows);
const features = positiveInteger('features', values.features);
const seed = Number(values.seed);
const batchSize = positiveInteger('batch-size', values['batch-size'] ?? '256');

if (values.child === undefined) await runParent();
else await runChild(values.child);

/** Runs one child per backend, one after the other, and forwards each child's JSON line. */
async function runParent(): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  let failed = false;
  for (const backend of (values.backends ?? '').split(',').map((name) => name.trim()).filter(Boolean)) {
    const epochs = values.epochs ?? (backend === 'cpu' ? '1' : '2');
    const args = [...process.execArgv, script, '--child', backend, '--rows', String(rows), '--features', String(features), '--epochs', epochs, '--seed', String(seed), '--batch-size', String(batchSize)];
    const { code, stdout } = await runChildProcess(args);
    if (code === 0) process.stdout.write(stdout);
    else if (code === backendUnavailable) process.stderr.write(`train-throughput: skipped ${backend}: ${stdout.trim()}\n`);
    else {
      process.stderr.write(`train-throughput: ${backend} failed with exit code ${String(code)}\n`);
      failed = true;
    }
  }
  if (failed) process.exitCode = 1;
}

function runChildProcess(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** One backend: generate the data, train, print the JSON line. */
async function runChild(backendName: string): Promise<void> {
  let backend: string;
  try {
    backend = await selectBackend(backendName);
  } catch (error) {
    process.stdout.write(error instanceof Error ? error.message : String(error));
    process.exit(backendUnavailable);
  }
  const epochs = positiveInteger('epochs', values.epochs ?? '2');
  const prepareStarted = performance.now();
  const holdout = Math.max(1000, Math.round(rows / 20));
  const data = generateRows(rows + 2 * holdout, features, seed);
  const splits = { train: data.rows.slice(0, rows), validation: data.rows.slice(rows, rows + holdout), test: data.rows.slice(rows + holdout) };
  const prepareSeconds = (performance.now() - prepareStarted) / 1000;

  const candidate = await trainCandidate({
    splits,
    featureColumns: data.featureColumns,
    tasks: data.tasks,
    params: modelSchema.parse({ arch: 'shared-bottom', epochs, seed, batchSize }),
    features: featuresSchema.parse({}),
    selection: selectionSchema.parse({}),
    onEpoch: (record) => process.stderr.write(`train-throughput: ${backend} epoch ${record.epoch} ${record.seconds.toFixed(2)} s\n`),
  });
  candidate.network.training.dispose();
  candidate.network.serving.dispose();
  const { samplesPerSecond, history, seconds } = candidate.training;
  const epochWallSeconds = history.reduce((s, record) => s + record.seconds, 0) / Math.max(history.length, 1);
  const testAuc = Object.fromEntries(Object.entries(candidate.metrics.test.tasks).map(([task, metrics]) => [task, round(metrics.auc ?? Number.NaN, 4)]));
  console.log(
    JSON.stringify({
      bench: 'train-throughput',
      backend,
      rows,
      features,
      epochs: history.length,
      batchSize,
      samplesPerSecond: Math.round(samplesPerSecond),
      // One pass over the training rows (forward, backward, update), without the validation pass after it.
      epochSeconds: round(rows / samplesPerSecond, 3),
      // The same plus the per-epoch validation prediction and early-stopping bookkeeping.
      epochWallSeconds: round(epochWallSeconds, 3),
      // Generating the matrix and building the LabelledRow objects (not part of training).
      prepareSeconds: round(prepareSeconds, 3),
      // trainCandidate end to end: preprocessor fit, encoding, epochs, final predictions and metrics.
      totalSeconds: round(seconds, 3),
      // What trainCandidate spends outside the epochs: preprocessor fit, encoding, final predictions and metrics.
      overheadSeconds: round(seconds - history.reduce((s, record) => s + record.seconds, 0), 3),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      testAuc,
    }),
  );
}

/**
 * A seeded standard-normal matrix as LabelledRow objects with numeric features `f00…`, and four tasks made of random
 * linear functions of the features plus noise: three binary (logistic, ~30% positive) and one regression.
 */
function generateRows(count: number, width: number, rowSeed: number): { rows: LabelledRow[]; featureColumns: string[]; tasks: TaskSpec[] } {
  const random = createSeededRandom(rowSeed);
  const featureColumns = Array.from({ length: width }, (_, j) => `f${String(j).padStart(2, '0')}`);
  const taskNames = ['task_a', 'task_b', 'task_c', 'amount'];
  // Weights scaled so each linear score has unit variance.
  const weights = taskNames.map(() => Float32Array.from({ length: width }, () => random.normal() / Math.sqrt(width)));
  const matrix = new Float32Array(count * width);
  for (let i = 0; i < matrix.length; i++) matrix[i] = random.normal();
  const rows: LabelledRow[] = [];
  for (let r = 0; r < count; r++) {
    const x = matrix.subarray(r * width, (r + 1) * width);
    const features: RawRow = {};
    for (let j = 0; j < width; j++) features[featureColumns[j] as string] = x[j] as number;
    const labels: Record<string, number> = {};
    taskNames.forEach((name, k) => {
      let score = 0;
      const w = weights[k] as Float32Array;
      for (let j = 0; j < width; j++) score += (w[j] as number) * (x[j] as number);
      if (k < 3) labels[name] = random.next() < 1 / (1 + Math.exp(-(2 * score - 1))) ? 1 : 0;
      else labels[name] = 10 + 3 * score + random.normal();
    });
    rows.push({ id: String(r + 1), line: r + 2, features, labels });
  }
  const tasks = taskNames.map((name, k) =>
    taskSchema.parse(k < 3 ? { name, type: 'binary', label: { column: name } } : { name, type: 'regression', label: { column: name } }),
  );
  return { rows, featureColumns, tasks };
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`train-throughput: --${flag} must be a positive integer, got "${text}"\n`);
    process.exit(2);
  }
  return value;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
