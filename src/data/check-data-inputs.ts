import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTableConfig, type TandemConfig } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { eventFileExtensions } from './events/event-file.ts';
import { eventLogNames, isS3Uri, rawDataFields } from './raw-data-fields.ts';

/** Options of {@link assertDataInputsExist}. */
export interface DataInputsToCheck {
  /** The `--data` flag (table mode), as typed. */
  readonly dataPath?: string | undefined;
  /** The `--raw` flag (events mode), as typed. */
  readonly rawDir?: string | undefined;
  /**
   * The data paths as the config file wrote them, by field (`data.path`, `data.customers`, …), before they were
   * resolved against the config's folder (`LoadedConfig.writtenDataPaths`); messages quote them as written.
   * @default {} (messages quote the resolved paths)
   */
  readonly writtenPaths?: Readonly<Record<string, string>> | undefined;
}

/**
 * Checks, before anything is read or staged, that every local input the config (or a flag) names exists, so a missing
 * file is reported by the field or flag that named it: `data.path: file not found: ../data/telco.csv (resolved to
 * /abs/data/telco.csv)`, `--raw: folder not found: …`. `s3://` inputs are left to staging, which names them alike.
 * @throws BadInputError naming the field or flag, the path as written and as resolved.
 */
export function assertDataInputsExist(config: TandemConfig, { dataPath, rawDir, writtenPaths = {} }: DataInputsToCheck = {}): void {
  if (isTableConfig(config) && dataPath !== undefined) return checkFile('--data', dataPath, localPath(dataPath));
  if (!isTableConfig(config) && rawDir !== undefined) return checkRawFolder(rawDir);
  for (const { field, path: resolved } of rawDataFields(config)) checkFile(field, writtenPaths[field] ?? resolved, localPath(resolved));
}

/** A local path for a data path or flag value (relative to the working directory); undefined for `s3://`. */
function localPath(value: string): string | undefined {
  if (isS3Uri(value)) return undefined;
  return /^file:\/\//i.test(value) ? fileURLToPath(value) : path.resolve(value);
}

function checkFile(field: string, written: string, resolved: string | undefined): void {
  if (resolved === undefined) return;
  const kind = kindOf(resolved);
  if (kind === 'file') return;
  const shown = written === resolved ? written : `${written} (resolved to ${resolved})`;
  const issue = kind === 'missing' ? `file not found: ${shown}` : `${shown} is a folder, not a file`;
  throw new BadInputError(`${field}: ${issue}`, { value: written, details: [{ path: field, issue }] });
}

function checkRawFolder(rawDir: string): void {
  const folder = localPath(rawDir);
  if (folder === undefined) return;
  const kind = kindOf(folder);
  const shown = rawDir === folder ? rawDir : `${rawDir} (resolved to ${folder})`;
  if (kind !== 'folder') {
    const issue = kind === 'missing' ? `folder not found: ${shown}` : `${shown} is a file; --raw takes the folder that holds customers, sessions and orders`;
    throw new BadInputError(`--raw: ${issue}`, { value: rawDir, details: [{ path: '--raw', issue }] });
  }
  for (const name of eventLogNames) {
    const candidates = eventFileExtensions.map((extension) => `${name}${extension}`);
    if (candidates.some((file) => kindOf(path.join(folder, file)) === 'file')) continue;
    const issue = `no ${name} log in ${shown} (looked for ${candidates.join(', ')})`;
    throw new BadInputError(`--raw: ${issue}`, { value: rawDir, details: [{ path: '--raw', issue }] });
  }
}

function kindOf(file: string): 'file' | 'folder' | 'missing' {
  try {
    const info = statSync(file, { throwIfNoEntry: false });
    if (info === undefined) return 'missing';
    return info.isDirectory() ? 'folder' : 'file';
  } catch {
    // Exists but cannot be looked at (permissions): the reader reports that with the system's reason.
    return 'file';
  }
}
