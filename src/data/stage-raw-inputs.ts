import { GetObjectCommand, ListObjectsV2Command, type S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isTableConfig, type TandemConfig } from '../config/schema.ts';
import { BadInputError, type InputIssue } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { TandemError } from '../errors/tandem-error.ts';
import { createS3Client } from '../store/s3-store.ts';
import { eventFileExtensions, eventFileFormatOf } from './events/event-file.ts';
import { eventLogNames, isS3Uri, rawDataFields } from './raw-data-fields.ts';
import { tableFormatOf } from './read-table.ts';

/** Options of {@link stageRawInputs}. */
export interface StageRawInputsOptions {
  /** The `--data` flag (table mode): read this file instead of `data.path`. @default undefined */
  readonly dataPath?: string | undefined;
  /** The `--raw` flag (events mode): read the logs in this folder instead of the config's paths. @default undefined */
  readonly rawDir?: string | undefined;
  /** A ready client for `s3://` inputs (its owner destroys it). When absent one is built from `s3ClientConfig`. */
  readonly s3Client?: S3Client | undefined;
  /** Config of the client built when `s3Client` is absent: `TandemEnvironment.s3ClientConfig`. @default {} (SDK defaults) */
  readonly s3ClientConfig?: S3ClientConfig | undefined;
  /** Folder in which the private staging folder is made. @default os.tmpdir() */
  readonly tempRoot?: string | undefined;
}

/** One `s3://` object copied to a local file. */
export interface StagedObject {
  /** Where it came from, e.g. `s3://raw/shop/orders.csv`. */
  readonly uri: string;
  /** The config field or flag that named it (`data.path`, `data.orders`, `--data`, `--raw`). */
  readonly field: string;
  /** The local copy (absolute); its name keeps the object's, so readers dispatch on the same extension. */
  readonly file: string;
}

/** What {@link stageRawInputs} returns: the inputs as local paths, and how to map them back and clean up. */
export interface StagedRawInputs<C extends TandemConfig> {
  /** `config` with each `s3://` data path it reads replaced by the local copy; the same object when none was staged. */
  readonly config: C;
  /** `dataPath` as a local path (a local one unchanged). */
  readonly dataPath: string | undefined;
  /** `rawDir` as a local folder (a local one unchanged). */
  readonly rawDir: string | undefined;
  /** The objects copied, in config order; empty when every input is local. */
  readonly staged: readonly StagedObject[];
  /** `text` with every local copy (and staging folder) replaced by the `s3://` URI it stands for. */
  restoreUris(text: string): string;
  /** Removes the staging folder; safe to call more than once, a no-op when nothing was staged. */
  cleanup(): Promise<void>;
}

/** An `s3://bucket/key` URI split up. */
export interface S3Location {
  readonly bucket: string;
  /** The key ('' for the bucket root), without a leading slash. */
  readonly key: string;
}

/**
 * Splits an `s3://bucket/key` URI.
 * @throws BadInputError naming `field` when the URI names no bucket.
 */
export function parseS3Uri(uri: string, field: string): S3Location {
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1).replace(/^\/+/, '');
  if (bucket === '') throw new BadInputError(`${field}: "${uri}" names no bucket; use s3://<bucket>/<key>`, { value: uri, details: [{ path: field, issue: 'no bucket' }] });
  return { bucket, key };
}

/** What to copy: an object named by a config field, into `<staging>/<slot>/`. */
interface StagingRequest {
  readonly uri: string;
  readonly field: string;
  readonly slot: string;
}

/**
 * Makes the raw data a config reads available as local files, so that ingestion (which reads local files with
 * DuckDB and Node's fs) can run unchanged on data in S3. Every `s3://` input — the table (`--data` or `data.path`),
 * or the logs (`--raw` or `data.customers`, `data.sessions`, `data.orders`) — is streamed to disk (never held in
 * memory whole) in a private folder made with `mkdtemp`, under its own name, so the extension still picks the
 * reader. For `--raw s3://bucket/prefix` the logs are found by listing the prefix, with the extensions the local
 * `--raw` accepts. Local paths are returned as they are and nothing is created. Call `cleanup()` when done (in
 * `finally`); a failure while staging removes what was copied before it throws.
 *
 * @throws NotFoundError naming the URI and the field or flag when an object or its bucket does not exist;
 *   BadInputError for a URI that names no bucket or no object; TandemError (with `cause`) for other S3 failures.
 */
