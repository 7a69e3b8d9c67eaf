import { z } from 'zod';
import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { writeJson } from '../store/json-object.ts';
import { foldCopyFolder, trialFolder } from './run-keys.ts';
import { parseTrialJson, parseTrialSpec, validateTrialSpec } from './trial-spec-schema.ts';
import type { TrialFold, TrialSpec } from './trial-spec.ts';

/**
 * A trial passed by reference: what the workflow's state carries per trial instead of the full spec (about 100
 * bytes instead of about 640), so a rung of thousands of trials fits the 256 KiB state. The spec itself is in the
 * store at `specKey`, written by the step that planned the rung.
 */
export interface TrialRef {
  readonly trialId: string;
  /** The epoch this rung trains the trial to (the spec's `untilEpoch`), for progress lines and the trial log. */
  readonly untilEpoch: number;
  /** The store key of the trial's spec for this rung: {@link trialSpecKey}. */
  readonly specKey: string;
}

const trialRefSchema = z
  .object({
    trialId: z.string().min(1),
    untilEpoch: z.number().int().positive(),
    specKey: z.string().regex(/^runs\/[^/]+\/trials\/[^/]+\/(folds-\d+\/\d+\/)?spec\.json$/, 'runs/<runId>/trials/<trialId>/spec.json (or …/folds-<k>/<i>/spec.json)'),
  })
  .strict();

/**
 * The store key of a trial's spec for the rung it is about to train: `runs/<runId>/trials/<trialId>/spec.json`,
 * rewritten per rung; a fold copy's (`fold`) is in its own folder, `…/folds-<k>/<i>/spec.json`.
 */
export function trialSpecKey(runId: string, trialId: string, fold?: TrialFold): string {
  return `${fold === undefined ? trialFolder(runId, trialId) : foldCopyFolder(runId, trialId, fold.folds, fold.index)}/spec.json`;
}

/** The reference to a spec (where {@link writeTrialSpecs} puts it). */
export function trialRefOf(spec: TrialSpec): TrialRef {
  return { trialId: spec.trialId, untilEpoch: spec.untilEpoch ?? spec.params.epochs, specKey: trialSpecKey(spec.runId, spec.trialId, spec.fold) };
}

/** Puts at once at most this many specs (a rung of thousands in a 1-minute Lambda). */
const writeConcurrency = 32;

/** Writes each spec to its {@link trialSpecKey} (a few at a time) and returns their references, in order. */
export async function writeTrialSpecs(store: BlobStore, specs: readonly TrialSpec[]): Promise<TrialRef[]> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < specs.length) {
      const spec = specs[next++] as TrialSpec;
      await writeJson(store, trialSpecKey(spec.runId, spec.trialId, spec.fold), spec);
    }
  };
  await Promise.all(Array.from({ length: Math.min(writeConcurrency, specs.length) }, worker));
  return specs.map(trialRefOf);
}

/** Whether a parsed trial input is a reference rather than a full spec. */
export function isTrialRef(input: TrialSpec | TrialRef): input is TrialRef {
  return 'specKey' in input;
}

/**
 * Parses what a trial worker receives (`--spec`, `TANDEM_TRIAL`): a full trial spec (`tandem search`'s workers) or a
 * {@link TrialRef} (the workflow's Batch jobs), told apart by `specKey`. A bad one is a BadInputError naming the field.
 */
export function parseTrialInput(text: string, source: string): TrialSpec | TrialRef {
  const value = parseTrialJson(text, source);
  if (typeof value !== 'object' || value === null || !('specKey' in value)) return validateTrialSpec(value, source);
  const parsed = trialRefSchema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), issue: issue.message }));
    throw new BadInputError(`${source}: invalid trial reference: ${details.map((d) => `${d.path}: ${d.issue}`).join('; ')}`, { details });
  }
  return parsed.data;
}

/**
 * The spec of a parsed trial input: a spec as it is, a reference read from `store` (the trainer's and the local
 * runner's one way of resolving it). The stored spec must be the one the reference names (same trial, same
 * `untilEpoch`, at its own key), so a stale or misplaced spec fails here rather than training the wrong rung.
 * @throws NotFoundError when the spec is not in the store; BadInputError when it is invalid or does not match.
 */
export async function resolveTrialInput(store: BlobStore, input: TrialSpec | TrialRef): Promise<TrialSpec> {
  if (!isTrialRef(input)) return input;
  const body = await store.getIfExists(input.specKey);
  if (body === undefined) throw new NotFoundError(`no trial spec "${input.specKey}" in ${store.uri}`, { value: input.specKey });
  const spec = parseTrialSpec(body.toString('utf8'), input.specKey);
  const untilEpoch = spec.untilEpoch ?? spec.params.epochs;
  if (spec.trialId !== input.trialId || untilEpoch !== input.untilEpoch || trialSpecKey(spec.runId, spec.trialId, spec.fold) !== input.specKey) {
    throw new BadInputError(
      `${input.specKey}: holds trial ${spec.trialId} of run ${spec.runId} to epoch ${untilEpoch}, not the referenced trial ${input.trialId} to epoch ${input.untilEpoch}`,
      { value: input.specKey },
    );
  }
  return spec;
}
