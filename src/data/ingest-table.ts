import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TableConfig } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJsonIfExists } from '../store/json-object.ts';
import { writeArtifact } from '../store/write-artifact.ts';
import { computeDatasetId, sha256Hex } from './dataset-id.ts';
import { extractLabels } from './extract-labels.ts';
import type { DatasetManifest, LabelledRow } from './labelled-row.ts';
import { readDataFile } from './read-data-file.ts';
import { parseTable, tableFormatOf } from './read-table.ts';
import { splitDataset } from './split-dataset.ts';

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

/**
 * Table mode ingest: reads the config's CSV/JSONL file, extracts features and labels, splits it, and writes
 * `datasets/<datasetId>/{train,validation,test}.jsonl` (one LabelledRow per line) and then `manifest.json`.
 * The dataset id is a hash of the file's bytes and the dataset-shaping config (see `computeDatasetId`), so ingesting
 * the same input again returns the existing manifest without rewriting anything (`created: false`).
 *
 * @throws BadInputError for an s3:// data path (not supported yet), an unreadable or malformed file, or bad labels
 *   (see `readTable`, `extractLabels`, `splitDataset`).
 */
export async function ingestTable(config: TableConfig, store: BlobStore, { dataPath, now = () => new Date() }: IngestTableOptions = {}): Promise<IngestTableResult> {
  const file = localDataPath(dataPath ?? config.data.path);
  tableFormatOf(file);
  const bytes = await readDataFile(file);
  const datasetId = computeDatasetId(config, bytes);
  const folder = datasetFolder(datasetId);
  const existing = await readJsonIfExists<DatasetManifest>(store, `${folder}/${datasetManifestName}`);
  if (existing !== undefined) return { manifest: existing, created: false };

  const table = parseTable(bytes, file);
  const labelled = extractLabels(table, config);
  const splits = splitDataset(labelled.rows, config.split, config.tasks);
  const manifest: DatasetManifest = {
    datasetId,
    name: config.name,
    kind: 'table',
    createdAt: now().toISOString(),
    source: { path: file, sha256: sha256Hex(bytes) },
    idColumn: labelled.idColumn,
    featureColumns: labelled.featureColumns,
    tasks: config.tasks,
    split: config.split,
    rows: { train: splits.train.length, validation: splits.validation.length, test: splits.test.length },
    taskStats: labelled.taskStats,
    files: { ...splitFiles },
  };
  await writeArtifact(
    store,
    folder,
    (['train', 'validation', 'test'] as const).map((name) => ({ name: splitFiles[name], body: toJsonLines(splits[name]) })),
    { name: datasetManifestName, body: `${JSON.stringify(manifest, null, 2)}\n` },
  );
  return { manifest, created: true };
}

function toJsonLines(rows: readonly LabelledRow[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

/** A local file path for a data path: `file://` URLs become paths, relative paths resolve against the working directory. */
function localDataPath(dataPath: string): string {
  if (/^s3:\/\//i.test(dataPath)) {
    throw new BadInputError(`${dataPath}: reading table data from s3:// is not supported yet; download it and pass a local path`, {
      value: dataPath,
      details: [{ path: 'data.path', issue: 's3:// data is not supported yet' }],
    });
  }
  if (/^file:\/\//i.test(dataPath)) return fileURLToPath(dataPath);
  return path.resolve(dataPath);
}
