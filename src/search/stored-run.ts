import { randomBytes } from 'node:crypto';
import type { FeaturesConfig, ModelConfig, SelectionConfig, TaskSpec } from '../config/schema.ts';
import type { SegmentsConfig } from '../config/segments-schema.ts';
import { computeRungs, type AshaSettings } from './asha.ts';
import type { RunRecord } from './run-record.ts';
import type { SearchSpace } from './search-space.ts';

/** How a search runs (from the config's `search` section and the CLI flags). */
export interface SearchSettings {
  readonly strategy: 'random' | 'tpe' | 'asha';
  readonly trials: number;
  readonly parallel: number;
  readonly seed: number;
  readonly budgetMinutes?: number;
  readonly startupTrials: number;
  readonly asha: AshaSettings;
  readonly space: SearchSpace;
  /** `search.defaultTrial`: the config's own recipe is a trial too. Absent (runs from before it): no such trial. */
  readonly defaultTrial?: boolean;
  /** `search.linearTrial`: a linear model per task is a trial too. Absent (runs from before it): no such trial. */
  readonly linearTrial?: boolean;
  /** `search.ensembleTopK` when above 1: try averaging the best trials after the search. Absent: off. */
  readonly ensembleTopK?: number;
  /** `search.ensembleFolds` when above 1 (with `ensembleTopK`): the ensemble's trials re-trained as fold copies and weighted out of fold. Absent: off. */
  readonly ensembleFolds?: number;
}

/** What every trial of a run shares: dataset, base model parameters, preprocessing and selection. */
export interface TrialDefaults {
  readonly name: string;
  readonly datasetId: string;
  readonly tasks: readonly TaskSpec[];
  readonly params: ModelConfig;
  readonly features: FeaturesConfig;
  readonly selection: SelectionConfig;
  /** The config's segment rules, stored in every trial model's card (absent in runs from before them). */
  readonly segments?: SegmentsConfig;
}

/**
 * `runs/<runId>/run.json` as the search (`tandem search` or the workflow's steps) keeps it: the public record plus
 * what a resume or the next step needs.
 */
export interface StoredRun extends RunRecord {
  readonly settings: SearchSettings;
  readonly defaults: TrialDefaults;
}

/**
 * One line of `runs/<runId>/trial-log.json`: what happened to a trial, when. `interrupted`: its worker was stopped
 * because the search was (not the trial's failure: it does not count towards the retry limit and resumes).
 */
export interface TrialLogEvent {
  readonly at: string;
  readonly trialId: string;
  readonly event: 'launched' | 'finished' | 'failed' | 'interrupted';
  readonly attempt: number;
  readonly rung: number;
  readonly untilEpoch: number;
  readonly error?: string;
}

/** A new run record (status running, nothing trained yet) with a fresh, sortable run id. */
export function createStoredRun(settings: SearchSettings, defaults: TrialDefaults, createdAt: Date): StoredRun {
  const runId = `${defaults.name}-${createdAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
  return {
    runId,
    name: defaults.name,
    datasetId: defaults.datasetId,
    createdAt: createdAt.toISOString(),
    updatedAt: createdAt.toISOString(),
    status: 'running',
    strategy: settings.strategy,
    trials: settings.trials,
    parallel: settings.parallel,
    seed: settings.seed,
    rungs: settings.strategy === 'asha' ? computeRungs(settings.asha) : [],
    space: settings.space,
    bestTrialId: null,
    baselineTrialId: null,
    paretoFront: [],
    totalEpochs: 0,
    settings,
    defaults,
  };
}
