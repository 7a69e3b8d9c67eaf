import { Worker } from 'node:worker_threads';
import type { RejectedRow, TableChunk } from '../data/read-table-chunks.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { TandemError } from '../errors/tandem-error.ts';
import { cellsOfRows, createColumnEncoder, type CellIssue } from '../features/encode-columns.ts';
import type { Preprocessor } from '../features/preprocessor.ts';
import type { StabilityBaseline } from '../model/stability-baseline.ts';
import { createFeatureBinCounter } from './batch-stability-counts.ts';

/** One chunk of a table checked and encoded for the forward pass: plain data, so it can cross threads. */
export interface EncodedChunk {
  /** Row-major `[rows, inputWidth]`: the rows to score, those without a refused cell, in order. */
  readonly x: Float32Array;
  readonly rows: number;
  /** Per row to score its id: the id column's cell, else its 1-based position among the input's data rows. */
  readonly ids: string[];
  /** The chunk's rows that are not scored (the reader's and those with a refused cell), by line. */
  readonly rejects: RejectedRow[];
  /** The chunk's `done` (progress). */
  readonly done: number;
  /** With a stability baseline: the scored rows' feature bin counts (see createFeatureBinCounter). */
  readonly featureCounts?: Record<string, number[]>;
}

/** What encoding chunks needs of a model: plain data, so a worker thread can be given it. */
export interface ChunkEncoding {
  readonly preprocessor: Preprocessor;
  readonly idColumn: string | null;
  /** The stability baseline's features, to count the scored rows into. @default none */
  readonly stabilityFeatures?: StabilityBaseline['features'];
}

/** The columns a model reads from its input: its features, then its id column. */
export function columnsToKeep({ preprocessor, idColumn }: ChunkEncoding): string[] {
  return [...preprocessor.columns.map((column) => column.name), ...(idColumn === null ? [] : [idColumn])];
}

/**
 * Makes the function that checks and encodes one chunk column by column (`createColumnEncoder`): rows with a refused
 * cell become rejects (line, column, reason, as `validateRows` words them) next to the reader's, the rest are encoded.
 */
export function createChunkEncoder(encoding: ChunkEncoding): (chunk: TableChunk) => EncodedChunk {
  const encoder = createColumnEncoder(encoding.preprocessor);
  const width = encoding.preprocessor.inputNames.length;
  const names = columnsToKeep(encoding);
  const countBins = encoding.stabilityFeatures === undefined ? undefined : createFeatureBinCounter(encoding.stabilityFeatures);
  const { idColumn } = encoding;
  return (chunk) => {
    const cells = chunk.cells ?? cellsOfRows(chunk.rows, names);
    const count = chunk.lines.length;
    const { x, issues } = encoder.encode(cells, count);
    const invalid = issues.map(({ row, column, issue }): RejectedRow => ({ line: chunk.lines[row] ?? 0, column, reason: issue }));
    const rejects = chunk.rejects.length === 0 ? invalid : [...chunk.rejects, ...invalid].sort((a, b) => a.line - b.line);
    const kept = issues.length === 0 ? undefined : keptRows(count, issues, x, width);
    const rows = kept?.length ?? count;
    const idCells = idColumn === null ? undefined : cells.get(idColumn);
    const ids = new Array<string>(rows);
    for (let i = 0; i < rows; i++) {
      const row = kept === undefined ? i : (kept[i] as number);
      const id = idCells?.[row];
      ids[i] = id !== undefined && id !== null && id !== '' ? String(id) : String((chunk.positions[row] as number) + 1);
    }
    const featureCounts = countBins?.(cells, count, kept);
    return { x: x.subarray(0, rows * width), rows, ids, rejects, done: chunk.done, ...(featureCounts === undefined ? {} : { featureCounts }) };
  };
}

/** The rows of a chunk without an issue, ascending; their rows of `x` (`width` floats each) moved to the front, in order. */
function keptRows(count: number, issues: readonly CellIssue[], x: Float32Array, width: number): number[] {
  const kept: number[] = [];
  let next = 0;
  for (let row = 0; row < count; row++) {
    if (issues[next]?.row === row) {
      next++;
      continue;
    }
    if (kept.length !== row) x.copyWithin(kept.length * width, row * width, (row + 1) * width);
    kept.push(row);
  }
  return kept;
}

/** Chunks encoded in this thread, as they are read. */
export async function* encodeChunks(chunks: AsyncIterable<TableChunk>, encoding: ChunkEncoding): AsyncGenerator<EncodedChunk> {
  const encode = createChunkEncoder(encoding);
  for await (const chunk of chunks) yield encode(chunk);
}

/** What the encoding worker is given (see encode-chunks-worker.ts). */
export interface EncodeWorkerData extends ChunkEncoding {
  readonly file: string;
  readonly chunkRows: number;
  /** Chunks the worker may read ahead of the scorer: bounds memory. */
  readonly ahead: number;
}

/** What the encoding worker sends: a chunk, the end, or the error that stopped it. */
export type EncodeWorkerMessage =
  | { readonly kind: 'chunk'; readonly chunk: EncodedChunk }
  | { readonly kind: 'end' }
  | { readonly kind: 'error'; readonly name: string; readonly message: string; readonly value?: unknown; readonly details?: BadInputError['details'] };

/**
 * A table file (`openTableChunks` formats) read and encoded in a worker thread while this thread scores: on two cores
 * reading, parsing and encoding overlap the forward pass and the writing. The worker reads at most two chunks ahead,
 * so memory stays bounded; a reader error (a malformed CSV part way) is thrown here as the same error class and
 * message. Stopping the iteration ends the worker.
 */
export async function* encodeChunksInWorker(file: string, chunkRows: number, encoding: ChunkEncoding): AsyncGenerator<EncodedChunk> {
  const data: EncodeWorkerData = { ...encoding, file, chunkRows, ahead: 2 };
  const worker = startWorker(data);
  const queue: EncodeWorkerMessage[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  worker.on('message', (message: EncodeWorkerMessage) => {
    queue.push(message);
    wake?.();
  });
  worker.on('error', (error) => {
    failure = error;
    wake?.();
  });
  worker.on('exit', (code) => {
    failure ??= code === 0 ? undefined : new TandemError(`the encoding worker of ${file} stopped with exit code ${code}`);
    queue.push({ kind: 'end' });
    wake?.();
  });
  try {
    for (;;) {
      while (queue.length === 0 && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
      const message = queue.shift();
      if (message === undefined || (failure !== undefined && message.kind !== 'error')) throw failure as Error;
      if (message.kind === 'end') {
        if (failure !== undefined) throw failure;
        return;
      }
      if (message.kind === 'error') {
        const options = { value: message.value, details: message.details ?? [] };
        throw message.name === 'BadInputError' ? new BadInputError(message.message, options) : new TandemError(message.message, options);
      }
      worker.postMessage('more');
      yield message.chunk;
    }
  } finally {
    await worker.terminate();
  }
}

/**
 * The encoding worker. Run from TypeScript sources (tsx), the worker thread gets tsx's hooks first: a worker does
 * not inherit the hooks `--import` registered in this thread.
 */
function startWorker(data: EncodeWorkerData): Worker {
  const source = import.meta.url.endsWith('.ts');
  const script = new URL(`./encode-chunks-worker.${source ? 'ts' : 'js'}`, import.meta.url);
  if (!source) return new Worker(script, { workerData: data });
  const api = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(script.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}
