import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { ingestDataset } from '../../src/data/ingest-dataset.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import type { IngestOutput, WorkflowInput } from '../workflow-state.ts';
import { WorkflowStepError } from '../workflow-step-error.ts';

/** Options of {@link runIngestStep}. */
export interface IngestStepOptions {
  /** Client config for `s3://` raw data. @default the store's own client when the store is s3://, else SDK defaults */
  readonly s3ClientConfig?: S3ClientConfig | undefined;
}

/**
 * The workflow's ingest step: the config's data (local or `s3://`) into a dataset in `store` (a no-op when it is
 * already there). The ingest Lambda and the CPU Batch ingest job both run it.
 */
export async function runIngestStep(store: BlobStore, input: WorkflowInput, { s3ClientConfig }: IngestStepOptions = {}): Promise<IngestOutput> {
  if (typeof input !== 'object' || input === null || typeof input.config !== 'object' || input.config === null) {
    throw new WorkflowStepError('ingest: the execution input needs a "config" object (a validated Tandem config)', { value: input });
  }
  const { manifest } = await ingestDataset(input.config, store, s3ClientConfig === undefined ? {} : { s3ClientConfig });
  return { config: input.config, ...(input.overrides === undefined ? {} : { overrides: input.overrides }), datasetId: manifest.datasetId, tasks: manifest.tasks };
}
