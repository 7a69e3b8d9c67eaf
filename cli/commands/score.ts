import { createReadStream, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { isS3Uri } from '../../src/data/raw-data-fields.ts';
import { openTableChunks, type TableChunks } from '../../src/data/read-table-chunks.ts';
import { parseS3Uri, restoreUrisInError, stageFlagInputs, type StagedFlagInputs } from '../../src/data/stage-raw-inputs.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { TandemError } from '../../src/errors/tandem-error.ts';
import { validateRows, type Preprocessor } from '../../src/features/preprocessor.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { loadModel } from '../../src/model/model-artifacts.ts';
import { checkFeatureColumns } from '../../src/serve/missing-feature-columns.ts';
import { columnsToKeep, encodeChunksInWorker } from '../../src/serve/encoded-chunks.ts';
import { openRejectWriter, openScoreChunkWriter } from '../../src/serve/score-chunk-writer.ts';
import { chunksOfTable, streamScores } from '../../src/serve/stream-scores.ts';
import { createS3Client } from '../../src/store/s3-store.ts';
import { uploadS3Stream } from '../../src/store/upload-s3-stream.ts';
import { championProject, projectFlag } from '../champion-project.ts';
import type { Command } from '../command.ts';
import { readNumericFlag } from '../numeric-flags.ts';
import { buildRawFeatureTable } from '../raw-feature-table.ts';
import { createScoreProgress } from '../score-progress.ts';

/** Rows read, checked, scored and written at a time: big enough to amortise the forward pass, small enough for memory. */
const defaultChunkRows = 8192;

/**
 * The `--out` and `--rejects` targets as local paths: local ones as given; `s3://` ones written to a private folder
 * first and uploaded by `publish` (one PutObject each, which S3 applies atomically) once the run succeeded.
 */
async function localTargets(targets: readonly string[]): Promise<{ local: string[]; publish: (written: readonly boolean[], s3: S3ClientConfig) => Promise<void>; cleanup: () => Promise<void> }> {
  if (!targets.some(isS3Uri)) return { local: [...targets], publish: async () => {}, cleanup: async () => {} };
  const folder = await mkdtemp(path.join(tmpdir(), 'tandem-score-'));
  const local = targets.map((target, i) => (isS3Uri(target) ? path.join(folder, String(i), path.posix.basename(parseS3Uri(target, '--out').key) || 'out') : target));
  return {
    local,
    publish: async (written, s3ClientConfig) => {
      const client = createS3Client(s3ClientConfig);
      try {
        for (const [i, target] of targets.entries()) {
          if (!isS3Uri(target) || written[i] !== true) continue;
          const { bucket, key } = parseS3Uri(target, '--out');
          const file = local[i] as string;
          try {
            // Multipart past one part (no 5 GB cap on a whole base's scores), aborted on failure: no half object.
            await uploadS3Stream(client, { bucket, key }, createReadStream(file));
          } catch (error) {
            throw new TandemError(`writing ${target} failed: ${(error as Error).message}`, { cause: error, value: target });
          }
        }
      } finally {
        client.destroy();
      }
    },
    cleanup: () => rm(folder, { recursive: true, force: true }),
  };
}

/**
 * A refused input (missing feature columns) whose first chunk also has an invalid cell: the error names that cell too,
 * so both problems are fixed in one go.
 */
async function withFirstInvalidCell(error: unknown, table: TableChunks, preprocessor: Preprocessor, source: string): Promise<unknown> {
  if (!(error instanceof BadInputError)) return error;
  const first = await table.chunks[Symbol.asyncIterator]().next().catch(() => undefined);
  if (first === undefined || first.done === true) return error;
  const [issue] = validateRows(preprocessor, first.value.rows, 'row');
  const match = issue === undefined ? null : /^row\[(\d+)\]\.?(.*)$/.exec(issue.path);
  if (issue === undefined || match === null) return error;
  const where = `${path.basename(source)}:${first.value.lines[Number(match[1])] ?? '?'}:${match[2] ?? ''}`;
  error.message = `${error.message}; also, at ${where}: ${issue.issue}`;
  return error;
}

/** `tandem score`: batch scoring of a file with a saved model, streamed in chunks. */
export const scoreCommand: Command = {
  name: 'score',
  summary: 'batch-score a CSV, JSONL or Parquet file with a model: id, per task score/decision/decile, segment',
  help: [
    'The input needs every feature column the model reads (extra columns are ignored); a missing one is an error',
    'naming it, unless --allow-missing-features (then it is imputed in every row and a warning gives the count).',
    'The input is read, scored and written in chunks, so memory stays flat whatever the row count; progress (rows/s,',
    'ETA) goes to stderr. A row that cannot be scored (an invalid cell, a wrong cell count, an invalid JSON line) is',
    'written to --rejects with its line and reason while the other rows are scored; then the exit status is 2.',
    'Example: npm run --silent tandem -- score --model champion --input customers.csv --out scores.csv',
  ].join('\n'),
  flags: {
    model: { type: 'string', valueName: 'ID|champion|PATH', description: 'the model (default: champion)' },
    project: projectFlag,
    input: { type: 'string', valueName: 'FILE', description: 'rows to score (.csv, .jsonl or .parquet, a local path or s3:// URI); label columns are ignored' },
    out: { type: 'string', valueName: 'FILE', description: 'where to write the scores (.csv, .jsonl or .parquet, a local path or s3:// URI)' },
    rejects: { type: 'string', valueName: 'FILE', description: 'where rows that cannot be scored go, as CSV line,column,reason (default: <out>.rejects.csv; written only when a row is rejected)' },
    'chunk-rows': { type: 'string', valueName: 'N', description: `rows per chunk (default ${defaultChunkRows})` },
    cutoff: { type: 'string', valueName: 'DATE', description: 'events mode: feature cutoff (with --raw; auto: the day after the last event)' },
    'allow-missing-features': { type: 'boolean', description: 'score although the input lacks feature columns of the model (imputed in every row; a warning gives the count); without it that is an error' },
  },
  async run(context) {
    const input = context.flags.input ?? context.flags.data;
    const out = context.flags.out;
    const fromRaw = typeof context.flags.raw === 'string';
    if (!fromRaw && typeof input !== 'string') throw new BadInputError('score needs --input FILE (or, for an events-mode model, --raw DIR --cutoff DATE)', { value: '--input' });
    if (typeof out !== 'string') throw new BadInputError('score needs --out FILE', { value: '--out' });
    const rejectsTarget = typeof context.flags.rejects === 'string' ? context.flags.rejects : `${out}.rejects.csv`;
    const chunkRows = readNumericFlag(context.flags, 'chunk-rows', { min: 1, max: 1_000_000 }) ?? defaultChunkRows;
    const store = await context.store();
    await selectBackend(context.env.backend);
    const reference = typeof context.flags.model === 'string' ? context.flags.model : 'champion';
    const model = await loadModel(store, reference, reference === 'champion' ? { project: await championProject(context, store) } : {});
    let staged: StagedFlagInputs | undefined;
    let table: TableChunks | undefined;
    const targets = await localTargets([out, rejectsTarget]);
    try {
      if (fromRaw && model.card.events === undefined) throw new BadInputError(`model ${model.modelId} was trained on a table: score it with --input FILE`, { value: '--raw' });
      const source = fromRaw ? String(context.flags.raw) : String(input);
      let chunks;
      let encoded;
      let size: number;
      if (fromRaw) {
        const built = (await buildRawFeatureTable(context, model.card.events)).table;
        checkColumns(built.columns);
        chunks = chunksOfTable(built, chunkRows);
        size = built.lines.length;
      } else {
        staged = await stageFlagInputs({ inputFile: source }, { s3ClientConfig: context.env.s3ClientConfig });
        const encoding = { preprocessor: model.preprocessor, idColumn: model.card.idColumn, ...(model.stability === undefined ? {} : { stabilityFeatures: model.stability.features }) };
        const file = staged.inputFile ?? source;
        // Opened here for its header and size; the rows are read, checked and encoded in a worker thread while this
        // one scores and writes (two cores), at most two chunks ahead.
        table = await openTableChunks(file, { chunkRows, keep: columnsToKeep(encoding) });
        try {
          checkColumns(table.columns);
        } catch (error) {
          throw await withFirstInvalidCell(error, table, model.preprocessor, source);
        }
        size = table.size;
        await table.close();
        encoded = encodeChunksInWorker(file, chunkRows, encoding);
      }
      function checkColumns(columns: readonly string[]): void {
        const check = checkFeatureColumns(model.preprocessor, source, columns, { allowMissing: context.flags['allow-missing-features'] === true });
        if (check.warning !== undefined) context.log(check.warning);
      }

      const served = model.card.tasks.filter((task) => !task.auxiliary);
      const [localOut, localRejects] = targets.local as [string, string];
      const writer = await openScoreChunkWriter(localOut, served);
      const rejects = await openRejectWriter(localRejects).catch(async (error: unknown) => {
        await writer.abort();
        throw error;
      });
      const stop = context.takeOverStop();
      // A second Ctrl-C exits at once: no half-written file may stay behind.
      const removeHook = stop.onForcedExit(() => {
        for (const file of [writer.temporary, rejects.temporary]) rmSync(file, { force: true });
      });
      const progress = createScoreProgress(context, { size });
      let result;
      try {
        result = await streamScores({ model, chunks, encoded, writer, rejects, signal: stop.signal, onProgress: progress.onProgress });
        await writer.commit();
        const rejectsWritten = await rejects.commit();
        await targets.publish([true, rejectsWritten], context.env.s3ClientConfig);
      } catch (error) {
        await Promise.all([writer.abort(), rejects.abort()]);
        throw error;
      } finally {
        removeHook();
        progress.done();
      }

      const { rows, rejected, firstReject, stability } = result;
      for (const warning of stability?.warnings ?? []) context.log(`warning: ${warning}`);
      if (firstReject !== undefined) {
        const where = `${path.basename(source)}:${firstReject.line}${firstReject.column === undefined ? '' : `:${firstReject.column}`}`;
        context.log(`warning: ${rejected} row(s) of ${source} could not be scored (see ${rejectsTarget}); first at ${where}: ${firstReject.reason}`);
      }
      return {
        json: {
          rows,
          ...(rejected > 0 ? { rejected, rejects: rejectsTarget } : {}),
          out,
          modelId: model.modelId,
          ...(stability === undefined ? {} : { stability }),
        },
        text: `scored ${rows} rows with ${model.modelId} → ${out}${rejected > 0 ? `; ${rejected} rejected → ${rejectsTarget}` : ''}`,
        // Rows were left out: the other scores are written, but a script must not take the run for a clean one.
        ...(rejected > 0 ? { exitCode: 2 } : {}),
      };
    } catch (error) {
      throw staged === undefined ? error : restoreUrisInError(error, staged);
    } finally {
      await table?.close();
      await staged?.cleanup();
      await targets.cleanup();
      model.network.dispose();
    }
  },
};
