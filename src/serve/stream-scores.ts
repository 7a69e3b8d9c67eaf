import type { RawRow } from '../data/labelled-row.ts';
import type { RejectedRow, TableChunk } from '../data/read-table-chunks.ts';
import type { RawTable } from '../data/read-table.ts';
import { InterruptedError, signalOfAbort } from '../errors/interrupted-error.ts';
import { validateRows } from '../features/preprocessor.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import type { BatchStability } from './batch-stability.ts';
import { createBatchStabilityCounts } from './batch-stability-counts.ts';
import type { RejectWriter, ScoreChunkWriter } from './score-chunk-writer.ts';
import { scoreRows } from './score-rows.ts';
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
  /** The input in chunks, in order (see `openTableChunks`, {@link chunksOfTable}). */
  readonly chunks: AsyncIterable<TableChunk>;
  /** Where the scores go; the caller commits or aborts it. */
  readonly writer: ScoreChunkWriter;
  /** Where rejected rows go; the caller commits or aborts it. */
  readonly rejects: RejectWriter;
  /** Stops between chunks with an InterruptedError (the CLI's Ctrl-C). @default undefined */
  readonly signal?: AbortSignal | undefined;
  /** Called after each chunk is written. @default undefined */
  readonly onProgress?: ((progress: StreamProgress) => void) | undefined;
}

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
 * Scores a table chunk by chunk in bounded memory: each chunk's rows are checked cell by cell (`validateRows`; a row
 * with an invalid cell is rejected with its line, column and reason, as are the rows the reader rejected), the rest
 * scored with `scoreRows` (one compiled forward pass for the whole run) and appended to `writer`, and the batch's
 * population stability counted per chunk. A row without an id gets its 1-based position among the input's data rows,
 * as in a whole-table run. Memory holds one chunk, whatever the row count.
 * @throws InterruptedError when `signal` aborts (between chunks); whatever the writers or the reader throw.
 */
export async function streamScores({ model, chunks, writer, rejects, signal, onProgress }: StreamScoresOptions): Promise<StreamScoresResult> {
  const forward = createServingForward(model);
  const stability = model.stability === undefined ? undefined : createBatchStabilityCounts(model.stability);
  let rows = 0;
  let rejected = 0;
  let firstReject: RejectedRow | undefined;
  for await (const chunk of chunks) {
    if (signal?.aborted === true) throw new InterruptedError('scoring stopped; no output was written', { signal: signalOfAbort(signal) });
    const { valid, invalid } = splitInvalidRows(model, chunk);
    const bad = [...chunk.rejects, ...invalid].sort((a, b) => a.line - b.line);
    if (bad.length > 0) {
      firstReject ??= bad[0];
      rejected += bad.length;
      await rejects.write(bad);
    }
    if (valid.rows.length > 0) {
      const predictions = await scoreRows(model, valid.rows, { forward, fallbackIds: valid.positions.map((p) => String(p + 1)) });
      await writer.write(predictions);
      stability?.add(valid.rows, predictions);
      rows += predictions.length;
    }
    onProgress?.({ rows, rejected, done: chunk.done });
  }
  if (signal?.aborted === true) throw new InterruptedError('scoring stopped; no output was written', { signal: signalOfAbort(signal) });
  return { rows, rejected, ...(firstReject === undefined ? {} : { firstReject }), ...(stability === undefined || rows === 0 ? {} : { stability: stability.result() }) };
}

/** A chunk's rows split into those the model can score and those with an invalid cell (one reject per row, its first cell). */
function splitInvalidRows(model: LoadedModel, chunk: TableChunk): { valid: { rows: RawRow[]; positions: number[] }; invalid: RejectedRow[] } {
  const issues = validateRows(model.preprocessor, chunk.rows, 'row');
  if (issues.length === 0) return { valid: { rows: chunk.rows, positions: chunk.positions }, invalid: [] };
  const byRow = new Map<number, RejectedRow>();
  for (const { path, issue } of issues) {
    const match = /^row\[(\d+)\]\.?(.*)$/.exec(path);
    const index = Number(match?.[1] ?? -1);
    if (byRow.has(index)) continue;
    const column = match?.[2] ?? '';
    byRow.set(index, { line: chunk.lines[index] ?? 0, ...(column === '' ? {} : { column }), reason: issue });
  }
  const rows: RawRow[] = [];
  const positions: number[] = [];
  chunk.rows.forEach((row, i) => {
    if (byRow.has(i)) return;
    rows.push(row);
    positions.push(chunk.positions[i] as number);
  });
  return { valid: { rows, positions }, invalid: [...byRow.values()] };
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
