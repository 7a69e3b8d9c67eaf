import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * Writes a file through a temporary file in the same folder renamed into place (atomic on one filesystem), so a
 * reader sees the old file or the new one, never a part. Creates the folder; removes the temporary file on failure.
 */
export async function writeFileAtomically(target: string, body: Buffer | Uint8Array | string): Promise<void> {
  await throughTemporaryFile(target, (temporary) => writeFile(temporary, body));
}

/**
 * {@link writeFileAtomically} for a body that arrives in chunks (a `Readable`, an async generator): each chunk is
 * written to the temporary file as it comes, with backpressure, so memory holds a chunk or two whatever the size.
 * A body that throws leaves the target as it was and no temporary file.
 */
export async function writeStreamAtomically(target: string, body: AsyncIterable<Uint8Array | string>): Promise<void> {
  await throughTemporaryFile(target, (temporary) => pipeline(body, createWriteStream(temporary, { flags: 'wx' })));
}

async function throughTemporaryFile(target: string, write: (temporary: string) => Promise<void>): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await write(temporary);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
