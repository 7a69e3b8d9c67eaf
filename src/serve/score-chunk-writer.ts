import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBAppender } from '@duckdb/node-api';
import { openDuckDbSession, sqlIdentifier, sqlString, type DuckDbSession } from '../data/events/duckdb-session.ts';
import type { RejectedRow } from '../data/read-table-chunks.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { scoreColumns, scoreColumnTypes, type ScoredTask } from './score-columns.ts';
import type { CustomerPrediction } from './score-rows.ts';
import { batchOfPredictions, type ScoredBatch } from './scored-batch.ts';

/** Scores written chunk by chunk to a temporary file that only `commit` puts in place. */
export interface ScoreChunkWriter {
  /** The temporary file (Parquet: made only by `commit`), for a forced exit to remove synchronously. */
  readonly temporary: string;
  /** Appends one chunk's predictions, in order; waits while the disk catches up, so memory stays bounded. */
  write(predictions: readonly CustomerPrediction[]): Promise<void>;
  /** The same for a chunk scored in columns (`score`'s path): the same bytes as `write` of its predictions. */
  writeBatch(batch: ScoredBatch): Promise<void>;
  /** Finishes the file and renames it to its target (atomic on one filesystem). */
  commit(): Promise<void>;
  /** Drops the temporary file; the target is left as it was. Safe after `commit` or a failure, and twice. */
  abort(): Promise<void>;
}

/** Lines appended to a temporary file through a write stream that respects backpressure. */
class TemporaryTextFile {
  readonly temporary: string;
  readonly #target: string;
  readonly #stream: WriteStream;
  #failure: Error | undefined;
  #done = false;

  constructor(target: string) {
    this.#target = target;
    this.temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    this.#stream = createWriteStream(this.temporary, { flags: 'wx' });
    this.#stream.on('error', (error) => (this.#failure = error));
  }

