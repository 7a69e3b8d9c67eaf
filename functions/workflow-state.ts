import type { TandemConfig, TaskSpec } from '../src/config/schema.ts';
import type { TrialSpec } from '../src/search/trial-spec.ts';

/** What a caller may set over the config's `search` section when starting the workflow. */
export interface WorkflowOverrides {
  readonly strategy?: 'random' | 'tpe' | 'asha';
  readonly trials?: number;
  readonly seed?: number;
  readonly parallel?: number;
}

/** The execution input: the config (parsed and validated, paths resolved) and the caller's overrides. */
export interface WorkflowInput {
  readonly config: TandemConfig;
  readonly overrides?: WorkflowOverrides;
}

/** What ingest hands to plan. */
export interface IngestOutput extends WorkflowInput {
  readonly datasetId: string;
  /** The dataset's tasks (from its manifest), so planning need not read the splits. */
  readonly tasks: readonly TaskSpec[];
}

/** The state between rungs: the run, the rung about to train, its trials, and whether the search is over. */
export interface RungState {
  readonly runId: string;
  readonly rung: number;
  readonly trials: readonly TrialSpec[];
  readonly done: boolean;
}

/** How the Map's Catch records a trial that failed for good (`Error` is the error's name, `Cause` its message). */
export interface TrialFailure {
  readonly Error: string;
  readonly Cause?: string;
}

/** What promote-rung receives: the rung state plus each trial as the Map returned it. */
export interface RungResults extends RungState {
  readonly results: readonly (TrialSpec & { readonly error?: TrialFailure })[];
}

/** What select returns. */
export interface SelectOutput {
  readonly runId: string;
  readonly bestTrialId: string | null;
  readonly bestModelId: string | null;
}

/** What promote returns. */
export interface PromoteOutput extends SelectOutput {
  readonly championId: string | null;
  readonly promoted: boolean;
  readonly reason: string;
}

/** What notify returns: the workflow's result. */
export interface NotifyOutput extends PromoteOutput {
  readonly message: string;
}
