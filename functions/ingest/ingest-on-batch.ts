import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { requireIngestResultKey, runIngestJob as runIngestJobInSrc, type IngestJobEnvironment } from '../../src/data/ingest-job.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { readJson } from '../../src/store/json-object.ts';
import type { IngestOutput, ReadIngestResultEvent } from '../workflow-state.ts';

export { ingestResultKey, ingestResultPrefix, type IngestJobEnvironment } from '../../src/data/ingest-job.ts';

/**
 * The ingest step as the CPU Batch job runs it (`src/data/ingest-job.ts`, which the trainer image's ingest
 * entrypoint calls): the workflow state from the container override, the dataset into `store`, and its
 * {@link IngestOutput} written to `resultKey` for the workflow's next state.
 */
export function runIngestJob(store: BlobStore, environment: IngestJobEnvironment, options: { s3ClientConfig?: S3ClientConfig } = {}): Promise<IngestOutput> {
  return runIngestJobInSrc(store, environment, options) as Promise<IngestOutput>;
}

/** The workflow's read-back step (the ingest function with `action: "read-result"`): the Batch ingest job's output. */
export async function readIngestResult(store: BlobStore, event: ReadIngestResultEvent): Promise<IngestOutput> {
  return readJson<IngestOutput>(store, requireIngestResultKey(event.key));
}
