import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { releaseStreamBody, type BlobStore, type PutOptions, type PutStreamBody } from './blob-store.ts';
import { requireObject } from './require-object.ts';
import { assertValidKey } from './file-store.ts';
import { assertS3PartBytes, s3Tagging, uploadS3Stream } from './upload-s3-stream.ts';

/**
 * The one way Tandem builds an S3 client (the store and raw-data staging alike): `clientConfig` (region, endpoint,
 * credentials; from `TandemEnvironment.s3ClientConfig`) over settings that S3-compatible servers need.
 */
export function createS3Client(clientConfig: S3ClientConfig = {}): S3Client {
  return new S3Client({
    // Checksums only where S3 demands them: s3rver (and some S3-compatible stores) would otherwise keep the
    // aws-chunked framing inside streamed bodies.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Custom endpoints (s3rver, MinIO, LocalStack) rarely resolve virtual-hosted bucket names.
    forcePathStyle: clientConfig.endpoint !== undefined,
    ...clientConfig,
  });
}

/** Options of an `s3://bucket/prefix` store. */
export interface S3StoreOptions {
  readonly bucket: string;
  /** Folder inside the bucket that holds the store; keys map to `<prefix>/<key>`. @default '' (bucket root) */
  readonly prefix?: string;
  /** A ready client (its owner destroys it). When absent the store builds one from `clientConfig`. */
  readonly client?: S3Client;
  /** Config for the client the store builds (region, endpoint, credentials). @default {} (SDK defaults) */
  readonly clientConfig?: S3ClientConfig;
  /** Keys per ListObjectsV2 page. @default 1000 (the S3 maximum) */
  readonly listPageSize?: number;
  /** Bytes per part of a `putStream` multipart upload (at least 5 MiB); a shorter body is one PutObject. @default 8 MiB */
  readonly partBytes?: number;
}

/**
 * `s3://` adapter. Every put is a single PutObject, which S3 applies atomically; a `putStream` is a multipart upload,
 * which appears only at its CompleteMultipartUpload (and is aborted on failure).
 */
export class S3Store implements BlobStore {
  readonly uri: string;
  readonly bucket: string;
  /** The prefix without leading or trailing slashes ('' for the bucket root). */
  readonly prefix: string;
  readonly client: S3Client;
  readonly #ownsClient: boolean;
  readonly #listPageSize: number;
  readonly #partBytes: number | undefined;

  constructor({ bucket, prefix = '', client, clientConfig = {}, listPageSize = 1000, partBytes }: S3StoreOptions) {
    // Loose on purpose: legacy buckets break today's naming rules, S3 itself reports the rest.
    if (!/^[A-Za-z0-9][\w.-]*$/.test(bucket)) {
      throw new BadInputError(`invalid S3 bucket name "${bucket}"`, { value: bucket });
    }
    this.bucket = bucket;
    this.prefix = prefix.replace(/^\/+|\/+$/g, '');
    if (this.prefix !== '') assertValidKey(this.prefix);
    this.uri = this.prefix === '' ? `s3://${bucket}` : `s3://${bucket}/${this.prefix}`;
    this.#listPageSize = listPageSize;
    if (partBytes !== undefined) assertS3PartBytes(partBytes);
    this.#partBytes = partBytes;
    this.#ownsClient = client === undefined;
    this.client = client ?? createS3Client(clientConfig);
  }

  /** The object key in the bucket for a store key. */
  objectKey(key: string): string {
    assertValidKey(key);
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  get(key: string): Promise<Buffer> {
    return requireObject(this, key);
  }

  async getIfExists(key: string): Promise<Buffer | undefined> {
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (output.Body === undefined) return Buffer.alloc(0);
      return Buffer.from(await output.Body.transformToByteArray());
    } catch (error) {
      if (isMissingKey(error)) return undefined;
      throw this.#explain(error);
    }
  }

  /** One PutObject; `options.tags` go with it (`x-amz-tagging`, which needs s3:PutObjectTagging besides s3:PutObject). */
  async put(key: string, body: Buffer | Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: bytes, ...s3Tagging(options.tags) }));
    } catch (error) {
      throw this.#explain(error);
    }
  }

  /**
   * A multipart upload in parts of `partBytes` (`uploadS3Stream`): memory holds a few parts whatever the body's size,
   * and a failure aborts the upload (which needs s3:AbortMultipartUpload; the bucket's lifecycle rule removes an upload
   * left behind otherwise). A body shorter than one part is one PutObject, as `put`.
   */
  async putStream(key: string, body: PutStreamBody, options: PutOptions = {}): Promise<void> {
    let objectKey: string;
    try {
      objectKey = this.objectKey(key);
    } catch (error) {
      await releaseStreamBody(body);
      throw error;
    }
    try {
      await uploadS3Stream(this.client, { bucket: this.bucket, key: objectKey }, body, { ...(this.#partBytes === undefined ? {} : { partBytes: this.#partBytes }), ...(options.tags === undefined ? {} : { tags: options.tags }) });
    } catch (error) {
      throw this.#explain(error);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (error) {
      // HEAD responses have no body, so a missing bucket also reads as a plain 404 here.
      if (isMissingKey(error) || statusOf(error) === 404) return false;
      throw this.#explain(error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const start = prefix.replace(/\/+$/, '');
    // Like a folder listing: `models` lists `models/**`, never `models-old/**`.
    const folder = start === '' ? (this.prefix === '' ? '' : `${this.prefix}/`) : `${this.objectKey(start)}/`;
    const strip = this.prefix === '' ? 0 : this.prefix.length + 1;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: folder,
            ContinuationToken: token,
            MaxKeys: this.#listPageSize,
          }),
        );
      } catch (error) {
        throw this.#explain(error);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) keys.push(object.Key.slice(strip));
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (error) {
      throw this.#explain(error);
    }
  }

  /** Closes the sockets of the client this store built (a client passed in is left to its owner). */
  destroy(): void {
    if (this.#ownsClient) this.client.destroy();
  }

  /** A missing bucket is a usage error (wrong `--store`), reported with the URI rather than as an SDK trace. */
  #explain(error: unknown): unknown {
    if ((error as Error | undefined)?.name === 'NoSuchBucket') {
      return new NotFoundError(`S3 bucket "${this.bucket}" does not exist (store ${this.uri})`, {
        value: this.bucket,
        cause: error,
      });
    }
    return error;
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function isMissingKey(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  if (name === 'NoSuchKey' || name === 'NotFound') return true;
  return statusOf(error) === 404 && name !== 'NoSuchBucket';
}
