import type { TandemConfig, TaskSpec } from '../src/config/schema.ts';
import type { TrialRef } from '../src/search/trial-ref.ts';

/** What a caller may set over the config's `search` section when starting the workflow. */
export interface WorkflowOverrides {
  readonly strategy?: 'random' | 'tpe' | 'asha';
  readonly trials?: number;
  readonly seed?: number;
  readonly parallel?: number;
  /**
   * Raw input size (bytes, all files together) from which ingestion runs as a CPU Batch job rather than in the
   * ingest Lambda; overrides the deployed `batchIngestMinBytes` (0: always Batch).
   */
  readonly batchIngestMinBytes?: number;
}

/** The execution input: the config (parsed and validated, paths resolved) and the caller's overrides. */
export interface WorkflowInput {
  readonly config: TandemConfig;
  readonly overrides?: WorkflowOverrides;
}

/** One raw input file of a config and its size. */
export interface RawInputFile {
  /** The config field that names it: `data.path`, `data.customers`, `data.sessions` or `data.orders`. */
  readonly field: string;
  /** A local path or an `s3://` URI. */
  readonly uri: string;
  readonly bytes: number;
}

/** The measure step's event: the execution input, the execution's name and the deployed Batch threshold. */
export interface MeasureRawInputEvent {
  readonly action: 'measure';
  readonly input: WorkflowInput;
  /** `$$.Execution.Name`: where the Batch branch leaves its result is derived from it. */
  readonly executionName: string;
  /** The deployed threshold (`batchIngestMinBytes` context); `input.overrides.batchIngestMinBytes` wins. */
  readonly batchIngestMinBytes: number;
}

/** What the measure step returns, kept at `$.rawInput` for the ingest Choice and the Batch branch. */
export interface RawInputMeasure {
  readonly files: readonly RawInputFile[];
  /** Sum of the files' sizes. */
  readonly rawBytes: number;
  /** The threshold in force: ingestion runs on CPU Batch when `rawBytes >= batchIngestMinBytes`. */
  readonly batchIngestMinBytes: number;
  /** The store key the Batch ingest job writes its {@link IngestOutput} to (derived from the execution name). */
  readonly resultKey: string;
}

/** The state after the measure step. */
export interface MeasuredWorkflowInput extends WorkflowInput {
  readonly rawInput: RawInputMeasure;
}

/** The event of the step that reads back what the Batch ingest job wrote. */
export interface ReadIngestResultEvent {
  readonly action: 'read-result';
  /** {@link RawInputMeasure.resultKey}. */
  readonly key: string;
}

/** What ingest hands to plan. */
export interface IngestOutput extends WorkflowInput {
  readonly datasetId: string;
  /** The dataset's tasks (from its manifest), so planning need not read the splits. */
  readonly tasks: readonly TaskSpec[];
}

/**
 * The state between rungs: the run, the rung about to train, its trials (by reference: each spec is in the store, so
 * the state stays small), and whether the search is over.
 */
export interface RungState {
  readonly runId: string;
  readonly rung: number;
  readonly trials: readonly TrialRef[];
  readonly done: boolean;
  /**
   * true: `trials` are the closing's fold copies (`search.ensembleFolds`), planned once the last rung was recorded;
   * the next promote-rung only ends the search, and select finds the copies in the store.
   */
  readonly closing?: boolean;
}

/** How the Map's Catch records a trial that failed for good (`Error` is the error's name, `Cause` its message). */
export interface TrialFailure {
  readonly Error: string;
  readonly Cause?: string;
}

/**
 * One trial as the rung's Map returns it: the trial id of a trial that trained (its reference is in the state's
 * `trials`), or the reference with the error the Map's Catch kept. A reference without `error` is a trained trial too.
 */
export type TrialResult = string | (TrialRef & { readonly error?: TrialFailure });

/** What promote-rung receives: the rung state plus each trial as the Map returned it. */
export interface RungResults extends RungState {
  readonly results: readonly TrialResult[];
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
