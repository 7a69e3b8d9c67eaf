import { isTableConfig, type EventsConfig, type TandemConfig } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { ingestEvents } from './events/ingest-events.ts';
import { ingestTable } from './ingest-table.ts';
import type { DatasetManifest } from './labelled-row.ts';

/** What {@link ingestDataset} did. */
export interface IngestDatasetResult {
  readonly manifest: DatasetManifest;
  readonly created: boolean;
  /** Malformed event rows set aside (events mode); 0 in table mode. */
  readonly quarantined: number;
}

/**
 * Ingests the config's data whatever its mode: a table (`--data` overrides the path) or the shop's raw logs
 * (`--raw` overrides the folder). The one entry point of `ingest`, `train`, `search` and the demo.
 */
export async function ingestDataset(
  config: TandemConfig,
  store: BlobStore,
  { dataPath, rawDir }: { dataPath?: string | undefined; rawDir?: string | undefined } = {},
): Promise<IngestDatasetResult> {
  if (isTableConfig(config)) {
    if (rawDir !== undefined) throw new BadInputError('--raw reads events-mode logs, but this config is table mode (use --data)', { value: '--raw' });
    const { manifest, created } = await ingestTable(config, store, dataPath === undefined ? {} : { dataPath });
    return { manifest, created, quarantined: 0 };
  }
  if (dataPath !== undefined) throw new BadInputError('--data reads a table, but this config is events mode (use --raw DIR)', { value: '--data' });
  return ingestEvents(config as EventsConfig, store, rawDir === undefined ? {} : { rawDir });
}
