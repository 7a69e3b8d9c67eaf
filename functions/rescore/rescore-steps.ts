import type { S3Client } from '@aws-sdk/client-s3';
import { planRescoring, writeRescoreManifest, type RescorePart, type RescorePlan } from '../../src/serve/rescore-base.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import type { WorkflowInput } from '../workflow-state.ts';

/** The plan step's event: the execution input (its config's `name` and `scoring`) and the model to pin. */
export interface PlanRescoringEvent {
  readonly action: 'plan';
  readonly input: WorkflowInput;
  /** The champion just promoted; null or absent (the scheduled rescoring): the project's champion now. */
  readonly modelId?: string | null;
}

/** What the plan step returns (at `$.rescoring`): no parts when the config has no `scoring`. */
export type RescoringState = (RescorePlan & { readonly configured: true }) | { readonly configured: false; readonly parts: readonly RescorePart[] };

/** The manifest step's event: the plan. */
export interface RescoreManifestEvent {
  readonly action: 'manifest';
  readonly plan: RescorePlan;
}

/** What the manifest step returns (at `$.rescoring`, replacing the plan, so notify gets a small state). */
export interface RescoringSummary {
  readonly manifestKey: string;
  readonly modelId: string;
  readonly date: string;
  readonly parts: number;
  readonly rows: number;
  readonly rejected: number;
}

/** The workflow's rescoring plan step (`planRescoring`): lists the customer base into the Map's parts. */
export async function planRescoringStep(store: BlobStore, event: PlanRescoringEvent, s3Client: () => S3Client, now: () => Date = () => new Date()): Promise<RescoringState> {
  const { config } = event.input;
  if (config.scoring === undefined) return { configured: false, parts: [] };
  const plan = await planRescoring(store, { project: config.name, scoring: config.scoring, modelId: event.modelId, now: now(), s3Client });
  return { ...plan, configured: true };
}

/** The workflow's last rescoring step (`writeRescoreManifest`): the manifest after every part, and a summary. */
export async function writeRescoreManifestStep(store: BlobStore, event: RescoreManifestEvent, now: () => Date = () => new Date()): Promise<RescoringSummary> {
  const manifest = await writeRescoreManifest(store, event.plan, now());
  return {
    manifestKey: `${event.plan.prefix}_manifest.json`,
    modelId: manifest.modelId,
    date: manifest.date,
    parts: manifest.parts.length,
    rows: manifest.rows,
    rejected: manifest.rejected,
  };
}
