import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { stat } from 'node:fs/promises';
import type { TandemConfig } from '../../src/config/schema.ts';
import { isS3Uri, rawDataFields } from '../../src/data/raw-data-fields.ts';
import { explainS3, parseS3Uri } from '../../src/data/stage-raw-inputs.ts';
import { NotFoundError } from '../../src/errors/not-found-error.ts';
import type { MeasureRawInputEvent, RawInputFile, RawInputMeasure } from '../workflow-state.ts';
import { WorkflowStepError } from '../workflow-step-error.ts';
import { ingestResultKey } from './ingest-on-batch.ts';

/**
 * The size of every raw input file a config names: S3 HeadObject for an `s3://` URI (the client is only built when
 * one is there), the file's size for a local path. Reads no data.
 *
 * @throws NotFoundError naming the field and the path or URI when a file or object does not exist; TandemError
 *   naming them for other failures (e.g. access denied: on AWS ingestion may read the raw bucket only).
 */
export async function measureRawInput(config: TandemConfig, s3Client: () => S3Client): Promise<RawInputFile[]> {
  return Promise.all(rawDataFields(config).map(async ({ field, path: uri }) => ({ field, uri, bytes: await sizeOf(field, uri, s3Client) })));
}

async function sizeOf(field: string, uri: string, s3Client: () => S3Client): Promise<number> {
  if (!isS3Uri(uri)) {
    try {
      const info = await stat(uri);
      if (!info.isFile()) throw new NotFoundError(`${field}: ${uri} is not a file`, { value: uri });
      return info.size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${field}: no file ${uri}`, { cause: error, value: uri });
      throw error;
    }
  }
  const { bucket, key } = parseS3Uri(uri, field);
  const head = await explainS3(() => s3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: key })), uri, field, 'on AWS, ingestion may read the Tandem raw bucket only');
  return head.ContentLength ?? 0;
}

/** The measure step's output: the sizes, and whether the ingest Choice sends the input to Athena. */
export interface RawInputRouting extends RawInputMeasure {
  /** An events config with `data.athena` whose raw input is at or above `data.athena.minBytes`. */
  readonly athena: boolean;
}

/**
 * The workflow's measure step (the ingest function with `action: "measure"`): sums the raw input sizes so the
 * ingest Choice can send large inputs to Athena (events mode with `data.athena`, at or above its `minBytes`) or to
 * the CPU Batch job, and names the store key that job reports to. The execution's `overrides.batchIngestMinBytes`
 * wins over the deployed threshold.
 */
export async function measureRawInputStep(event: MeasureRawInputEvent, s3Client: () => S3Client): Promise<RawInputRouting> {
  const config = event.input?.config;
  if (typeof config !== 'object' || config === null) {
    throw new WorkflowStepError('ingest (measure): the event needs "input.config" (a validated Tandem config)', { value: event });
  }
  const override = event.input.overrides?.batchIngestMinBytes;
  const batchIngestMinBytes = override ?? event.batchIngestMinBytes;
  if (!Number.isInteger(batchIngestMinBytes) || batchIngestMinBytes < 0) {
    throw new WorkflowStepError(`ingest (measure): batchIngestMinBytes must be a whole number of bytes >= 0, got ${JSON.stringify(batchIngestMinBytes)}`, { value: batchIngestMinBytes });
  }
  const files = await measureRawInput(config, s3Client);
  const rawBytes = files.reduce((sum, file) => sum + file.bytes, 0);
  const athenaMinBytes = config.data.kind === 'events' ? config.data.athena?.minBytes : undefined;
  const athena = athenaMinBytes !== undefined && rawBytes >= athenaMinBytes;
  return { files, rawBytes, batchIngestMinBytes, resultKey: ingestResultKey(event.executionName), athena };
}