  async write(text: string): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (text === '' || this.#stream.write(text)) return;
    await new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        this.#stream.off('error', onError);
        resolve();
      };
      const onError = (error: Error): void => {
        this.#stream.off('drain', onDrain);
        reject(error);
      };
      this.#stream.once('drain', onDrain);
      this.#stream.once('error', onError);
    });
  }

  async commit(): Promise<void> {
    await this.#end();
    if (this.#failure !== undefined) throw this.#failure;
    await rename(this.temporary, this.#target);
    this.#done = true;
  }

  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#stream.destroy();
    await new Promise<void>((resolve) => (this.#stream.closed ? resolve() : this.#stream.once('close', () => resolve())));
    await rm(this.temporary, { force: true });
  }

  #end(): Promise<void> {
    return new Promise((resolve, reject) => this.#stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}

/** A CSV cell as `writeScores` writes it: text with a comma, quote or line break quoted (a number or boolean never has one). */
function csvCell(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  const text = value;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Opens a chunked writer of `score`'s output at `file` (`.csv`, `.jsonl`/`.ndjson` or `.parquet`, by extension) whose
 * bytes equal `writeScores`'s for the same predictions: the CSV header then one line per customer (a trailing newline),
 * JSONL one object per line, Parquet typed columns (see `scoreColumnTypes`) through a DuckDB appender that spills to
 * disk past its memory limit. Nothing appears at `file` before `commit`.
 * @throws BadInputError for another extension.
 */
export async function openScoreChunkWriter(file: string, tasks: readonly ScoredTask[]): Promise<ScoreChunkWriter> {
  const extension = path.extname(file).toLowerCase();
  if (extension !== '.csv' && extension !== '.jsonl' && extension !== '.ndjson' && extension !== '.parquet') {
    throw new BadInputError(`--out ${file}: write .csv, .jsonl or .parquet (the extension picks the format)`, { value: file });
  }
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  if (extension === '.parquet') return openParquetWriter(file, tasks);
  const out = new TemporaryTextFile(file);
  const csv = extension === '.csv';
  if (csv) await out.write(`${scoreColumns(tasks).join(',')}\n`);
  const format = csv ? csvLines : jsonLines;
  const writeBatch = (batch: ScoredBatch): Promise<void> => out.write(format(batch, 0, batch.rows));
  return {
    temporary: out.temporary,
    write: (predictions) => writeBatch(batchOfPredictions(predictions, tasks)),
    writeBatch,
    commit: () => out.commit(),
    abort: () => out.abort(),
  };
}

/** Decile cells, 0..10, as text: formatted once. */
const decileText = Array.from({ length: 11 }, (_, d) => String(d));

/**
 * The CSV lines of the batch's rows `from` … `to − 1` in `scoreColumns` order: id, per task its score, decision (a multiclass task's predicted
 * class), decile and class probabilities, then the segment; text cells quoted as `csvCell` does.
 */
function csvLines(batch: ScoredBatch, from: number, to: number): string {
  const { tasks, ids, segments } = batch;
  // Segments repeat: each distinct one is quoted once.
  const quoted = new Map<string, string>();
  let text = '';
  for (let i = from; i < to; i++) {
    let line = csvCell(ids[i] as string);
    for (const task of tasks) {
      line += `,${task.scores[i] as number},`;
      line += task.predicted === undefined ? (task.decisions[i] === 1 ? 'true' : 'false') : csvCell(task.predicted[i] as string);
      line += `,${decileText[task.deciles[i] as number] ?? String(task.deciles[i])}`;
      const probabilities = task.probabilities;
      if (probabilities !== undefined) {
        const width = (task.classes as readonly string[]).length;
        for (let c = 0; c < width; c++) line += `,${probabilities[i * width + c] as number}`;
      }
    }
    const segment = segments[i] as string;
    let cell = quoted.get(segment);
    if (cell === undefined) {
      cell = csvCell(segment);
      quoted.set(segment, cell);
    }
    text += `${line},${cell}\n`;
  }
  return text;
}

/** Rows `from` … `to − 1` as JSON Lines: one object per row, keys in `scoreColumns` order (JSON.stringify of the flat record). */
function jsonLines(batch: ScoredBatch, from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i++) {
    const record: Record<string, string | number | boolean> = { id: batch.ids[i] as string };
    for (const task of batch.tasks) {
      record[task.name] = task.scores[i] as number;
      record[`${task.name}_decision`] = task.predicted === undefined ? task.decisions[i] === 1 : (task.predicted[i] as string);
      record[`${task.name}_decile`] = task.deciles[i] as number;
      const width = task.classes?.length ?? 0;
      task.classes?.forEach((label, c) => (record[`${task.name}_p_${label}`] = (task.probabilities as Float64Array)[i * width + c] as number));
    }
    record.segment = batch.segments[i] as string;
    text += `${JSON.stringify(record)}\n`;
  }
  return text;
}

async function openParquetWriter(file: string, tasks: readonly ScoredTask[]): Promise<ScoreChunkWriter> {
  const columns = scoreColumnTypes(tasks);
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const session: DuckDbSession = await openDuckDbSession({ threads: 1, memoryLimit: '256MB' });
  let appender: DuckDBAppender | undefined;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await session.close();
  };
  try {
    await session.connection.run('SET preserve_insertion_order = true');
    await session.connection.run(`CREATE TABLE scores (${columns.map(([name, type]) => `${sqlIdentifier(name)} ${type}`).join(', ')})`);
    appender = await session.connection.createAppender('scores');
  } catch (error) {
    await close();
    throw error;
  }
  const rows = appender;
  const writeBatch = async (batch: ScoredBatch): Promise<void> => {
    for (let i = 0; i < batch.rows; i++) {
      rows.appendVarchar(batch.ids[i] as string);
      for (const task of batch.tasks) {
        rows.appendDouble(task.scores[i] as number);
        if (task.predicted === undefined) rows.appendBoolean(task.decisions[i] === 1);
        else rows.appendVarchar(task.predicted[i] as string);
        rows.appendInteger(task.deciles[i] as number);
        const width = task.classes?.length ?? 0;
        for (let c = 0; c < width; c++) rows.appendDouble((task.probabilities as Float64Array)[i * width + c] as number);
      }
      rows.appendVarchar(batch.segments[i] as string);
      rows.endRow();
    }
    rows.flushSync();
  };
  return {
    temporary,
    write: (predictions) => writeBatch(batchOfPredictions(predictions, tasks)),
    writeBatch,
    async commit() {
      try {
        rows.closeSync();
        await session.connection.run(`COPY scores TO ${sqlString(temporary)} (FORMAT parquet)`);
        await rename(temporary, file);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      } finally {
        await close();
      }
    },
    async abort() {
      if (closed) return;
      await close();
      await rm(temporary, { force: true });
    },
  };
}

/** Rejected rows written as CSV (`line,column,reason`) to a temporary file that `commit` renames into place. */
export interface RejectWriter {
  /** The temporary file, for a forced exit to remove synchronously. */
  readonly temporary: string;
  write(rejects: readonly RejectedRow[]): Promise<void>;
  /** Puts the file in place when a row was rejected; with none it writes nothing and removes a stale file at its path. */
  commit(): Promise<boolean>;
  abort(): Promise<void>;
}

/** Opens the reject file of a scoring run (`--rejects`): the source line and the reason of each row not scored. */
export async function openRejectWriter(file: string): Promise<RejectWriter> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const out = new TemporaryTextFile(file);
  let count = 0;
  await out.write('line,column,reason\n');
  return {
    temporary: out.temporary,
    async write(rejects) {
      count += rejects.length;
      await out.write(rejects.map((reject) => `${reject.line},${csvCell(reject.column ?? '')},${csvCell(reject.reason)}\n`).join(''));
    },
    async commit() {
      if (count === 0) {
        await out.abort();
        // A reject file left by an earlier run would describe rows this run scored.
        await rm(file, { force: true });
        return false;
      }
      await out.commit();
      return true;
    },
    abort: () => out.abort(),
  };
}
