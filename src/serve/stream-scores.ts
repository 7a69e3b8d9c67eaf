import type { RejectedRow, TableChunk } from '../data/read-table-chunks.ts';
import type { RawTable } from '../data/read-table.ts';
import { InterruptedError, signalOfAbort } from '../errors/interrupted-error.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import type { BatchStability } from './batch-stability.ts';
import { createBatchStabilityCounts } from './batch-stability-counts.ts';
import type { RejectWriter, ScoreChunkWriter } from './score-chunk-writer.ts';
import { encodeChunks, type EncodedChunk } from './encoded-chunks.ts';
import { scoreBatch } from './scored-batch.ts';
import { createServingForward } from './serving-forward.ts';

/** Where a streamed scoring run stands after a chunk. */
export interface StreamProgress {
  /** Rows scored so far. */
  readonly rows: number;
  /** Rows rejected so far. */
  readonly rejected: number;
  /** The last chunk's `done` (bytes or rows of the input read so far). */
  readonly done: number;
}

/** Arguments of {@link streamScores}. */
export interface StreamScoresOptions {
  readonly model: LoadedModel;
  /** The input in chunks, in order (see `openTableChunks`, {@link chunksOfTable}), encoded here as they come. */
  readonly chunks?: AsyncIterable<TableChunk>;
  /** Or the input already encoded (see `encodeChunksInWorker`): the model's `columnsToKeep`, its stability features. */
  readonly encoded?: AsyncIterable<EncodedChunk>;
  /** Where the scores go; the caller commits or aborts it. */
  readonly writer: ScoreChunkWriter;
  /** Where rejected rows go; the caller commits or aborts it. */
  readonly rejects: RejectWriter;
  /** Stops between chunks with an InterruptedError (the CLI's Ctrl-C). @default undefined */
  readonly signal?: AbortSignal | undefined;
  /** Called after each chunk is written. @default undefined */
  readonly onProgress?: ((progress: StreamProgress) => void) | undefined;
  /** Chunks of at least this many valid rows go through the model's graph as one block (see ServingForwardOptions). @default 1024 */
  readonly blockRows?: number;
}

/** Below this many rows a chunk's forward pass stays compiled: a TensorFlow.js call costs more than it saves. */
const defaultBlockRows = 1024;

/** What {@link streamScores} did. */
export interface StreamScoresResult {
  readonly rows: number;
  readonly rejected: number;
  /** The first rejected row (lowest line), for the message. */
  readonly firstReject?: RejectedRow;
  /** The batch's population stability (models with a stability baseline and at least one row scored). */
  readonly stability?: BatchStability;
}

/**
 * Scores a table chunk by chunk in bounded memory, column by column (no object per row): each chunk's cells are
 * checked and encoded at once (`createChunkEncoder`, here or in a worker: what `validateRows` refuses and
 * `transformRows` encodes; a row with an invalid cell is rejected with its line, column and reason, as are the rows
 * the reader rejected), the rest go through one forward pass (chunks of `blockRows` rows or more as one TensorFlow.js block, see
 * ServingForwardOptions), `scoreBatch` and `writer.writeBatch`, and the batch's population stability is counted per
 * chunk. A row without an id gets its 1-based position among the input's data rows,
 * as in a whole-table run. Memory holds one chunk, whatever the row count.
 * @throws InterruptedError when `signal` aborts (between chunks); whatever the writers or the reader throw.
 */
export async function streamScores({ model, chunks, encoded, writer, rejects, signal, onProgress, blockRows = defaultBlockRows }: StreamScoresOptions): Promise<StreamScoresResult> {
  if (chunks === undefined && encoded === undefined) throw new TypeError('streamScores needs chunks or encoded chunks');
  const forward = createServingForward(model, { blockRows });
  const stability = model.stability === undefined ? undefined : createBatchStabilityCounts(model.stability);
  const encoding = { preprocessor: model.preprocessor, idColumn: model.card.idColumn, ...(model.stability === undefined ? {} : { stabilityFeatures: model.stability.features }) };
  let rows = 0;
  let rejected = 0;
  let firstReject: RejectedRow | undefined;
  for await (const chunk of encoded ?? encodeChunks(chunks as AsyncIterable<TableChunk>, encoding)) {
    if (signal?.aborted === true) throw new InterruptedError('scoring stopped; no output was written', { signal: signalOfAbort(signal) });
    if (chunk.rejects.length > 0) {
      firstReject ??= chunk.rejects[0];
      rejected += chunk.rejects.length;
      await rejects.write(chunk.rejects);
    }
    if (chunk.rows > 0) {
      const outputs = await forward.predict(chunk.x, chunk.rows);
      const batch = scoreBatch(model, outputs, chunk.rows, { idCells: chunk.ids });
      await writer.writeBatch(batch);
      stability?.addBatch(chunk.featureCounts ?? {}, batch);
      rows += chunk.rows;
    }
    onProgress?.({ rows, rejected, done: chunk.done });
  }
  if (signal?.aborted === true) throw new InterruptedError('scoring stopped; no output was written', { signal: signalOfAbort(signal) });
  return { rows, rejected, ...(firstReject === undefined ? {} : { firstReject }), ...(stability === undefined || rows === 0 ? {} : { stability: stability.result() }) };
}

/**
 * A table already in memory (events mode builds its feature table first) as chunks of `chunkRows` rows, so it goes
 * through the same scorer as a file; `done` counts rows.
 */
export async function* chunksOfTable(table: RawTable, chunkRows = 8192): AsyncGenerator<TableChunk> {
  const all = table.rows;
  for (let start = 0; start < all.length; start += chunkRows) {
    const end = Math.min(all.length, start + chunkRows);
    const positions = Array.from({ length: end - start }, (_, i) => start + i);
    yield { rows: all.slice(start, end), lines: table.lines.slice(start, end), positions, rejects: [], done: end };
  }
}
