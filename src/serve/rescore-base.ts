import { ListObjectsV2Command, type S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ScoringConfig } from '../config/schema.ts';
import { openDuckDbSession, sqlString } from '../data/events/duckdb-session.ts';
import { isS3Uri } from '../data/raw-data-fields.ts';
import { openTableChunks, type TableChunks } from '../data/read-table-chunks.ts';
import { explainS3, parseS3Uri, restoreUrisInError, stageFlagInputs, type StagedFlagInputs } from '../data/stage-raw-inputs.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { WorkflowStepError } from '../errors/workflow-step-error.ts';
import { loadModel } from '../model/model-artifacts.ts';
import { assertProjectName, readChampion } from '../registry/champion.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJson } from '../store/json-object.ts';
import { checkFeatureColumns } from './missing-feature-columns.ts';
import { openRejectWriter, openScoreChunkWriter } from './score-chunk-writer.ts';
import { streamScores } from './stream-scores.ts';

/** The store prefix of rescored customer bases (README: store layout). */
export const SCORES_PREFIX = 'scores/';

/** Table objects a customer base may be made of. */
const tableExtensions = ['.csv', '.jsonl', '.ndjson', '.parquet'] as const;

/**
 * Most parts (input objects) one rescoring takes: each part travels in the workflow state (256 KiB) as about 200
 * bytes, and the Map's results come back beside them. Split a larger base into fewer, larger objects.
 */
export const maxRescoreParts = 1000;

/** One input object of a rescoring and where its scores go: one item of the workflow's scoring Map, one job. */
export interface RescorePart {
  readonly project: string;
  readonly modelId: string;
  /** The rescoring's day (UTC, YYYY-MM-DD): the `date=` partition. */
  readonly date: string;
  /** The input object: a local file or `s3://bucket/key`. */
  readonly input: string;
  /** 0-based position among the base's objects (sorted by key): `part-<nnnnn>`. */
  readonly part: number;
  readonly partitionBySegment: boolean;
}

/** What {@link planRescoring} returns: the model pinned for every part, and the parts. */
export interface RescorePlan {
  readonly project: string;
  readonly modelId: string;
  readonly date: string;
  /** The store prefix of this rescoring: `scores/<project>/date=<date>/`. */
  readonly prefix: string;
  readonly input: string;
  readonly parts: readonly RescorePart[];
}

/** One Parquet file a part job wrote. */
export interface RescoreFile {
  readonly key: string;
  readonly rows: number;
  /** With `partitionBySegment`: the segment of every row of the file. */
  readonly segment?: string;
}

/** What one part job did (kept at `<prefix>_parts/part-<n>.json` for the manifest). */
export interface RescorePartResult {
  readonly part: number;
  readonly input: string;
  readonly rows: number;
  readonly rejected: number;
  /** The reject file (`line,column,reason`), when a row was rejected. */
  readonly rejectsKey?: string;
  readonly files: readonly RescoreFile[];
}

/** `<prefix>_manifest.json`: what a rescoring wrote, written after every part. */
export interface RescoreManifest {
  readonly project: string;
  readonly modelId: string;
  readonly date: string;
  readonly input: string;
  readonly partitionBySegment: boolean;
  readonly rows: number;
  readonly rejected: number;
  readonly parts: readonly RescorePartResult[];
  readonly writtenAt: string;
}

/** The store prefix of one project's scores on one day. */
export function rescorePrefix(project: string, date: string): string {
  assertProjectName(project);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new BadInputError(`rescoring date must be YYYY-MM-DD, got "${date}"`, { value: date });
  return `${SCORES_PREFIX}${project}/date=${date}/`;
}

const partName = (part: number): string => `part-${String(part).padStart(5, '0')}`;

/** Options of {@link planRescoring}. */
export interface PlanRescoringOptions {
  /** The config's `name`. */
  readonly project: string;
  readonly scoring: ScoringConfig;
  /** The model to score with; default: the project's champion now (pinned, so a promotion mid-run changes nothing). */
  readonly modelId?: string | null | undefined;
  readonly now?: Date;
  /** Lists an `s3://` input prefix. */
  readonly s3Client?: () => S3Client;
}

/**
 * The first step of a rescoring: pins the model (the given one, else the project's champion), lists the customer
 * base (`scoring.input`: one table file, a local folder's table files, or the table objects under an `s3://` prefix,
 * sorted), removes what an earlier rescoring of the same day left under `scores/<project>/date=<day>/` (a rescoring
 * replaces its day), and returns one part per object.
 * @throws NotFoundError without a champion or without a table object; WorkflowStepError past {@link maxRescoreParts}.
 */
