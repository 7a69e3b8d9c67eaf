/**
 * Training throughput per TensorFlow.js backend: a shared-bottom (or MMoE) model on a synthetic numeric matrix
 * (default 100k rows × 64 features, 3 binary tasks + 1 regression), trained through `trainCandidate`, the real
 * training path. Each backend runs in a child process of its own (a process holds one backend). Prints one JSON line
 * per backend and architecture that starts; backends that do not start are named on stderr.
 *
 *   npm run bench:train -- [--rows 100000] [--features 64] [--epochs N] [--batch-size 256] [--backends wasm,cpu,tensorflow]
 *                          [--arch shared-bottom,mmoe] [--reference torch] [--profile]
 *                          [--normalization none|layer|batch]
 *
 * Without --epochs, cpu trains 1 epoch (it is about 10× slower) and the others 2.
 * `--reference torch` also trains the same network in PyTorch (bench/torch_reference.py, one CPU thread) on the same
 * rows, for shared-bottom and mmoe, and prints a `torch-reference` line and a `train-reference` line (Tandem's epoch
 * seconds, PyTorch's, and their ratio) per architecture; it runs only where `python3 -c "import torch"` works
 * (`--python` names another interpreter) and says so on stderr otherwise.
 * `--profile` adds `profile` to each line: where one training step's time goes (bench/train-step-profile.ts).
 * `--normalization layer` (or batch) trains the same network with that normalisation in every hidden layer, as the
 * default recipe does (no torch reference for it).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { architectures, featuresSchema, modelSchema, selectionSchema, taskSchema, type TaskSpec } from '../src/config/schema.ts';
import type { LabelledRow, RawRow } from '../src/data/labelled-row.ts';
import { selectBackend } from '../src/model/backend.ts';
import { createSeededRandom } from '../src/random/seeded-random.ts';
import { trainCandidate } from '../src/train/train-candidate.ts';
import type { TrainTask } from '../src/train/train-task.ts';
import { round } from './round.ts';
import { findPythonWith, runPython } from './python-interpreter.ts';
import { profileTrainingStep } from './train-step-profile.ts';

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
    arch: { type: 'string', default: 'shared-bottom' },
    reference: { type: 'string' },
    python: { type: 'string' },
    profile: { type: 'boolean', default: false },
    normalization: { type: 'string', default: 'none' },
    'data-out': { type: 'string' },
  },
  strict: true,
});

const rows = positiveInteger('rows', values.rows);
const features = positiveInteger('features', values.features);
const seed = Number(values.seed);
const batchSize = positiveInteger('batch-size', values['batch-size'] ?? '256');
const archs = (values.arch ?? 'shared-bottom').split(',').map((name) => name.trim()).filter(Boolean);
for (const arch of archs) {
  if (!(architectures as readonly string[]).includes(arch)) {
    process.stderr.write(`train-throughput: --arch must name architectures (${architectures.join(', ')}), got "${arch}"\n`);
    process.exit(2);
  }
}
if (values.reference !== undefined && values.reference !== 'torch') {
  process.stderr.write(`train-throughput: --reference knows only "torch", got "${values.reference}"\n`);
  process.exit(2);
}
/**
 * The network and training settings bench/torch_reference.py mirrors (128 → 64 relu, towers of 32, 4 experts, dropout
 * 0.1, no normalisation, L2 1e-4, Adam at 1e-3 without decay, standard-scaled numeric inputs), pinned so that the
 * comparison stays like for like whatever the config defaults become.
 */
const normalization = values.normalization ?? 'none';
if (!['none', 'layer', 'batch'].includes(normalization)) {
  process.stderr.write(`train-throughput: --normalization must be none, layer or batch, got "${normalization}"\n`);
  process.exit(2);
}
if (normalization !== 'none' && values.reference !== undefined) {
  process.stderr.write('train-throughput: --reference torch mirrors the network without normalisation; leave out --normalization\n');
  process.exit(2);
}
const referenceModel = {
  sharedUnits: [128, 64],
  towerUnits: [32],
  mmoe: { experts: 4 },
  activation: 'relu',
  normalization: normalization as 'none' | 'layer' | 'batch',
  dropout: 0.1,
  l2: 1e-4,
  weightDecay: 0,
  learningRate: 1e-3,
  lrSchedule: 'constant',
} as const;
const referenceFeatures = { numericEncoding: 'standard' } as const;
/** Architectures bench/torch_reference.py builds. */
const torchArchs = ['shared-bottom', 'mmoe'];
/** Task order and types of the synthetic data (b binary, r regression), as torch_reference.py reads its file. */
const taskKinds = 'bbbr';

