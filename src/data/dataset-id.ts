import { createHash } from 'node:crypto';
import type { TableConfig } from '../config/schema.ts';

/** Hex sha256 of some bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The id of the dataset that `config` makes from a file's bytes: `<config.name>-<12 hex>`, the hex a sha256 of the
 * bytes and of the config parts that shape the dataset (data, tasks, split, features). The same input is the same
 * dataset; `data.path` is left out so the same bytes read from another place (a `--data` flag, another checkout)
 * are the same dataset too.
 */
export function computeDatasetId(config: TableConfig, fileBytes: Uint8Array): string {
  const { path: _path, ...data } = config.data;
  const shape = { data, tasks: config.tasks, split: config.split, features: config.features };
  const hash = createHash('sha256').update(fileBytes).update('\0').update(canonicalJson(shape)).digest('hex');
  return `${config.name}-${hash.slice(0, 12)}`;
}

/** JSON with object keys sorted at every level, so the id does not depend on key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
