import { NotFoundError } from '../errors/not-found-error.ts';
import type { BlobStore } from './blob-store.ts';

/** `get` in terms of `getIfExists`, shared by the adapters: the object, or NotFoundError naming key and store. */
export async function requireObject(store: Pick<BlobStore, 'uri' | 'getIfExists'>, key: string): Promise<Buffer> {
  const body = await store.getIfExists(key);
  if (body === undefined) throw new NotFoundError(`no object "${key}" in ${store.uri}`, { value: key });
  return body;
}
