import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { builtInEventLabelColumns, type EventsConfig, type TableConfig } from '../../config/schema.ts';
import { BadInputError } from '../../errors/bad-input-error.ts';
import type { BlobStore } from '../../store/blob-store.ts';
import { computeDatasetId, sha256Hex } from '../dataset-id.ts';
import { findDataset, localDataPath, writeDataset } from '../ingest-table.ts';
import type { DatasetManifest, DatasetSource } from '../labelled-row.ts';
import { buildEventTable, type EventFiles } from './build-event-table.ts';
import type { DuckDbLimits } from './duckdb-session.ts';
import { eventFileExtensions } from './event-file.ts';
import { quarantineCsv } from './event-quarantine.ts';

/** Options of {@link ingestEvents}. */
export interface IngestEventsOptions {
  /**
   * A folder to read the logs from instead of the config's paths (the `--raw` flag): `customers`, `sessions` and
   * `orders` with the extension `.csv`, `.jsonl`, `.ndjson` or `.parquet` (the first that exists, `.csv` if none).
   * @default the config's data.customers, data.sessions, data.orders
   */
  readonly rawDir?: string;
  /**
   * Clock for the manifest's `createdAt`.
   * @default () => new Date()
   */
  readonly now?: () => Date;
  /** DuckDB's threads, memory limit and spill folder (see `buildEventTable`). */
  readonly limits?: DuckDbLimits;
  /**
   * How the manifest and `quarantine.csv` name a file or folder that was read (`ingestDataset` maps a staged copy
   * back to its s3:// URI).
   * @default the path itself
   */
  readonly sourceName?: (localPath: string) => string;
}

/** What {@link ingestEvents} did: the manifest, whether it was written now, and how many rows were quarantined. */
export interface IngestEventsResult {
  readonly manifest: DatasetManifest;
  readonly created: boolean;
  readonly quarantined: number;
}

/**
 * The three log files of an events config, or of a `--raw` folder instead (see {@link eventFilesIn}).
 * @throws BadInputError for s3:// paths (not supported yet).
 */
export function eventFilesOf(config: EventsConfig, rawDir?: string): EventFiles {
  if (rawDir !== undefined) return eventFilesIn(rawDir);
  return { customers: localDataPath(config.data.customers), sessions: localDataPath(config.data.sessions), orders: localDataPath(config.data.orders) };
}

/**
 * The logs in a folder (the `--raw DIR` flag): `customers`, `sessions` and `orders`, each with the first of the
 * extensions `.csv`, `.jsonl`, `.ndjson`, `.parquet` that exists (`.csv` when none does, so the error names it).
 * @throws BadInputError for an s3:// folder (not supported yet).
 */
export function eventFilesIn(rawDir: string): EventFiles {
  const folder = localDataPath(rawDir);
  const find = (name: string): string => {
    const found = eventFileExtensions.map((extension) => path.join(folder, `${name}${extension}`)).find((file) => existsSync(file));
    return found ?? path.join(folder, `${name}.csv`);
  };
  return { customers: find('customers'), sessions: find('sessions'), orders: find('orders') };
}

/**
 * The table-mode view of an events config, which the shared ingestion path (`writeDataset`) takes: the id column
 * `customer_id`, the config's tasks (built-in by default), and as `exclude` the built-in label columns that no task
 * uses, so a label never leaks into the features when a config declares its own tasks.
 */
export function eventsTableConfig(config: EventsConfig, customersPath: string): TableConfig {
  const labels = new Set(config.tasks.map((task) => task.label.column));
  return {
    ...config,
    data: { kind: 'table', path: customersPath, id: 'customer_id', exclude: builtInEventLabelColumns.filter((column) => !labels.has(column)) },
  };
}

/**
 * Events mode ingest (SPEC §3): builds the point-in-time table from the raw logs (`buildEventTable`) and stores it as
 * a dataset through the same path as table mode (`writeDataset`), with `quarantine.csv` (file,line,reason) next to
 * the splits and the cutoff, horizons, categories and quarantine count in the manifest's `events`.
 *
 * The dataset id hashes the three files' bytes, the events settings (not the paths) and the dataset-shaping config,
 * so ingesting the same logs again returns the stored manifest without reading them into DuckDB (`created: false`).
 * @throws BadInputError for missing or malformed files, more bad rows than `maxBadRowShare` (nothing is written then),
 *   or bad labels (see `buildEventTable`, `extractLabels`).
 */
export async function ingestEvents(
  config: EventsConfig,
  store: BlobStore,
  { rawDir, now = () => new Date(), limits, sourceName = (localPath) => localPath }: IngestEventsOptions = {},
): Promise<IngestEventsResult> {
  const files = eventFilesOf(config, rawDir);
  const inputs = {
    customers: { path: sourceName(files.customers), sha256: await sha256OfFile(files.customers) },
    sessions: { path: sourceName(files.sessions), sha256: await sha256OfFile(files.sessions) },
    orders: { path: sourceName(files.orders), sha256: await sha256OfFile(files.orders) },
  } satisfies Record<keyof EventFiles, DatasetSource>;
  const { cutoff, horizonDays, churnDays, topCategories, maxBadRowShare } = config.data;
  const settings = { cutoff, horizonDays, churnDays, topCategories, maxBadRowShare };
  const fingerprint = JSON.stringify({ inputs: [inputs.customers.sha256, inputs.sessions.sha256, inputs.orders.sha256], settings });
  const tableConfig = eventsTableConfig(config, files.customers);
  const datasetId = computeDatasetId(tableConfig, Buffer.from(fingerprint));
  const existing = await findDataset(store, datasetId);
  if (existing !== undefined) return { manifest: existing, created: false, quarantined: existing.events?.quarantined ?? 0 };

  const built = await buildEventTable(files, { ...settings, ...(limits === undefined ? {} : { limits }) });
  const { stats } = built;
  const manifest = await writeDataset(tableConfig, store, built.table, {
    datasetId,
    kind: 'events',
    source: { path: sourceName(rawDir === undefined ? path.dirname(files.customers) : localDataPath(rawDir)), sha256: sha256Hex(fingerprint) },
    events: {
      ...settings,
      cutoff: built.cutoff,
      ...(cutoff === 'auto' ? { cutoffRule: 'auto' as const } : {}),
      categories: built.categories,
      quarantined: built.quarantine.length,
      inputs,
      stats: {
        customers: stats.customers,
        sessions: stats.sessions,
        orders: stats.orders,
        duplicateOrders: stats.duplicateOrders,
        excludedCustomers: stats.excludedCustomers,
        rowsRead: stats.rowsRead,
      },
    },
    quarantineCsv: quarantineCsv(built.quarantine.map((row) => ({ ...row, file: sourceName(row.file) }))),
    now,
  });
  return { manifest, created: true, quarantined: built.quarantine.length };
}

/**
 * Hex sha256 of a file, read as a stream (the logs can be larger than memory should hold).
 * @throws BadInputError naming the file when it cannot be read.
 */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) hash.update(chunk);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(error);
    throw new BadInputError(`cannot read data file ${file}: ${reason}`, { cause: error, value: file, details: [{ path: file, issue: reason }] });
  }
  return hash.digest('hex');
}
