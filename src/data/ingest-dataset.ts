import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { isTableConfig, type EventsConfig, type TandemConfig } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { S3Store } from '../store/s3-store.ts';
import { assertDataInputsExist } from './check-data-inputs.ts';
import { ingestEvents } from './events/ingest-events.ts';
import { ingestTable } from './ingest-table.ts';
import type { DatasetManifest } from './labelled-row.ts';
import { restoreUrisInError, stageRawInputs, type StagedRawInputs } from './stage-raw-inputs.ts';

/** What {@link ingestDataset} did. */
export interface IngestDatasetResult {
  readonly manifest: DatasetManifest;
  readonly created: boolean;
  /** Malformed event rows set aside (events mode); 0 in table mode. */
  readonly quarantined: number;
}

/** Options of {@link ingestDataset}. */
export interface IngestDatasetOptions {
  /** The `--data` flag (table mode): a local path or `s3://` URI read instead of `data.path`. */
  readonly dataPath?: string | undefined;
  /** The `--raw` flag (events mode): a local folder or `s3://bucket/prefix` read instead of the config's logs. */
  readonly rawDir?: string | undefined;
  /**
   * Client config for `s3://` raw data: `TandemEnvironment.s3ClientConfig` (`TANDEM_S3_ENDPOINT`).
   * @default the store's own client when the store is s3:// (built from the same environment), else SDK defaults
   */
  readonly s3ClientConfig?: S3ClientConfig | undefined;
  /** Folder in which `s3://` inputs are staged while they are read (it needs room for them). @default os.tmpdir() */
  readonly stagingRoot?: string | undefined;
  /**
   * The config file's data paths as written, by field (`LoadedConfig.writtenDataPaths`), for the message about a
   * missing file. @default {} (the message quotes the resolved path)
   */
  readonly writtenDataPaths?: Readonly<Record<string, string>> | undefined;
}

/**
 * Ingests the config's data whatever its mode: a table (`--data` overrides the path) or the shop's raw logs
 * (`--raw` overrides the folder). The one entry point of `ingest`, `train`, `search`, the demo and the workflow.
 *
 * Data in S3 (`s3://` in the config or a flag) is first streamed to a private staging folder (`stageRawInputs`),
 * which is removed afterwards, also on failure. The dataset id hashes the bytes, not the paths, so the same data
 * is the same dataset wherever it is read from; the manifest (and `quarantine.csv`) name the `s3://` URIs, and so do
 * error messages.
 * @throws BadInputError for a flag of the other mode, a missing local file or folder (naming the config field or flag
 *   and the path as written and as resolved), and whatever staging and ingestion throw (NotFoundError for a
 *   missing object or bucket, BadInputError for bad data).
 */
export async function ingestDataset(
  config: TandemConfig,
  store: BlobStore,
  { dataPath, rawDir, s3ClientConfig, stagingRoot, writtenDataPaths }: IngestDatasetOptions = {},
): Promise<IngestDatasetResult> {
  if (isTableConfig(config) && rawDir !== undefined) {
    throw new BadInputError('--raw reads events-mode logs, but this config is table mode (use --data)', { value: '--raw' });
  }
  if (!isTableConfig(config) && dataPath !== undefined) {
    throw new BadInputError('--data reads a table, but this config is events mode (use --raw DIR)', { value: '--data' });
  }
  assertDataInputsExist(config, { dataPath, rawDir, writtenPaths: writtenDataPaths });
  // On AWS the store's client already carries the endpoint, region and credentials from the environment.
  const client = s3ClientConfig === undefined && store instanceof S3Store ? { s3Client: store.client } : { s3ClientConfig };
  const staged = await stageRawInputs(config, { dataPath, rawDir, ...client, tempRoot: stagingRoot });
  try {
    return await ingestStaged(staged, store);
  } catch (error) {
    throw restoreUrisInError(error, staged);
  } finally {
    await staged.cleanup();
  }
}

async function ingestStaged({ config, dataPath, rawDir, restoreUris }: StagedRawInputs<TandemConfig>, store: BlobStore): Promise<IngestDatasetResult> {
  // The manifest and quarantine.csv name the s3:// URIs, not the staging folder that is about to be removed.
  if (isTableConfig(config)) {
    const { manifest, created } = await ingestTable(config, store, { ...(dataPath === undefined ? {} : { dataPath }), sourceName: restoreUris });
    return { manifest, created, quarantined: 0 };
  }
  return ingestEvents(config as EventsConfig, store, { ...(rawDir === undefined ? {} : { rawDir }), sourceName: restoreUris });
}
