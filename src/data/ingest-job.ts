import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { TandemConfig, TaskSpec } from '../config/schema.ts';
import { WorkflowStepError } from '../errors/workflow-step-error.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { writeJson } from '../store/json-object.ts';
import { ingestDataset } from './ingest-dataset.ts';
import { INGEST_INPUT_ENV_VAR } from './ingest-job-variables.ts';

/** What the workflow's ingestion starts from: a validated config (paths resolved) and the caller's overrides, kept as they are. */
export interface IngestRequest {
  readonly config: TandemConfig;
  readonly overrides?: object;
}

/** The request with the dataset it produced: what ingestion hands to the plan step. */
export type IngestedRequest<R extends IngestRequest> = Pick<R, 'config' | 'overrides'> & {
  readonly datasetId: string;
  /** The dataset's tasks (from its manifest), so planning need not read the splits. */
  readonly tasks: readonly TaskSpec[];
};

/** Options of {@link ingestRequest}. */
export interface IngestRequestOptions {
  /** Client config for `s3://` raw data. @default the store's own client when the store is s3://, else SDK defaults */
  readonly s3ClientConfig?: S3ClientConfig | undefined;
}

/**
 * The workflow's ingest step: the config's data (local or `s3://`) into a dataset in `store` (a no-op when it is
 * already there). The ingest Lambda and the CPU Batch ingest job both run it.
 * @throws WorkflowStepError when the request has no config object; whatever ingestion throws (BadInputError...).
 */
export async function ingestRequest<R extends IngestRequest>(store: BlobStore, input: R, { s3ClientConfig }: IngestRequestOptions = {}): Promise<IngestedRequest<R>> {
  if (typeof input !== 'object' || input === null || typeof input.config !== 'object' || input.config === null) {
    throw new WorkflowStepError('ingest: the execution input needs a "config" object (a validated Tandem config)', { value: input });
  }
  const { manifest } = await ingestDataset(input.config, store, s3ClientConfig === undefined ? {} : { s3ClientConfig });
  return { config: input.config, ...(input.overrides === undefined ? {} : { overrides: input.overrides }), datasetId: manifest.datasetId, tasks: manifest.tasks } as IngestedRequest<R>;
}

/** Where Batch ingest jobs leave their result: under `datasets/`, the prefix ingestion may write. */
export const ingestResultPrefix = 'datasets/ingest-results/';

/**
 * The store key of an execution's Batch ingest result: `datasets/ingest-results/<execution name>.json`. A Batch job
 * cannot hand output to Step Functions, so it writes here and the next state reads it back.
 */
export function ingestResultKey(executionName: string): string {
  if (typeof executionName !== 'string' || executionName === '') {
    throw new WorkflowStepError('ingest: the event needs the execution name ($$.Execution.Name)', { value: executionName });
  }
  // Execution names allow characters a store key should not carry; the name stays readable.
  return `${ingestResultPrefix}${executionName.replace(/[^\w.-]/g, '_')}.json`;
}

/** A Batch ingest result key as {@link ingestResultKey} makes them. @throws WorkflowStepError for any other value. */
export function requireIngestResultKey(key: unknown): string {
  if (typeof key !== 'string' || !key.startsWith(ingestResultPrefix) || !key.endsWith('.json') || key.includes('..')) {
    throw new WorkflowStepError(`ingest: the result key must be ${ingestResultPrefix}<execution>.json, got ${JSON.stringify(key)}`, { value: key });
  }
  return key;
}

/** What {@link runIngestJob} reads: the two container overrides, as text. */
export interface IngestJobEnvironment {
  /** `TANDEM_INGEST`: the workflow state (an {@link IngestRequest}) as JSON. */
  readonly input: string | undefined;
  /** `TANDEM_INGEST_RESULT`: the store key to write the result to. */
  readonly resultKey: string | undefined;
}

/**
 * The ingest step as the CPU Batch job runs it (the same code as the Lambda: {@link ingestRequest}): the workflow
 * state from the container override, the dataset into `store`, and its result written to `resultKey` for the
 * workflow's next state. Returns that result.
 *
 * @throws WorkflowStepError when an override is missing or malformed; whatever ingestion throws (BadInputError...).
 */
export async function runIngestJob(store: BlobStore, environment: IngestJobEnvironment, options: IngestRequestOptions = {}): Promise<IngestedRequest<IngestRequest>> {
  const resultKey = requireIngestResultKey(environment.resultKey);
  if (environment.input === undefined || environment.input === '') {
    throw new WorkflowStepError(`ingest job: ${INGEST_INPUT_ENV_VAR} is not set (the workflow passes its state there)`, { value: INGEST_INPUT_ENV_VAR });
  }
  let input: IngestRequest;
  try {
    input = JSON.parse(environment.input) as IngestRequest;
  } catch (error) {
    throw new WorkflowStepError(`ingest job: ${INGEST_INPUT_ENV_VAR} is not JSON (${(error as Error).message})`, { cause: error, value: INGEST_INPUT_ENV_VAR });
  }
  const output = await ingestRequest(store, input, options);
  await writeJson(store, resultKey, output);
  return output;
}