export async function stageRawInputs<C extends TandemConfig>(config: C, options: StageRawInputsOptions = {}): Promise<StagedRawInputs<C>> {
  const { dataPath, rawDir } = options;
  const rawPrefix = !isTableConfig(config) && rawDir !== undefined && isS3Uri(rawDir) ? rawDir : undefined;
  const staged = await stageRequests(stagingRequests(config, dataPath, rawDir), rawPrefix, options);
  if (staged === undefined) return { config, dataPath, rawDir, staged: [], restoreUris: (text) => text, cleanup: () => Promise.resolve() };
  const localOf = (field: string): string | undefined => staged.objects.find((object) => object.field === field)?.file;
  return {
    config: withLocalPaths(config, localOf),
    dataPath: dataPath === undefined ? undefined : (localOf('--data') ?? dataPath),
    rawDir: rawPrefix === undefined ? rawDir : staged.rawFolder,
    staged: staged.objects,
    restoreUris: staged.restoreUris,
    cleanup: staged.cleanup,
  };
}

/** The inputs commands that take no config read (`features`, `score`): a `--raw` logs folder or an input file. */
export interface FlagInputs {
  /** The `--raw` folder: a local folder or `s3://bucket/prefix`. */
  readonly rawDir?: string | undefined;
  /** A file to read (`--input`): a local path or `s3://bucket/key`. */
  readonly inputFile?: string | undefined;
}

/** What {@link stageFlagInputs} returns: the inputs as local paths, and how to map them back and clean up. */
export interface StagedFlagInputs extends Omit<StagedRawInputs<TandemConfig>, 'config' | 'dataPath' | 'rawDir'> {
  /** `rawDir` as a local folder (a local one unchanged). */
  readonly rawDir: string | undefined;
  /** `inputFile` as a local path (a local one unchanged). */
  readonly inputFile: string | undefined;
}

/**
 * {@link stageRawInputs} for commands without a config: an `s3://` `--raw` folder (its logs found by listing the
 * prefix) or `--input` table file is streamed to a private folder; local paths come back unchanged. Call `cleanup()`
 * when done. Throws as `stageRawInputs` does, and BadInputError for an `s3://` input that is not a table file (CSV,
 * JSONL or Parquet).
 */
export async function stageFlagInputs({ rawDir, inputFile }: FlagInputs, options: Omit<StageRawInputsOptions, 'dataPath' | 'rawDir'> = {}): Promise<StagedFlagInputs> {
  const requests = inputFile !== undefined && isS3Uri(inputFile) ? [{ uri: inputFile, field: '--input', slot: 'data' }] : [];
  // Before a download that could be gigabytes; `score` also reads Parquet, which table-mode ingestion does not.
  if (inputFile !== undefined && requests.length > 0 && path.extname(inputFile).toLowerCase() !== '.parquet') tableFormatOf(inputFile);
  const rawPrefix = rawDir !== undefined && isS3Uri(rawDir) ? rawDir : undefined;
  const staged = await stageRequests(requests, rawPrefix, options);
  if (staged === undefined) return { rawDir, inputFile, staged: [], restoreUris: (text) => text, cleanup: () => Promise.resolve() };
  return {
    rawDir: rawPrefix === undefined ? rawDir : staged.rawFolder,
    inputFile: requests.length === 0 ? inputFile : (staged.objects.find((object) => object.field === '--input')?.file ?? inputFile),
    staged: staged.objects,
    restoreUris: staged.restoreUris,
    cleanup: staged.cleanup,
  };
}

/**
 * Copies `requests` and, with `rawPrefix`, the logs under it into a fresh private folder; undefined (and nothing
 * made) when there is nothing to copy. A failure removes what was copied before it throws.
 */
