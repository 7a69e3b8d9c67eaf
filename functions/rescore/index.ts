import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client, S3Store } from '../../src/store/s3-store.ts';
import { createFunctionContext, stepHandler } from '../function-context.ts';
import { planRescoringStep, writeRescoreManifestStep, type PlanRescoringEvent, type RescoreManifestEvent, type RescoringState, type RescoringSummary } from './rescore-steps.ts';

const context = createFunctionContext('rescore');
let s3Client: S3Client | undefined;
// Lists the customer base's prefix: the store's client when the store is on S3 (same credentials and endpoint).
const inputS3Client = (): S3Client => (s3Client ??= context.store instanceof S3Store ? context.store.client : createS3Client(context.env.s3ClientConfig));

/**
 * Lambda: the rescoring's plan step (`action: "plan"`: pin the model, list the customer base into parts) and its
 * manifest step (`action: "manifest"`); the parts are scored by the CPU Batch scoring job in between.
 */
export const handler = stepHandler(context, (event: PlanRescoringEvent | RescoreManifestEvent): Promise<RescoringState | RescoringSummary> =>
  event.action === 'plan' ? planRescoringStep(context.store, event, inputS3Client) : writeRescoreManifestStep(context.store, event));
