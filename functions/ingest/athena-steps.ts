import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { open } from 'node:fs/promises';
import type { EventsConfig } from '../../src/config/schema.ts';
import { isS3Uri } from '../../src/data/raw-data-fields.ts';
import { explainS3, parseS3Uri } from '../../src/data/stage-raw-inputs.ts';
import { csvHeaderColumns, planAthenaIngest, writeAthenaDataset, type AthenaIngestPlan } from '../../src/data/events/athena-ingest.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import type { IngestOutput, WorkflowInput } from '../workflow-state.ts';
import { WorkflowStepError } from '../workflow-step-error.ts';

/** The event of the Athena branch's first step (the ingest function with `action: "athena-plan"`). */
export interface AthenaPlanEvent {
  readonly action: 'athena-plan';
  readonly input: WorkflowInput;
  /** `$$.Execution.Name`: names the feature table and its store prefix. */
  readonly executionName: string;
}

/** The event of the Athena branch's last step (`action: "athena-dataset"`): the input and the plan at `$.athena`. */
export interface AthenaDatasetEvent {
  readonly action: 'athena-dataset';
  readonly input: WorkflowInput;
  readonly athena: AthenaIngestPlan;
}

/** Bytes read from the start of a raw file to find its header line. */
const headBytes = 64 * 1024;

/**
 * The workflow's Athena plan step: reads the header line of the customers and sessions files (a ranged GET, not the
 * files) and renders the CTAS for `input.config` (`planAthenaIngest`), its output under the store's
 * `datasets/athena-tables/<execution>/`. The result goes to `$.athena`, whence the Athena task takes the query.
 */
export async function planAthenaStep(store: BlobStore, event: AthenaPlanEvent, s3Client: () => S3Client): Promise<AthenaIngestPlan> {
  const config = eventsConfigOf(event.input, 'athena-plan');
  const [customers, sessions] = await Promise.all([readHead(config.data.customers, 'data.customers', s3Client), readHead(config.data.sessions, 'data.sessions', s3Client)]);
  return planAthenaIngest(config, {
    storeUri: store.uri,
    executionName: event.executionName,
    headers: { customers: csvHeaderColumns(customers), sessions: csvHeaderColumns(sessions) },
  });
}

/** The workflow's Athena dataset step: the CTAS's Parquet files into a dataset (`writeAthenaDataset`), as the ingest step's output. */
export async function writeAthenaDatasetStep(store: BlobStore, event: AthenaDatasetEvent): Promise<IngestOutput> {
  const config = eventsConfigOf(event.input, 'athena-dataset');
  if (typeof event.athena?.prefix !== 'string' || !event.athena.prefix.startsWith('datasets/athena-tables/')) {
    throw new WorkflowStepError('ingest (athena-dataset): the event needs "athena" (the plan step\'s output)', { value: event.athena });
  }
  const manifest = await writeAthenaDataset(config, store, event.athena);
  const { overrides } = event.input;
  return { config: event.input.config, ...(overrides === undefined ? {} : { overrides }), datasetId: manifest.datasetId, tasks: manifest.tasks };
}

function eventsConfigOf(input: WorkflowInput | undefined, action: string): EventsConfig {
  const config = input?.config;
  if (typeof config !== 'object' || config === null || config.data.kind !== 'events') {
    throw new WorkflowStepError(`ingest (${action}): the event needs "input.config", an events-mode config`, { value: config });
  }
  return config as EventsConfig;
}

/** The first bytes of a raw file, local or `s3://` (a ranged GET). */
async function readHead(uri: string, field: string, s3Client: () => S3Client): Promise<string> {
  if (!isS3Uri(uri)) {
    const file = await open(uri);
    try {
      const buffer = Buffer.alloc(headBytes);
      const { bytesRead } = await file.read(buffer, 0, headBytes, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await file.close();
    }
  }
  const { bucket, key } = parseS3Uri(uri, field);
  const output = await explainS3(() => s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${headBytes - 1}` })), uri, field);
  return (await output.Body?.transformToString('utf8')) ?? '';
}
