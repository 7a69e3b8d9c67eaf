/**
 * Batch scoring throughput and memory: `tandem score` of a Telco-like CSV of 1M and 5M rows (the Telco rows repeated
 * with new ids, in a temp folder) with a small four-task Telco model trained once (examples/telco.config.json, 2
 * epochs). Each file is scored in a child process of its own (bench/measure-in-child.ts), so rows/s and peak RSS are
 * that run's alone, with its CPU seconds over all threads (the rows are read and encoded in a worker thread: on an
 * idle two-core machine the wall seconds fall below the CPU seconds; on a loaded one rows per CPU second is the
 * steadier figure). A third child times each stage of the streamed scorer, in one thread, on the first
 * `--stage-rows` rows of the first file: read, encode (check and encode, column by column), forward (one
 * TensorFlow.js block per chunk, and the compiled float64 pass the API uses, for comparison), scoreBatch, stability
 * counts, write; and, for comparison, the row-object path (making the row objects, validateRows + transformRows).
 * Prints one JSON line; `rssRatio` is the peak RSS at the largest file over the smallest (the issue asks at most
 * 1.1: memory must not grow with the row count).
 *
 *   npm run bench:score -- [--rows 1000000,5000000] [--chunk-rows 8192] [--stage-rows 200000] [--keep DIR]
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { runCli } from '../cli/main.ts';
import { loadTableConfig } from '../src/config/load-config.ts';
import { ingestTable } from '../src/data/ingest-table.ts';
import { openTableChunks } from '../src/data/read-table-chunks.ts';
import { readTable } from '../src/data/read-table.ts';
import { transformRows, validateRows } from '../src/features/preprocessor.ts';
import { selectBackend } from '../src/model/backend.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { createColumnEncoder, type ColumnCells } from '../src/features/encode-columns.ts';
import { createBatchStabilityCounts, createFeatureBinCounter } from '../src/serve/batch-stability-counts.ts';
import { openScoreChunkWriter } from '../src/serve/score-chunk-writer.ts';
import { scoreBatch } from '../src/serve/scored-batch.ts';
import { createServingForward } from '../src/serve/serving-forward.ts';
import { FileStore } from '../src/store/file-store.ts';
import { trainAndSaveModel } from '../src/train/train-and-save.ts';
import { measureInChild, peakRssMB } from './measure-in-child.ts';
import { round } from './round.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000,5000000' },
    'chunk-rows': { type: 'string', default: '8192' },
    keep: { type: 'string' },
    child: { type: 'string' },
    store: { type: 'string' },
    model: { type: 'string' },
    input: { type: 'string' },
    'stage-rows': { type: 'string', default: '200000' },
  },
  strict: true,
});

const telcoConfig = fileURLToPath(new URL('../examples/telco.config.json', import.meta.url));

interface Scored {
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly peakRssMB: number;
  readonly inputMB: number;
  /** CPU seconds of the run (all threads, user + system): less sensitive than `seconds` to other load on the machine. */
  readonly cpuSeconds: number;
  readonly rowsPerCpuSecond: number;
}

if (values.child === 'score') await childScore();
else if (values.child === 'stages') await childStages();
else await runParent();

async function runParent(): Promise<void> {
  const sizes = (values.rows ?? '').split(',').map((text) => Number(text.trim()));
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new Error(`--rows: expected row counts like 1000000,5000000, got "${values.rows}"`);
  const dir = values.keep ?? (await mkdtemp(path.join(tmpdir(), 'tandem-bench-score-')));
  try {
    const store = path.join(dir, 'store');
    const trainStart = performance.now();
    const modelId = await trainTelco(store);
    const trainSeconds = (performance.now() - trainStart) / 1000;
    const runs: Record<string, Scored> = {};
    let stages: unknown;
    for (const size of sizes) {
      const input = path.join(dir, `telco-${size}.csv`);
      await writeTelcoLike(input, size);
      runs[String(size)] = await measureInChild<Scored>(import.meta.url, ['--child', 'score', '--store', store, '--model', modelId, '--input', input, '--chunk-rows', values['chunk-rows'] ?? '8192']);
      process.stderr.write(`score-throughput: ${size} rows: ${JSON.stringify(runs[String(size)])}\n`);
      if (stages === undefined) {
        stages = await measureInChild(import.meta.url, ['--child', 'stages', '--store', store, '--model', modelId, '--input', input, '--chunk-rows', values['chunk-rows'] ?? '8192', '--stage-rows', values['stage-rows'] ?? '200000']);
      }
      if (values.keep === undefined) await rm(input, { force: true });
    }
    const rss = Object.values(runs).map((run) => run.peakRssMB);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'score-throughput',
        model: 'telco four-task shared-bottom, 2 epochs',
        chunkRows: Number(values['chunk-rows']),
        trainSeconds: round(trainSeconds, 1),
        runs,
        rssRatio: round((rss.at(-1) as number) / (rss[0] as number), 3),
        stages,
        cpus: cpus().length,
        loadAverage: loadavg().map((value) => round(value, 1)),
      })}\n`,
    );
  } finally {
    if (values.keep === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** Ingests the Telco table and trains a small four-task model on it; its id. */
async function trainTelco(storeDir: string): Promise<string> {
  const { config } = await loadTableConfig(telcoConfig);
  const store = new FileStore(storeDir);
  const backend = await selectBackend();
  const { manifest } = await ingestTable(config, store);
  const result = await trainAndSaveModel({
    store,
    datasetId: manifest.datasetId,
    name: config.name,
    params: { ...config.model, epochs: 2, patience: 2, seed: 1 },
    features: config.features,
    selection: config.selection,
    backend,
  });
  return result.modelId;
}

/** Writes `rows` Telco rows (the file's rows over and over, each with a new id) as CSV, streamed. */
async function writeTelcoLike(file: string, rows: number): Promise<void> {
  const { config } = await loadTableConfig(telcoConfig);
  const table = await readTable(config.data.path);
  const csvCell = (value: unknown): string => {
    const text = value === null ? '' : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const idColumn = config.data.id as string;
  const bodies = table.rows.map((row) => table.columns.map((column) => (column === idColumn ? '' : csvCell(row[column]))));
  const idAt = table.columns.indexOf(idColumn);
  const out = createWriteStream(file);
  out.write(`${table.columns.join(',')}\n`);
  let text = '';
  for (let i = 0; i < rows; i++) {
    const cells = bodies[i % bodies.length] as string[];
    cells[idAt] = `B${String(i).padStart(9, '0')}`;
    text += `${cells.join(',')}\n`;
    if (text.length > 1 << 20) {
      if (!out.write(text)) await once(out, 'drain');
      text = '';
    }
  }
  out.end(text);
  await once(out, 'finish');
}

/** Child: one `tandem score` run, in process; prints its rows/s and peak RSS. */
async function childScore(): Promise<void> {
  const input = values.input as string;
  const out = `${input}.scores.csv`;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let stdout = '';
  let stderr = '';
  const code = await runCli(['score', '--store', `file://${values.store}`, '--model', values.model as string, '--input', input, '--out', out, '--chunk-rows', values['chunk-rows'] ?? '8192', '--json'], {
    stdout: (text) => (stdout += text),
    stderr: (text) => {
      stderr += text;
      process.stderr.write(text);
    },
    interactive: false,
    env: process.env,
    stopped: new Promise(() => {}),
  });
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (code !== 0) throw new Error(`score exited with ${code}: ${stderr}`);
  const { rows } = JSON.parse(stdout) as { rows: number };
  const inputMB = round((await stat(input)).size / 1e6, 1);
  await rm(out, { force: true });
  const result: Scored = { rows, seconds: round(seconds, 1), rowsPerSecond: Math.round(rows / seconds), peakRssMB: peakRssMB(), inputMB, cpuSeconds: round(cpuSeconds, 1), rowsPerCpuSecond: Math.round(rows / cpuSeconds) };
  process.stdout.write(JSON.stringify(result));
}