async function stageRequests(
  requests: StagingRequest[],
  rawPrefix: string | undefined,
  options: Pick<StageRawInputsOptions, 's3Client' | 's3ClientConfig' | 'tempRoot'>,
): Promise<{ objects: StagedObject[]; rawFolder: string; restoreUris: (text: string) => string; cleanup: () => Promise<void> } | undefined> {
  if (requests.length === 0 && rawPrefix === undefined) return undefined;
  const client = options.s3Client ?? createS3Client(options.s3ClientConfig);
  const folder = await mkdtemp(path.join(options.tempRoot ?? tmpdir(), 'tandem-raw-'));
  const cleanup = (): Promise<void> => rm(folder, { recursive: true, force: true });
  try {
    const all = rawPrefix === undefined ? requests : [...requests, ...(await rawFolderRequests(client, rawPrefix))];
    const objects = await downloadAll(client, all, folder);
    // Ingestion also records the folder of the logs (the `--raw` folder, or the one holding customers).
    const folders = new Map(objects.map((object) => [path.dirname(object.file), parentUri(object.uri)]));
    return { objects, rawFolder: path.join(folder, 'raw'), restoreUris: uriRestorer(objects, folders), cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  } finally {
    if (options.s3Client === undefined) client.destroy();
  }
}

/**
 * Rewrites an error's message (and a BadInputError's details) with {@link StagedRawInputs.restoreUris}, in place, so
 * that it names `s3://raw/telco.csv` rather than a staging folder that is gone by the time anyone reads it.
 */
export function restoreUrisInError<E>(error: E, staged: Pick<StagedRawInputs<TandemConfig>, 'restoreUris' | 'staged'>): E {
  if (staged.staged.length === 0 || !(error instanceof Error)) return error;
  error.message = staged.restoreUris(error.message);
  if (error instanceof BadInputError) {
    const details: readonly InputIssue[] = error.details.map((d) => ({ path: staged.restoreUris(d.path), issue: staged.restoreUris(d.issue) }));
    (error as { details: readonly InputIssue[] }).details = details;
  }
  return error;
}

/** The `s3://` inputs a config reads, given the `--data` / `--raw` overrides (a `--raw` prefix is listed later). */
function stagingRequests(config: TandemConfig, dataPath: string | undefined, rawDir: string | undefined): StagingRequest[] {
  if (isTableConfig(config)) {
    const [uri, field] = dataPath === undefined ? [config.data.path, 'data.path'] : [dataPath, '--data'];
    if (!isS3Uri(uri)) return [];
    tableFormatOf(uri); // before a download that could be gigabytes
    return [{ uri, field, slot: 'data' }];
  }
  if (rawDir !== undefined) return [];
  const logs = rawDataFields(config).filter((log) => isS3Uri(log.path));
  for (const log of logs) eventFileFormatOf(log.path);
  return logs.map((log) => ({ uri: log.path, field: log.field, slot: log.key }));
}

/**
 * The logs under a `--raw s3://bucket/prefix`: for each of customers, sessions and orders the first of
 * `<name>.csv`, `.jsonl`, `.ndjson`, `.parquet` directly under the prefix.
 * @throws NotFoundError naming the prefix and every log it lacks (or the missing bucket).
 */
async function rawFolderRequests(client: S3Client, rawPrefix: string): Promise<StagingRequest[]> {
  const { bucket, key } = parseS3Uri(rawPrefix, '--raw');
  const folderKey = key.replace(/\/+$/, '');
  const prefix = folderKey === '' ? '' : `${folderKey}/`;
  const names = new Set<string>();
  let token: string | undefined;
  do {
    const page = await explainS3(() => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token })), rawPrefix, '--raw');
    for (const object of page.Contents ?? []) if (object.Key !== undefined) names.add(object.Key.slice(prefix.length));
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);

  const base = `s3://${bucket}/${prefix}`;
  const found = eventLogNames.map((name) => ({ name, file: eventFileExtensions.map((extension) => `${name}${extension}`).find((file) => names.has(file)) }));
  const missing = found.filter((log) => log.file === undefined).map((log) => log.name);
  if (missing.length > 0) {
    const wanted = missing.map((name) => `${base}${name}${eventFileExtensions[0]}`).join(', ');
    throw new NotFoundError(`--raw ${rawPrefix}: no ${missing.join(', ')} log (looked for ${wanted} and the .jsonl, .ndjson, .parquet variants)`, {
      value: rawPrefix,
    });
  }
  return found.map(({ file }) => ({ uri: `${base}${file ?? ''}`, field: '--raw', slot: 'raw' }));
}

