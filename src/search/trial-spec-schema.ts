import { z } from 'zod';
import { featuresSchema, modelSchema, selectionSchema } from '../config/schema.ts';
import { segmentsSchema } from '../config/segments-schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { TrialSpec } from './trial-spec.ts';

const plainId = z.string().regex(/^[A-Za-z0-9_][\w.-]*$/, 'letters, digits, _ . - only');

/** Validates a trial spec as it arrives from a worker's argument or a Batch container override. */
export const trialSpecSchema = z
  .object({
    runId: plainId,
    trialId: plainId,
    datasetId: plainId,
    name: z.string().min(1),
    params: modelSchema,
    features: featuresSchema,
    selection: selectionSchema,
    segments: segmentsSchema.optional(),
    untilEpoch: z.number().int().positive().optional(),
    fold: z
      .object({ folds: z.number().int().min(2), index: z.number().int().min(0), seed: z.number().int() })
      .strict()
      .refine((fold) => fold.index < fold.folds, { message: 'index must be below folds' })
      .optional(),
  })
  .strict();

/** Parses JSON text a worker received (`source` names where it came from); text that is not JSON is a BadInputError. */
export function parseTrialJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BadInputError(`${source}: not JSON (${(error as Error).message})`, { cause: error });
  }
}

/** Validates a parsed trial spec; a bad spec is a BadInputError naming the field. */
export function validateTrialSpec(value: unknown, source: string): TrialSpec {
  const parsed = trialSpecSchema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), issue: issue.message }));
    throw new BadInputError(`${source}: invalid trial spec: ${details.map((d) => `${d.path}: ${d.issue}`).join('; ')}`, { details });
  }
  return parsed.data;
}

/** Parses a trial spec from JSON text; a bad spec is a BadInputError naming the field. */
export function parseTrialSpec(text: string, source: string): TrialSpec {
  return validateTrialSpec(parseTrialJson(text, source), source);
}
