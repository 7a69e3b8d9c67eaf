import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { readJson, writeJson } from '../../src/store/json-object.ts';
import type { IngestOutput, ReadIngestResultEvent, WorkflowInput } from '../workflow-state.ts';
import { WorkflowStepError } from '../workflow-step-error.ts';
import { INGEST_INPUT_ENV_VAR } from './ingest-job-variables.ts';
import { runIngestStep } from './ingest-step.ts';

/** Where Batch ingest jobs leave their {@link IngestOutput}: under `datasets/`, the prefix ingestion may write. */
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

function requireResultKey(key: unknown): string {
  if (typeof key !== 'string' || !key.startsWith(ingestResultPrefix) || !key.endsWith('.json') || key.includes('..')) {
    throw new WorkflowStepError(`ingest: the result key must be ${ingestResultPrefix}<execution>.json, got ${JSON.stringify(key)}`, { value: key });
  }
  return key;
}

/** What {@link runIngestJob} reads: the two container overrides, as text. */
export interface IngestJobEnvironment {
  /** `TANDEM_INGEST`: the workflow state (a {@link WorkflowInput}) as JSON. */
  readonly input: string | undefined;
  /** `TANDEM_INGEST_RESULT`: the store key to write the result to. */
  readonly resultKey: string | undefined;
}

/**
 * The ingest step as the CPU Batch job runs it (the same code as the Lambda: {@link runIngestStep}): the workflow
 * state from the container override, the dataset into `store`, and its {@link IngestOutput} written to
 * `resultKey` for the workflow's next state. Returns that output.
 *
 * @throws WorkflowStepError when an override is missing or malformed; whatever ingestion throws (BadInputError...).
 */
export async function runIngestJob(store: BlobStore, environment: IngestJobEnvironment, options: { s3ClientConfig?: S3ClientConfig } = {}): Promise<IngestOutput> {
  const resultKey = requireResultKey(environment.resultKey);
  if (environment.input === undefined || environment.input === '') {
    throw new WorkflowStepError(`ingest job: ${INGEST_INPUT_ENV_VAR} is not set (the workflow passes its state there)`, { value: INGEST_INPUT_ENV_VAR });
  }
  let input: WorkflowInput;
  try {
    input = JSON.parse(environment.input) as WorkflowInput;
  } catch (error) {
    throw new WorkflowStepError(`ingest job: ${INGEST_INPUT_ENV_VAR} is not JSON (${(error as Error).message})`, { cause: error, value: INGEST_INPUT_ENV_VAR });
  }
  const output = await runIngestStep(store, input, options);
  await writeJson(store, resultKey, output);
  return output;
}

/** The workflow's read-back step (the ingest function with `action: "read-result"`): the Batch ingest job's output. */
export async function readIngestResult(store: BlobStore, event: ReadIngestResultEvent): Promise<IngestOutput> {
  return readJson<IngestOutput>(store, requireResultKey(event.key));
}
