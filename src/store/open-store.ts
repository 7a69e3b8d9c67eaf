import type { S3ClientConfig } from '@aws-sdk/client-s3';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { BlobStore } from './blob-store.ts';
import { FileStore } from './file-store.ts';
import { S3Store } from './s3-store.ts';

/** What `openStore` needs besides the URI; the CLI fills it from flags and the environment at the edge. */
export interface OpenStoreOptions {
  /** Folder that relative `file://` URIs and bare paths resolve against. @default process.cwd() */
  readonly baseDir?: string;
  /** Client config for `s3://` stores (region, endpoint, credentials). @default {} (SDK defaults) */
  readonly s3ClientConfig?: S3ClientConfig;
}

/**
 * Opens the store a URI names: `file://relative`, `file:///absolute` or a bare path → FileStore;
 * `s3://bucket/prefix` → S3Store. Any other scheme is a BadInputError naming the URI.
 */
export function openStore(uri: string, { baseDir = process.cwd(), s3ClientConfig = {} }: OpenStoreOptions = {}): BlobStore {
  if (uri.trim() === '') throw new BadInputError('empty store URI: use file://<folder> or s3://<bucket>/<prefix>', { value: uri });
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return new FileStore(path.resolve(baseDir, uri));
  if (scheme === 'file') {
    const rest = uri.slice('file://'.length);
    // `file:///abs` is a real file URL; `file://.tandem` (the documented default) is a path relative to baseDir.
    return new FileStore(rest.startsWith('/') ? fileURLToPath(`file://${rest}`) : path.resolve(baseDir, rest));
  }
  if (scheme === 's3') {
    const rest = uri.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? '' : rest.slice(slash + 1);
    if (bucket === '') throw new BadInputError(`store URI "${uri}" names no bucket: use s3://<bucket>/<prefix>`, { value: uri });
    return new S3Store({ bucket, prefix, clientConfig: s3ClientConfig });
  }
  throw new BadInputError(`unsupported store URI "${uri}": use file://<folder>, a plain folder path or s3://<bucket>/<prefix>`, {
    value: uri,
  });
}
