import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TableConfig } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJsonIfExists } from '../store/json-object.ts';
import { writeArtifact, type ArtifactFile } from '../store/write-artifact.ts';
import { computeDatasetId, sha256Hex } from './dataset-id.ts';
import { extractLabels } from './extract-labels.ts';
import type { DatasetManifest, DatasetSource, EventsDatasetInfo } from './labelled-row.ts';
import { readDataFile } from './read-data-file.ts';
import { parseTable, tableFormatOf, type RawTable } from './read-table.ts';
import { isS3Uri } from './raw-data-fields.ts';
import { splitDataset } from './split-dataset.ts';
import { encodeSplitRows } from './split-file.ts';

/** Options of `ingestTable`. */
export interface IngestTableOptions {
  /**
   * A data file to read instead of `config.data.path` (the `--data` flag); relative to the working directory.
   * @default config.data.path
   */
  readonly dataPath?: string;
  /**
   * Clock for the manifest's `createdAt`.
   * @default () => new Date()
   */
  readonly now?: () => Date;
  /**
   * How the manifest names the file that was read (`ingestDataset` maps a staged copy back to its s3:// URI).
   * @default the path itself
   */
  readonly sourceName?: (localPath: string) => string;
}

/** What `ingestTable` did: the dataset's manifest, and whether it was written now (false: it already existed). */
export interface IngestTableResult {
  readonly manifest: DatasetManifest;
  readonly created: boolean;
}

/** Store folder of a dataset. */
export function datasetFolder(datasetId: string): string {
  return `datasets/${datasetId}`;
}

/** Name of a dataset's manifest inside its folder; written last, so its presence means the dataset is complete. */
export const datasetManifestName = 'manifest.json';

const splitFiles = { train: 'train.jsonl', validation: 'validation.jsonl', test: 'test.jsonl' } as const;

/** Name of an events-mode dataset's quarantined rows (`file,line,reason`) inside its folder. */
export const quarantineFile = 'quarantine.csv';

/** What {@link writeDataset} records about a dataset besides what the table and config give. */
export interface DatasetWriteInput {
  /** From `computeDatasetId`; the caller has checked with `findDataset` that it is not stored yet. */
  readonly datasetId: string;
  readonly kind: DatasetManifest['kind'];
  readonly source: DatasetSource;
  /** Events mode: how the table was built. */
  readonly events?: EventsDatasetInfo;
  /** Events mode: the quarantined rows, written as `quarantine.csv` next to the splits. */
  readonly quarantineCsv?: string;
  readonly now: () => Date;
}

/**
 * The stored manifest of a dataset, or undefined when it is not (completely) stored: what makes ingestion idempotent.
 * @throws BadInputError when the manifest is not valid JSON.
 */
export async function findDataset(store: BlobStore, datasetId: string): Promise<DatasetManifest | undefined> {
  return readJsonIfExists<DatasetManifest>(store, `${datasetFolder(datasetId)}/${datasetManifestName}`);
}

/**
 * The one ingestion path of both modes: extracts features and labels from a table (see `extractLabels`), splits it
 * (`splitDataset`) and writes `datasets/<datasetId>/{train,validation,test}.jsonl` (`encodeSplitRows`), then
 * `quarantine.csv` when given, then `manifest.json` last. Nothing is written when extraction or splitting fails.
 * @throws BadInputError for bad labels or too few rows (see `extractLabels`, `splitDataset`).
 */
export async function writeDataset(config: TableConfig, store: BlobStore, table: RawTable, input: DatasetWriteInput): Promise<DatasetManifest> {
  const labelled = extractLabels(table, config);
  const splits = splitDataset(labelled, config.split, config.tasks);
  const withQuarantine = input.quarantineCsv !== undefined;
  const manifest: DatasetManifest = {
    datasetId: input.datasetId,
    name: config.name,
    kind: input.kind,
    createdAt: input.now().toISOString(),
    source: input.source,
    idColumn: labelled.idColumn,
    featureColumns: labelled.featureColumns,
    tasks: config.tasks,
    split: config.split,
    rows: { train: splits.train.length, validation: splits.validation.length, test: splits.test.length },
    taskStats: labelled.taskStats,
    ...(input.events === undefined ? {} : { events: input.events }),
    files: { ...splitFiles, ...(withQuarantine ? { quarantine: quarantineFile } : {}) },
  };
  const taskNames = config.tasks.map((task) => task.name);
  const files: ArtifactFile[] = (['train', 'validation', 'test'] as const).map((name) => ({ name: splitFiles[name], body: encodeSplitRows(labelled, splits[name], taskNames) }));
  if (input.quarantineCsv !== undefined) files.push({ name: quarantineFile, body: input.quarantineCsv });
  await writeArtifact(store, datasetFolder(input.datasetId), files, { name: datasetManifestName, body: `${JSON.stringify(manifest, null, 2)}\n` });
  return manifest;
}

/**
 * Table mode ingest: reads the config's CSV/JSONL file and hands it to `writeDataset`.
 * The dataset id is a hash of the file's bytes and the dataset-shaping config (see `computeDatasetId`), so ingesting
 * the same input again returns the existing manifest without rewriting anything (`created: false`).
 *
 * @throws BadInputError for an s3:// data path (not supported yet), an unreadable or malformed file, or bad labels
 *   (see `readTable`, `extractLabels`, `splitDataset`).
 */
export async function ingestTable(
  config: TableConfig,
  store: BlobStore,
  { dataPath, now = () => new Date(), sourceName = (localPath) => localPath }: IngestTableOptions = {},
): Promise<IngestTableResult> {
  const file = localDataPath(dataPath ?? config.data.path);
  tableFormatOf(file);
  const bytes = await readDataFile(file);
  const datasetId = computeDatasetId(config, bytes);
  const existing = await findDataset(store, datasetId);
  if (existing !== undefined) return { manifest: existing, created: false };

  const table = parseTable(bytes, file);
  const manifest = await writeDataset(config, store, table, { datasetId, kind: 'table', source: { path: sourceName(file), sha256: sha256Hex(bytes) }, now });
  return { manifest, created: true };
}

/**
 * A local file path for a data path: `file://` URLs become paths, relative paths resolve against the working directory.
 * @throws BadInputError for s3:// URIs (not supported yet).
 */
export function localDataPath(dataPath: string): string {
  if (isS3Uri(dataPath)) {
    throw new BadInputError(`${dataPath}: reading data from s3:// is not supported yet; download it and pass a local path`, {
      value: dataPath,
      details: [{ path: 'data.path', issue: 's3:// data is not supported yet' }],
    });
  }
  if (/^file:\/\//i.test(dataPath)) return fileURLToPath(dataPath);
  return path.resolve(dataPath);
}
