import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file through a temporary file in the same folder renamed into place (atomic on one filesystem), so a
 * reader sees the old file or the new one, never a part. Creates the folder; removes the temporary file on failure.
 */
export async function writeFileAtomically(target: string, body: Buffer | Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, body);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