/** Child: the streamed scorer's stages timed one by one on the same chunks; rows/s of each stage alone. */
async function childStages(): Promise<void> {
  await selectBackend();
  const model = await loadModel(new FileStore(values.store as string), values.model as string);
  const compiled = createServingForward(model);
  const forward = createServingForward(model, { blockRows: 1 });
  const encoder = createColumnEncoder(model.preprocessor);
  const stability = model.stability === undefined ? undefined : createBatchStabilityCounts(model.stability);
  const countBins = model.stability === undefined ? undefined : createFeatureBinCounter(model.stability.features);
  const served = model.card.tasks.filter((task) => !task.auxiliary);
  const idColumn = model.card.idColumn;
  const keep = [...model.preprocessor.columns.map((column) => column.name), ...(idColumn === null ? [] : [idColumn])];
  const table = await openTableChunks(values.input as string, { chunkRows: Number(values['chunk-rows']), keep });
  const out = `${values.input}.stages.csv`;
  const writer = await openScoreChunkWriter(out, served);
  const seconds = { read: 0, encode: 0, forward: 0, compiledForward: 0, scoreBatch: 0, stability: 0, write: 0, rowObjects: 0, validateRowsTransformRows: 0 };
  let rows = 0;
  const iterator = table.chunks[Symbol.asyncIterator]();
  for (;;) {
    let at = performance.now();
    const next = await iterator.next();
    seconds.read += performance.now() - at;
    if (next.done === true || rows >= Number(values['stage-rows'])) break;
    const chunk = next.value;
    const count = chunk.lines.length;
    rows += count;
    const cells = chunk.cells as ColumnCells;
    at = performance.now();
    // Check and encode at once, column by column (what streamScores runs).
    const { x } = encoder.encode(cells, count);
    seconds.encode += performance.now() - at;
    at = performance.now();
    const outputs = await forward.predict(x, count);
    seconds.forward += performance.now() - at;
    at = performance.now();
    // The compiled float64 forward pass the API uses, for comparison with the block one.
    await compiled.predict(x, count);
    seconds.compiledForward += performance.now() - at;
    at = performance.now();
    const batch = scoreBatch(model, outputs, count, { idCells: idColumn === null ? undefined : cells.get(idColumn) });
    seconds.scoreBatch += performance.now() - at;
    at = performance.now();
    stability?.addBatch(countBins?.(cells, count, undefined) ?? {}, batch);
    seconds.stability += performance.now() - at;
    at = performance.now();
    await writer.writeBatch(batch);
    seconds.write += performance.now() - at;
    // For comparison, the row path the API takes: an object per row, then validateRows and transformRows.
    at = performance.now();
    const objects = chunk.rows;
    seconds.rowObjects += performance.now() - at;
    at = performance.now();
    validateRows(model.preprocessor, objects, 'row');
    transformRows(model.preprocessor, objects);
    seconds.validateRowsTransformRows += performance.now() - at;
  }
  await writer.abort();
  await table.close();
  model.network.dispose();
  const perStage = Object.fromEntries(Object.entries(seconds).map(([stage, ms]) => [stage, { seconds: round(ms / 1000, 2), rowsPerSecond: Math.round(rows / Math.max(ms / 1000, 1e-6)) }]));
  process.stdout.write(JSON.stringify({ rows, engine: forward.engine, backend: tf.getBackend(), ...perStage }));
}
