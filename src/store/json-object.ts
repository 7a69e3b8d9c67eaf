import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { BlobStore } from './blob-store.ts';

/**
 * Reads and parses a JSON object. The result is not validated: callers that read user-editable documents check
 * them with a schema. Throws NotFoundError when the key is missing, BadInputError naming the key when it is not JSON.
 */
export async function readJson<T>(store: BlobStore, key: string): Promise<T> {
  const value = await readJsonIfExists<T>(store, key);
  if (value === undefined) throw new NotFoundError(`no object "${key}" in ${store.uri}`, { value: key });
  return value;
}

/** Like `readJson`, but undefined when the key does not exist. */
export async function readJsonIfExists<T>(store: BlobStore, key: string): Promise<T | undefined> {
  const body = await store.getIfExists(key);
  if (body === undefined) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch (error) {
    const issue = (error as Error).message;
    throw new BadInputError(`"${key}" in ${store.uri} is not valid JSON: ${issue}`, {
      value: key,
      cause: error,
      details: [{ path: key, issue }],
    });
  }
}

/** Writes a value as pretty JSON (2 spaces, trailing newline) in one atomic put. */
export async function writeJson(store: BlobStore, key: string, value: unknown): Promise<void> {
  await store.put(key, `${JSON.stringify(value, null, 2)}\n`);
}
