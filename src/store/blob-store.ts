/** Options of {@link BlobStore.put}. */
export interface PutOptions {
  /**
   * Tags of the object (S3 object tagging, e.g. `tandem-kind=checkpoint`, which the store bucket's lifecycle rules
   * match). Stores without object tags (file://) ignore them.
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The body of {@link BlobStore.putStream}: chunks of bytes (strings are UTF-8), read one after another. A Node
 * `Readable` (e.g. `createReadStream(file)`) and an async generator both are one.
 */
export type PutStreamBody = AsyncIterable<Uint8Array | string>;

/**
 * Ends a body that will not be read (a put refused before its first chunk): a `Readable` is destroyed, closing its
 * file, and a generator runs its `finally`.
 */
export async function releaseStreamBody(body: PutStreamBody): Promise<void> {
  await body[Symbol.asyncIterator]().return?.();
}

/** The tag that marks a training checkpoint's objects: the store bucket's lifecycle rule expires them (SPEC §8). */
export const checkpointObjectTag = { key: 'tandem-kind', value: 'checkpoint' } as const;

/**
 * The storage port. Keys are relative, slash-separated paths (`models/<id>/model.json`); adapters map them onto a
 * folder (`file://`) or a bucket prefix (`s3://`). Every `put` is atomic: a reader sees the old object or the new
 * one, never a part. Multi-object artifacts (a dataset, a model) become visible through a marker written last
 * (`manifest.json`, `card.json`), see `writeArtifact`.
 */
export interface BlobStore {
  /** The store's URI, e.g. `file:///abs/.tandem` or `s3://bucket/prefix`. */
  readonly uri: string;
  /** Reads an object; throws NotFoundError when it does not exist. */
  get(key: string): Promise<Buffer>;
  /** Reads an object, or undefined when it does not exist. */
  getIfExists(key: string): Promise<Buffer | undefined>;
  /** Writes an object atomically (replaces any previous one in one step), with the options' tags where the store keeps tags. */
  put(key: string, body: Buffer | Uint8Array | string, options?: PutOptions): Promise<void>;
  /**
   * Writes an object from a stream as atomically as `put` (nothing appears at `key` until the whole body is written;
   * a body that fails leaves the previous object, and no part of the new one), holding at most a bounded slice of the
   * body in memory whatever its size: for objects too big to build as one buffer (scores, Parquet files).
   */
  putStream(key: string, body: PutStreamBody, options?: PutOptions): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Keys under a prefix (recursive), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Deletes an object; no error when it does not exist. */
  delete(key: string): Promise<void>;
  /** A local file path for the key when the store is a folder (for engines that want files), else undefined. */
  localPath?(key: string): string | undefined;
}
