import { mkdir, readdir, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Total size in bytes of every file below `folder` (recursively): what a bundle folder ships. */
export async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    total += entry.isDirectory() ? await folderBytes(full) : (await stat(full)).size;
  }
  return total;
}

/**
 * Links this repository's `@aws-sdk` packages into `<outdir>/node_modules`, so bundles synthesized below `outdir`
 * resolve the AWS SDK v3 they leave external, as the Lambda runtime provides it. `outdir/node_modules` must not exist.
 */
export async function provideLambdaRuntimeSdk(outdir: string): Promise<void> {
  await mkdir(path.join(outdir, 'node_modules'));
  await symlink(fileURLToPath(new URL('../../node_modules/@aws-sdk', import.meta.url)), path.join(outdir, 'node_modules', '@aws-sdk'));
}
