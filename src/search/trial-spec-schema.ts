import { z } from 'zod';
import { featuresSchema, modelSchema, selectionSchema } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { TrialSpec } from './trial-spec.ts';

const plainId = z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'letters, digits, _ . - only');

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
    untilEpoch: z.number().int().positive().optional(),
  })
  .strict();

/** Parses a trial spec from JSON text; a bad spec is a BadInputError naming the field. */
export function parseTrialSpec(text: string, source: string): TrialSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadInputError(`${source}: not JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = trialSpecSchema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), issue: issue.message }));
    throw new BadInputError(`${source}: invalid trial spec: ${details.map((d) => `${d.path}: ${d.issue}`).join('; ')}`, { details });
  }
  return parsed.data;
}
