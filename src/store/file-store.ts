import { readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BadInputError } from '../errors/bad-input-error.ts';
import { releaseStreamBody, type BlobStore, type PutStreamBody } from './blob-store.ts';
import { requireObject } from './require-object.ts';
import { writeFileAtomically, writeStreamAtomically } from './write-file-atomically.ts';

/** Rejects keys that would escape the store's folder or are not plain relative paths. */
export function assertValidKey(key: string): void {
  if (key === '' || key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new BadInputError(`invalid store key "${key}": use a relative path like models/<id>/model.json`, { value: key });
  }
}

/** `file://` adapter: objects are files under `root`; puts (and streamed puts) write a temporary file and rename it into place. */
export class FileStore implements BlobStore {
  readonly uri: string;
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.uri = pathToFileURL(this.root).href;
  }

  localPath(key: string): string {
    assertValidKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  get(key: string): Promise<Buffer> {
    return requireObject(this, key);
  }

  async getIfExists(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.localPath(key));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Writes the file atomically; a folder keeps no tags, so `PutOptions.tags` are ignored. */
  async put(key: string, body: Buffer | Uint8Array | string): Promise<void> {
    await writeFileAtomically(this.localPath(key), body);
  }

  /** Streams the body into a temporary file beside the target and renames it into place; tags are ignored, as by `put`. */
  async putStream(key: string, body: PutStreamBody): Promise<void> {
    let target: string;
    try {
      target = this.localPath(key);
    } catch (error) {
      await releaseStreamBody(body);
      throw error;
    }
    await writeStreamAtomically(target, body);
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.localPath(key))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const start = prefix.replace(/\/+$/, '');
    const folder = start === '' ? this.root : this.localPath(start);
    const keys: string[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const entry of entries) {
        const key = keyPrefix === '' ? entry.name : `${keyPrefix}/${entry.name}`;
        if (entry.isDirectory()) await walk(path.join(dir, entry.name), key);
        else if (entry.isFile() && !entry.name.endsWith('.tmp')) keys.push(key);
      }
    };
    await walk(folder, start);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await rm(this.localPath(key), { force: true });
  }
}

/** No object at that key: nothing there, a folder there (EISDIR), or a file where a folder would be (ENOTDIR). */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