if (values.child === undefined) await runParent();
else await runChild(values.child);

/**
 * Per architecture, runs one child per backend, one after the other, and forwards each child's JSON line; with
 * `--reference torch`, then trains the same network in PyTorch on the same rows and prints the comparison.
 */
async function runParent(): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  const common = ['--rows', String(rows), '--features', String(features), '--seed', String(seed), '--batch-size', String(batchSize), '--normalization', normalization];
  const python = values.reference === 'torch' ? await findTorchPython() : undefined;
  let dataFile: string | undefined;
  let failed = false;
  try {
    if (python !== undefined) {
      dataFile = join(await mkdtemp(join(tmpdir(), 'tandem-bench-train-')), 'train.f32');
      const { code } = await runChildProcess([...process.execArgv, script, '--child', 'data', '--data-out', dataFile, ...common]);
      if (code !== 0) throw new Error(`writing the training rows for the torch reference failed (exit code ${String(code)})`);
    }
    for (const arch of archs) {
      let tandem: { backend: string; epochSeconds: number; epochs: number } | undefined;
      for (const backend of (values.backends ?? '').split(',').map((name) => name.trim()).filter(Boolean)) {
        const epochs = values.epochs ?? (backend === 'cpu' ? '1' : '2');
        const args = [...process.execArgv, script, '--child', backend, '--arch', arch, '--epochs', epochs, ...common, ...(values.profile === true ? ['--profile'] : [])];
        const { code, stdout } = await runChildProcess(args);
        if (code === 0) {
          process.stdout.write(stdout);
          const line = JSON.parse(stdout) as { backend: string; epochSeconds: number; epochs: number };
          // The comparison takes wasm where it ran, else the first backend that did.
          if (tandem === undefined || line.backend === 'wasm') tandem = line;
        } else if (code === backendUnavailable) process.stderr.write(`train-throughput: skipped ${backend}: ${stdout.trim()}\n`);
        else {
          process.stderr.write(`train-throughput: ${backend} failed with exit code ${String(code)}\n`);
          failed = true;
        }
      }
      if (python === undefined || dataFile === undefined) continue;
      if (!torchArchs.includes(arch)) {
        process.stderr.write(`train-throughput: no torch reference for ${arch} (only ${torchArchs.join(', ')})\n`);
        continue;
      }
      const epochs = values.epochs ?? String(tandem?.epochs ?? 2);
      const reference = fileURLToPath(new URL('torch_reference.py', import.meta.url));
      const torchArgs = [reference, '--data', dataFile, '--rows', String(rows), '--features', String(features), '--tasks', taskKinds, '--arch', arch, '--epochs', epochs, '--batch-size', String(batchSize), '--seed', String(seed)];
      const { code, stdout } = await runChildProcess(torchArgs, python);
      if (code !== 0) {
        process.stderr.write(`train-throughput: the torch reference failed with exit code ${String(code)}\n`);
        failed = true;
        continue;
      }
      process.stdout.write(stdout);
      const torch = JSON.parse(stdout) as { torch: string; threads: number; epochSeconds: number };
      console.log(
        JSON.stringify({
          bench: 'train-reference',
          arch,
          rows,
          features,
          batchSize,
          tandemBackend: tandem?.backend ?? null,
          tandemEpochSeconds: tandem?.epochSeconds ?? null,
          torch: torch.torch,
          torchThreads: torch.threads,
          torchEpochSeconds: torch.epochSeconds,
          // How many times longer Tandem's epoch takes than PyTorch's.
          ratio: tandem === undefined ? null : round(tandem.epochSeconds / torch.epochSeconds, 2),
        }),
      );
    }
  } finally {
    if (dataFile !== undefined) await rm(join(dataFile, '..'), { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

/** The interpreter that can `import torch` (`--python`, else python3, else Debian's /usr/bin/python3), or undefined. */
async function findTorchPython(): Promise<string | undefined> {
  const candidates = values.python === undefined ? ['python3', '/usr/bin/python3'] : [values.python];
  const python = await findPythonWith(['torch'], candidates);
  if (python === undefined) {
    process.stderr.write(
      `train-throughput: skipped the torch reference: ${candidates.join(' or ')} cannot import torch (Debian: apt-get install -y python3-torch; or --python PATH)\n`,
    );
  }
  return python;
}

/** Runs a child (this Node by default) with stdout captured and stderr shown. */
function runChildProcess(args: string[], command = process.execPath): Promise<{ code: number | null; stdout: string }> {
  return runPython(command, args);
}

/** One backend: generate the data, train, print the JSON line. */
async function runChild(backendName: string): Promise<void> {
  if (backendName === 'data') return writeTrainingRows(values['data-out'] ?? '');
  const arch = archs[0] as string;
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
    params: modelSchema.parse({ arch, epochs, seed, batchSize, ...referenceModel }),
    features: featuresSchema.parse(referenceFeatures),
    selection: selectionSchema.parse({}),
    onEpoch: (record) => process.stderr.write(`train-throughput: ${backend} ${arch} epoch ${record.epoch} ${record.seconds.toFixed(2)} s\n`),
  });
  candidate.network.training.dispose();
  candidate.network.serving.dispose();
  const { samplesPerSecond, history, seconds } = candidate.training;
  const epochWallSeconds = history.reduce((s, record) => s + record.seconds, 0) / Math.max(history.length, 1);
  const profile = values.profile === true ? await profileTrainingStep({ arch, train: encodeRows(splits.train, data.featureColumns, data.tasks), tasks: trainTasks(data.tasks), batchSize, seed, model: referenceModel }) : undefined;
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
      arch,
      normalization,
      ...(profile === undefined ? {} : { profile }),
    }),
  );
}

