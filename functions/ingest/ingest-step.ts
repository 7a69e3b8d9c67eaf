import { ingestDataset } from '../../src/data/ingest-dataset.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import type { IngestOutput, WorkflowInput } from '../workflow-state.ts';
import { WorkflowStepError } from '../workflow-step-error.ts';

/** The workflow's ingest step: the config's data into a dataset in `store` (a no-op when it is already there). */
export async function runIngestStep(store: BlobStore, input: WorkflowInput): Promise<IngestOutput> {
  if (typeof input !== 'object' || input === null || typeof input.config !== 'object' || input.config === null) {
    throw new WorkflowStepError('ingest: the execution input needs a "config" object (a validated Tandem config)', { value: input });
  }
  const { manifest } = await ingestDataset(input.config, store);
  return { config: input.config, ...(input.overrides === undefined ? {} : { overrides: input.overrides }), datasetId: manifest.datasetId, tasks: manifest.tasks };
}
