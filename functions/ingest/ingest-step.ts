import { ingestRequest, type IngestRequestOptions } from '../../src/data/ingest-job.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import type { IngestOutput, WorkflowInput } from '../workflow-state.ts';

/** Options of {@link runIngestStep}. */
export type IngestStepOptions = IngestRequestOptions;

/**
 * The workflow's ingest step ({@link ingestRequest}): the config's data (local or `s3://`) into a dataset in `store`
 * (a no-op when it is already there). The ingest Lambda and the CPU Batch ingest job both run it.
 */
export function runIngestStep(store: BlobStore, input: WorkflowInput, options: IngestStepOptions = {}): Promise<IngestOutput> {
  return ingestRequest(store, input, options);
}
