import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { WorkflowStepError } from '../errors/workflow-step-error.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { scoreRescorePart, type RescorePart, type RescorePartResult } from './rescore-base.ts';

/** The environment variable that carries one part of a rescoring (JSON, a {@link RescorePart}) into the scoring job. */
export const SCORE_PART_ENV_VAR = 'TANDEM_SCORE_PART';

/** Reads the part a scoring job was started with from its container override, checking its shape. */
export function parseRescorePart(value: string | undefined): RescorePart {
  if (value === undefined || value === '') throw new WorkflowStepError(`scoring job: ${SCORE_PART_ENV_VAR} is not set`, { value: SCORE_PART_ENV_VAR });
  let part: Partial<RescorePart>;
  try {
    part = JSON.parse(value) as Partial<RescorePart>;
  } catch (error) {
    throw new WorkflowStepError(`scoring job: ${SCORE_PART_ENV_VAR} is not JSON (${(error as Error).message})`, { value, cause: error });
  }
  const ok = typeof part.project === 'string' && typeof part.modelId === 'string' && typeof part.date === 'string' && typeof part.input === 'string'
    && Number.isInteger(part.part) && typeof part.partitionBySegment === 'boolean';
  if (!ok) throw new WorkflowStepError(`scoring job: ${SCORE_PART_ENV_VAR} is not a rescoring part (project, modelId, date, input, part, partitionBySegment)`, { value });
  return part as RescorePart;
}

/**
 * The scoring job of one part (the CPU Batch job's entrypoint and the local workflow run it): the part from
 * `TANDEM_SCORE_PART`, scored by {@link scoreRescorePart} into `store`. Call `selectBackend` before.
 */
export function runRescoreJob(store: BlobStore, value: string | undefined, options: { s3ClientConfig?: S3ClientConfig } = {}): Promise<RescorePartResult> {
  return scoreRescorePart(store, parseRescorePart(value), options);
}
