import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJsonIfExists } from '../store/json-object.ts';
import { datasetFolder, datasetManifestName } from './ingest-table.ts';
import type { DatasetManifest, DatasetSplits, LabelledRow } from './labelled-row.ts';
import { decodeSplitRows } from './split-file.ts';

/** A stored dataset: its manifest and its three splits. */
export interface LoadedDataset {
  readonly manifest: DatasetManifest;
  readonly splits: DatasetSplits;
}

/**
 * Reads a dataset written by `ingestTable`. A folder without `manifest.json` is an incomplete write and is treated
 * as missing.
 * @throws NotFoundError when the dataset has no manifest; BadInputError for an invalid id or a corrupt split file.
 */
export async function loadDataset(store: BlobStore, datasetId: string): Promise<LoadedDataset> {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(datasetId)) {
    throw new BadInputError(`invalid dataset id "${datasetId}"`, { value: datasetId, details: [{ path: 'datasetId', issue: 'invalid id' }] });
  }
  const folder = datasetFolder(datasetId);
  const manifest = await readJsonIfExists<DatasetManifest>(store, `${folder}/${datasetManifestName}`);
  if (manifest === undefined) {
    throw new NotFoundError(`dataset "${datasetId}" not found in ${store.uri} (no ${folder}/${datasetManifestName}); run ingest first`, { value: datasetId });
  }
  const columns = { featureColumns: manifest.featureColumns, taskNames: manifest.tasks.map((task) => task.name) };
  const read = async (name: string): Promise<LabelledRow[]> => decodeSplitRows(await store.get(`${folder}/${name}`), `${store.uri}/${folder}/${name}`, columns);
  const [train, validation, test] = await Promise.all([read(manifest.files.train), read(manifest.files.validation), read(manifest.files.test)]);
  return { manifest, splits: { train, validation, test } };
}