/** `--child data`: the training rows, as torch_reference.py reads them (Float32 LE: features, then labels). */
async function writeTrainingRows(path: string): Promise<void> {
  const data = generateRows(rows + 2 * Math.max(1000, Math.round(rows / 20)), features, seed);
  const encoded = encodeRows(data.rows.slice(0, rows), data.featureColumns, data.tasks);
  const labels = new Float32Array(rows * data.tasks.length);
  data.tasks.forEach((task, k) => (encoded.labels[task.name] as Float32Array).forEach((value, r) => (labels[r * data.tasks.length + k] = value)));
  await writeFile(path, Buffer.concat([Buffer.from(encoded.x.buffer, encoded.x.byteOffset, encoded.x.byteLength), Buffer.from(labels.buffer)]));
}

/** The rows as a plain matrix (raw features: they are standard normal already) and labels, NaN where missing. */
function encodeRows(labelled: readonly LabelledRow[], featureColumns: readonly string[], tasks: readonly TaskSpec[]) {
  const x = new Float32Array(labelled.length * featureColumns.length);
  labelled.forEach((row, r) => featureColumns.forEach((column, j) => (x[r * featureColumns.length + j] = Number(row.features[column]))));
  const labels = Object.fromEntries(tasks.map((task) => [task.name, Float32Array.from(labelled, (row) => row.labels[task.name] ?? Number.NaN)]));
  return { rows: labelled.length, width: featureColumns.length, x, labels, ids: labelled.map((row) => row.id) };
}

/** The synthetic tasks as training sees them: bce for binary, mse for regression, weight 1. */
function trainTasks(tasks: readonly TaskSpec[]): TrainTask[] {
  return tasks.map((task) => ({ name: task.name, type: task.type, units: 1, loss: task.type === 'regression' ? 'mse' : 'bce', weight: 1, auxiliary: false }));
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