/** Downloads every request at once; when one fails the others still finish (so nothing writes into a removed folder). */
async function downloadAll(client: S3Client, requests: readonly StagingRequest[], folder: string): Promise<StagedObject[]> {
  const results = await Promise.allSettled(
    requests.map(async (request): Promise<StagedObject> => {
      const { bucket, key } = parseS3Uri(request.uri, request.field);
      const name = key.slice(key.lastIndexOf('/') + 1);
      if (name === '' || name === '.' || name === '..') {
        throw new BadInputError(`${request.field}: "${request.uri}" names a folder, not an object; give the file's full key`, {
          value: request.uri,
          details: [{ path: request.field, issue: 'not an object key' }],
        });
      }
      const file = path.join(folder, request.slot, name);
      await mkdir(path.dirname(file), { recursive: true });
      await downloadObject(client, { bucket, key }, file, request);
      return { uri: request.uri, field: request.field, file };
    }),
  );
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<StagedObject>).value);
}

/** Streams one object to `file` (exclusive create: the staging folder is ours alone). */
async function downloadObject(client: S3Client, { bucket, key }: S3Location, file: string, { uri, field }: StagingRequest): Promise<void> {
  const output = await explainS3(() => client.send(new GetObjectCommand({ Bucket: bucket, Key: key })), uri, field);
  const body = output.Body;
  const source = body === undefined ? Readable.from([]) : body instanceof Readable ? body : Readable.fromWeb(body.transformToWebStream() as Parameters<typeof Readable.fromWeb>[0]);
  try {
    await pipeline(source, createWriteStream(file, { flags: 'wx' }));
  } catch (error) {
    throw new TandemError(`${field}: reading ${uri} failed part way: ${(error as Error).message}`, { cause: error, value: uri });
  }
}

/**
 * Runs an S3 call on `uri` with S3's errors turned into Tandem's, each naming the URI and the field or flag that gave
 * it: NotFoundError for a missing bucket or object, TandemError (access denied, with `deniedHint`, or S3's message).
 */
export async function explainS3<O>(call: () => Promise<O>, uri: string, field: string, deniedHint = 'check the credentials and the bucket policy'): Promise<O> {
  try {
    return await call();
  } catch (error) {
    const name = (error as Error | undefined)?.name;
    const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
    const { bucket } = parseS3Uri(uri, field);
    if (name === 'NoSuchBucket') {
      throw new NotFoundError(`${field}: S3 bucket "${bucket}" does not exist (${uri})`, { cause: error, value: uri });
    }
    if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
      throw new NotFoundError(`${field}: no object ${uri}`, { cause: error, value: uri });
    }
    const reason = name === 'AccessDenied' || status === 403 ? `access denied (${deniedHint})` : (error as Error).message;
    throw new TandemError(`${field}: cannot read ${uri}: ${reason}`, { cause: error, value: uri });
  }
}

/** The URI of the folder an object sits in, without a trailing slash: `s3://raw/shop/orders.csv` → `s3://raw/shop`. */
function parentUri(uri: string): string {
  return uri.slice(0, uri.lastIndexOf('/'));
}

/** A copy of `config` whose staged data paths are the local copies. */
function withLocalPaths<C extends TandemConfig>(config: C, localOf: (field: string) => string | undefined): C {
  const replaced: Record<string, string> = {};
  for (const { field, key } of rawDataFields(config)) {
    const local = localOf(field);
    if (local !== undefined) replaced[key] = local;
  }
  return Object.keys(replaced).length === 0 ? config : { ...config, data: { ...config.data, ...replaced } };
}

/** Replaces local copies, then their folders, by the URIs they stand for (longest first, so a file beats its folder). */
function uriRestorer(staged: readonly StagedObject[], folders: ReadonlyMap<string, string>): (text: string) => string {
  const pairs = [...staged.map((object): [string, string] => [object.file, object.uri]), ...folders].sort(([a], [b]) => b.length - a.length);
  return (text) => pairs.reduce((out, [local, uri]) => out.replaceAll(local, uri), text);
}
