import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTableConfig } from '../../src/config/load-config.ts';
import type { FeaturesConfig, ModelConfig } from '../../src/config/schema.ts';
import type { SegmentsConfig } from '../../src/config/segments-schema.ts';
import { ingestTable } from '../../src/data/ingest-table.ts';
import { selectBackend } from '../../src/model/backend.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { trainAndSaveModel, type TrainResult } from '../../src/train/train-and-save.ts';

/** The fixture config (`test/fixtures/customers.config.json`); its `data.path` resolves to the fixture CSV. */
export const tinyConfigFile = fileURLToPath(new URL('../fixtures/customers.config.json', import.meta.url));

/** The fixture table the tiny model is trained on (40 customers: churn, security_xsell, spend). */
export const tinyDataFile = path.join(path.dirname(tinyConfigFile), 'customers.csv');

/**
 * Trains and saves a deliberately tiny model on the fixture table, for tests and benchmarks that need a real model
 * in a store: ingests `customers.csv` into `store` (a no-op when it is already there), trains a small shared-bottom
 * network for a few epochs and saves it as `models/<id>/`. Takes well under a few seconds. `params` overrides the
 * model hyperparameters (e.g. another `seed` for a second, different model); `segments` stores segment rules in the card;
 * `features` overrides the config's features section (e.g. another `numericEncoding`).
 */
export async function trainTinyModel(
  store: BlobStore,
  params: Partial<ModelConfig> = {},
  { segments, features = {} }: { segments?: SegmentsConfig; features?: Partial<FeaturesConfig> } = {},
): Promise<TrainResult> {
  const { config } = await loadTableConfig(tinyConfigFile);
  const backend = await selectBackend();
  const { manifest } = await ingestTable(config, store);
  return trainAndSaveModel({
    store,
    datasetId: manifest.datasetId,
    name: config.name,
    params: { ...config.model, sharedUnits: [16], towerUnits: [8], batchSize: 16, epochs: 3, patience: 3, dropout: 0, ...params },
    features: { ...config.features, ...features },
    selection: config.selection,
    ...(segments === undefined ? {} : { segments }),
    backend,
  });
}
