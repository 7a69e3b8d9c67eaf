import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client, S3Store } from '../../src/store/s3-store.ts';
import { createFunctionContext, stepHandler } from '../function-context.ts';
import type { IngestOutput, MeasureRawInputEvent, RawInputMeasure, ReadIngestResultEvent, WorkflowInput } from '../workflow-state.ts';
import type { AthenaIngestPlan } from '../../src/data/events/athena-ingest.ts';
import { planAthenaStep, writeAthenaDatasetStep, type AthenaDatasetEvent, type AthenaPlanEvent } from './athena-steps.ts';
import { readIngestResult } from './ingest-on-batch.ts';
import { runIngestStep } from './ingest-step.ts';
import { measureRawInputStep } from './measure-raw-input.ts';

const context = createFunctionContext('ingest');
let s3Client: S3Client | undefined;
// HeadObject on the raw inputs: the store's client when the store is on S3 (same credentials and endpoint).
const rawS3Client = (): S3Client => (s3Client ??= context.store instanceof S3Store ? context.store.client : createS3Client(context.env.s3ClientConfig));

type IngestEvent = WorkflowInput | MeasureRawInputEvent | ReadIngestResultEvent | AthenaPlanEvent | AthenaDatasetEvent;

/**
 * Lambda: the workflow's ingest function. Five states invoke it: `action: "measure"` (size the raw inputs for the
 * ingest Choice), `action: "read-result"` (read back what the CPU Batch ingest job wrote), `action: "athena-plan"` and
 * `action: "athena-dataset"` (before and after the Athena query of large events logs) and, with the workflow state
 * itself as the event, ingestion in the Lambda.
 */
export const handler = stepHandler(context, (event: IngestEvent): Promise<IngestOutput | RawInputMeasure | AthenaIngestPlan> => {
  if ('action' in event && event.action === 'measure') return measureRawInputStep(event, rawS3Client);
  if ('action' in event && event.action === 'read-result') return readIngestResult(context.store, event);
  if ('action' in event && event.action === 'athena-plan') return planAthenaStep(context.store, event, rawS3Client);
  if ('action' in event && event.action === 'athena-dataset') return writeAthenaDatasetStep(context.store, event);
  return runIngestStep(context.store, event as WorkflowInput);
});
