import type { BackendName } from '../model/backend.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { EpochRecord } from '../train/training-state.ts';
import { runTrial } from './run-trial.ts';
import type { TrialSpec } from './trial-spec.ts';

/** What a trial worker reports once its trial is done (`tandem trial --json`, the trainer container's stdout). */
export interface TrialWorkerOutcome {
  readonly trialId: string;
  readonly state: 'paused' | 'completed';
  readonly epochsDone: number;
  readonly modelId: string | null;
  readonly validationScore: number | null;
  readonly backend: BackendName;
}

/**
 * Runs one search trial as every worker does (a `tandem trial` process, the trainer container): {@link runTrial} on
 * `backend` (selected by the caller), then what the worker reports.
 */
export async function runTrialWorker(
  store: BlobStore,
  spec: TrialSpec,
  { backend, onEpoch }: { backend: BackendName; onEpoch?: (record: EpochRecord) => void },
): Promise<TrialWorkerOutcome> {
  const result = await runTrial(store, spec, { backend, ...(onEpoch === undefined ? {} : { onEpoch }) });
  return { trialId: result.trialId, state: result.state, epochsDone: result.epochsDone, modelId: result.modelId, validationScore: result.metrics.validation.combinedScore, backend };
}

/** The one-line summary of a trial's outcome. */
export function describeTrialOutcome(outcome: TrialWorkerOutcome): string {
  return `trial ${outcome.trialId}: ${outcome.state} after ${outcome.epochsDone} epochs, validation combined score ${outcome.validationScore?.toFixed(4) ?? 'n/a'}`;
}