export async function planRescoring(store: BlobStore, { project, scoring, modelId, now = new Date(), s3Client }: PlanRescoringOptions): Promise<RescorePlan> {
  const pinned = modelId ?? (await readChampion(store, project))?.modelId;
  if (pinned === undefined) throw new NotFoundError(`rescoring ${project}: no champion in ${store.uri} to score with`, { value: project });
  const date = now.toISOString().slice(0, 10);
  const prefix = rescorePrefix(project, date);
  const objects = isS3Uri(scoring.input) ? await listS3Tables(scoring.input, s3Client) : await listLocalTables(scoring.input);
  if (objects.length === 0) throw new NotFoundError(`scoring.input ${scoring.input}: no .csv, .jsonl, .ndjson or .parquet object to score`, { value: scoring.input });
  if (objects.length > maxRescoreParts) {
    throw new WorkflowStepError(`scoring.input ${scoring.input} holds ${objects.length} table objects; at most ${maxRescoreParts} per rescoring (merge them into fewer, larger objects)`, { value: objects.length });
  }
  for (const key of await store.list(prefix)) await store.delete(key);
  const parts = objects.map((input, part): RescorePart => ({ project, modelId: pinned, date, input, part, partitionBySegment: scoring.partitionBySegment }));
  return { project, modelId: pinned, date, prefix, input: scoring.input, parts };
}

const isTable = (name: string): boolean => (tableExtensions as readonly string[]).includes(path.extname(name).toLowerCase());

async function listLocalTables(input: string): Promise<string[]> {
  const info = await stat(input).catch((error: unknown) => {
    throw new NotFoundError(`scoring.input ${input}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { value: input, cause: error });
  });
  if (!info.isDirectory()) return [input];
  const names = (await readdir(input, { withFileTypes: true })).filter((entry) => entry.isFile() && isTable(entry.name)).map((entry) => entry.name);
  return names.sort().map((name) => path.join(input, name));
}

async function listS3Tables(input: string, s3Client: (() => S3Client) | undefined): Promise<string[]> {
  if (s3Client === undefined) throw new BadInputError(`scoring.input ${input}: listing s3:// needs an S3 client`, { value: input });
  const client = s3Client();
  const { bucket, key } = parseS3Uri(input, 'scoring.input');
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await explainS3(() => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token })), input, 'scoring.input');
    for (const object of page.Contents ?? []) if (object.Key !== undefined && isTable(object.Key)) keys.push(object.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys.sort().map((objectKey) => `s3://${bucket}/${objectKey}`);
}

/** Options of {@link scoreRescorePart}. */
export interface ScoreRescorePartOptions {
  /** Client config for an `s3://` input object. */
  readonly s3ClientConfig?: S3ClientConfig;
  /** Rows read, scored and written at a time. @default 8192 */
  readonly chunkRows?: number;
  readonly tempRoot?: string;
}

/**
 * One job of a rescoring: streams its input object through the same scorer as `tandem score` (`streamScores`, in
 * chunks, bounded memory) into a Parquet file, and puts it in the store at `<prefix>part-<n>.parquet`, or with
 * `partitionBySegment` one file per segment at `<prefix>segment=<segment>/part-<n>.parquet` (the segment URI-encoded,
 * as Hive partitions are). Rows that cannot be scored go to `<prefix>_rejects/part-<n>.csv`. The part's result goes to
 * `<prefix>_parts/part-<n>.json` last, so the manifest step sees a part only once its files are in place. A missing
 * feature column fails the part (the base does not fit the model). Call `selectBackend` before.
 */
export async function scoreRescorePart(store: BlobStore, part: RescorePart, { s3ClientConfig, chunkRows = 8192, tempRoot = tmpdir() }: ScoreRescorePartOptions = {}): Promise<RescorePartResult> {
  const prefix = rescorePrefix(part.project, part.date);
  const name = partName(part.part);
  const model = await loadModel(store, part.modelId);
  const folder = await mkdtemp(path.join(tempRoot, 'tandem-rescore-'));
  let staged: StagedFlagInputs | undefined;
  let table: TableChunks | undefined;
  try {
    staged = await stageFlagInputs({ inputFile: part.input }, { ...(s3ClientConfig === undefined ? {} : { s3ClientConfig }), tempRoot: folder });
    const keep = [...model.preprocessor.columns.map((column) => column.name), ...(model.card.idColumn === null ? [] : [model.card.idColumn])];
    table = await openTableChunks(staged.inputFile ?? part.input, { chunkRows, keep });
    checkFeatureColumns(model.preprocessor, part.input, table.columns, { allowMissing: false });
    const served = model.card.tasks.filter((task) => !task.auxiliary);
    const scoresFile = path.join(folder, `${name}.parquet`);
    const rejectsFile = path.join(folder, `${name}.rejects.csv`);
    const writer = await openScoreChunkWriter(scoresFile, served);
    const rejects = await openRejectWriter(rejectsFile).catch(async (error: unknown) => {
      await writer.abort();
      throw error;
    });
    let result;
    let rejectsWritten: boolean;
    try {
      result = await streamScores({ model, chunks: table.chunks, writer, rejects });
      await writer.commit();
      rejectsWritten = await rejects.commit();
    } catch (error) {
      await Promise.all([writer.abort(), rejects.abort()]);
      throw error;
    }
    const files = part.partitionBySegment ? await putSegmentFiles(store, scoresFile, prefix, name, folder) : [await putFile(store, scoresFile, `${prefix}${name}.parquet`, result.rows)];
    const rejectsKey = `${prefix}_rejects/${name}.csv`;
    if (rejectsWritten) await store.putStream(rejectsKey, createReadStream(rejectsFile));
    const partResult: RescorePartResult = { part: part.part, input: part.input, rows: result.rows, rejected: result.rejected, ...(rejectsWritten ? { rejectsKey } : {}), files };
    await store.put(`${prefix}_parts/${name}.json`, `${JSON.stringify(partResult, null, 2)}\n`);
    return partResult;
  } catch (error) {
    throw staged === undefined ? error : restoreUrisInError(error, staged);
  } finally {
    await table?.close();
    await staged?.cleanup();
    await rm(folder, { recursive: true, force: true });
    model.network.dispose();
  }
}

/** Streams a local file into the store (a multipart upload on S3), so a part's memory does not follow its size. */
async function putFile(store: BlobStore, file: string, key: string, rows: number, segment?: string): Promise<RescoreFile> {
  await store.putStream(key, createReadStream(file));
  return { key, rows, ...(segment === undefined ? {} : { segment }) };
}

/** Splits a part's Parquet scores by segment (DuckDB, one file per segment) and puts each file in its partition. */
async function putSegmentFiles(store: BlobStore, scoresFile: string, prefix: string, name: string, folder: string): Promise<RescoreFile[]> {
  const session = await openDuckDbSession({ threads: 1, memoryLimit: '256MB', tempRoot: folder });
  try {
    await session.connection.run('SET preserve_insertion_order = true');
    const source = `read_parquet(${sqlString(scoresFile)})`;
    const counts = (await session.connection.runAndReadAll(`SELECT segment, count(*)::INTEGER AS n FROM ${source} GROUP BY segment ORDER BY segment`)).getRowObjectsJS() as { segment: string; n: number }[];
    const files: RescoreFile[] = [];
    for (const [i, { segment, n }] of counts.entries()) {
      const file = path.join(folder, `${name}.segment-${i}.parquet`);
      await session.connection.run(`COPY (SELECT * FROM ${source} WHERE segment = ${sqlString(segment)}) TO ${sqlString(file)} (FORMAT parquet)`);
      files.push(await putFile(store, file, `${prefix}segment=${encodeURIComponent(segment)}/${name}.parquet`, n, segment));
    }
    return files;
  } finally {
    await session.close();
  }
}

/**
 * The last step of a rescoring: reads every part's result and writes `<prefix>_manifest.json` (the model, the day,
 * each part's files and row counts, the totals).
 * @throws NotFoundError naming the first part whose job left no result.
 */
export async function writeRescoreManifest(store: BlobStore, plan: Pick<RescorePlan, 'project' | 'modelId' | 'date' | 'input' | 'parts'>, now = new Date()): Promise<RescoreManifest> {
  const prefix = rescorePrefix(plan.project, plan.date);
  const parts: RescorePartResult[] = [];
  for (const part of plan.parts) {
    const key = `${prefix}_parts/${partName(part.part)}.json`;
    if (!(await store.exists(key))) throw new NotFoundError(`rescoring ${plan.project} ${plan.date}: part ${part.part} (${part.input}) wrote no result at ${key}`, { value: part.input });
    parts.push(await readJson<RescorePartResult>(store, key));
  }
  const manifest: RescoreManifest = {
    project: plan.project,
    modelId: plan.modelId,
    date: plan.date,
    input: plan.input,
    partitionBySegment: plan.parts[0]?.partitionBySegment ?? false,
    rows: parts.reduce((sum, part) => sum + part.rows, 0),
    rejected: parts.reduce((sum, part) => sum + part.rejected, 0),
    parts,
    writtenAt: now.toISOString(),
  };
  await store.put(`${prefix}_manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
