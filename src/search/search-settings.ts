import { maxSearchEnsembleCount, searchStrategies, type TandemConfig, type TaskSpec } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { resolveConfigSearchSpace } from './search-space.ts';
import type { SearchSettings, TrialDefaults } from './stored-run.ts';

/** What a caller may set over the config's `search` section (CLI flags, the workflow's execution input). */
export interface SearchOverrides {
  readonly strategy?: string | undefined;
  readonly trials?: number | undefined;
  readonly parallel?: number | undefined;
  readonly seed?: number | undefined;
  readonly budgetMinutes?: number | undefined;
  /** Over `search.ensembleTopK` (`--ensemble-top-k`). */
  readonly ensembleTopK?: number | undefined;
  /** Over `search.ensembleFolds` (`--ensemble-folds`); needs an ensembleTopK above 1. */
  readonly ensembleFolds?: number | undefined;
}

/** The overrides that only change how a search closes: the ones a finished or stopped run may take on resume. */
export type ClosingOverrides = Pick<SearchOverrides, 'ensembleTopK' | 'ensembleFolds'>;

/** How the driver that runs the search fills what neither the config nor the overrides set. */
export interface SearchSettingsOptions {
  /** Trials at once when neither overrides nor config say (local: one per core; the workflow's Map: 1). */
  readonly defaultParallel: number;
  /**
   * Whether the driver honours `budgetMinutes` (`tandem search` does; the workflow runs whole rungs and has no
   * budget, so it does not record one it would not keep).
   * @default true
   */
  readonly budget?: boolean;
}

/**
 * The search settings of a config with the caller's overrides: the one place both `tandem search` and the workflow's
 * plan step resolve them. An unknown strategy is a BadInputError naming the flag.
 */
export function resolveSearchSettings(config: TandemConfig, overrides: SearchOverrides, { defaultParallel, budget = true }: SearchSettingsOptions): SearchSettings {
  const strategy = overrides.strategy ?? config.search.strategy;
  if (!searchStrategies.includes(strategy as SearchSettings['strategy'])) {
    throw new BadInputError(`--strategy: expected one of ${searchStrategies.join(', ')}, got "${strategy}"`, { value: strategy });
  }
  const budgetMinutes = budget ? (overrides.budgetMinutes ?? config.search.budgetMinutes) : undefined;
  return {
    strategy: strategy as SearchSettings['strategy'],
    trials: overrides.trials ?? config.search.trials,
    parallel: overrides.parallel ?? config.search.parallel ?? defaultParallel,
    seed: overrides.seed ?? config.search.seed,
    startupTrials: config.search.startupTrials,
    asha: config.search.asha,
    space: resolveConfigSearchSpace(config.search.space, config.tasks),
    defaultTrial: config.search.defaultTrial,
    linearTrial: config.search.linearTrial,
    ...(budgetMinutes === undefined ? {} : { budgetMinutes }),
    ...closingSettings({ ensembleTopK: config.search.ensembleTopK, ensembleFolds: config.search.ensembleFolds }, overrides),
  };
}

/**
 * A run's settings with `overrides` of how it closes (a resumed run closed again with another ensemble, without
 * retraining a trial). A BadInputError names an override out of range, or folds asked for without an ensemble.
 */
export function withClosingOverrides(settings: SearchSettings, overrides: ClosingOverrides): SearchSettings {
  const { ensembleTopK: _, ensembleFolds: __, ...rest } = settings;
  return { ...rest, ...closingSettings({ ensembleTopK: settings.ensembleTopK ?? 1, ensembleFolds: settings.ensembleFolds ?? 1 }, overrides) };
}

/** The closing's settings as a run stores them (absent when off: 1), `overrides` over `current`. */
function closingSettings(current: { ensembleTopK: number; ensembleFolds: number }, overrides: ClosingOverrides): Pick<SearchSettings, 'ensembleTopK' | 'ensembleFolds'> {
  const count = (name: 'ensembleTopK' | 'ensembleFolds', flag: string): number => {
    const value = overrides[name];
    if (value === undefined) return current[name];
    if (!Number.isSafeInteger(value) || value < 1 || value > maxSearchEnsembleCount) {
      const issue = `expected an integer from 1 to ${String(maxSearchEnsembleCount)}`;
      throw new BadInputError(`${flag} (search.${name}): ${issue}, got ${String(value)}`, { value, details: [{ path: flag, issue }] });
    }
    return value;
  };
  const topK = count('ensembleTopK', '--ensemble-top-k');
  const folds = count('ensembleFolds', '--ensemble-folds');
  if (overrides.ensembleFolds !== undefined && folds > 1 && topK < 2) {
    throw new BadInputError(`--ensemble-folds ${String(folds)} needs an ensemble to judge out of fold: set --ensemble-top-k (search.ensembleTopK) above 1`, {
      value: folds,
      details: [{ path: '--ensemble-folds', issue: 'needs ensembleTopK above 1' }],
    });
  }
  return { ...(topK > 1 ? { ensembleTopK: topK } : {}), ...(topK > 1 && folds > 1 ? { ensembleFolds: folds } : {}) };
}

/** The run's fixed trials in words, for progress lines: `the single baseline`, then the default recipe and the linear model when it has them. */
export function fixedTrialsText(settings: Pick<SearchSettings, 'defaultTrial' | 'linearTrial'>): string {
  const fixed = ['the single baseline', ...(settings.defaultTrial === true ? ['the default recipe'] : []), ...(settings.linearTrial === true ? ['the linear model'] : [])];
  return fixed.length === 1 ? fixed[0] as string : `${fixed.slice(0, -1).join(', ')} and ${fixed.at(-1)}`;
}

/**
 * What every trial of a search over `dataset` shares: the config's name, model, features, selection and segments.
 * A trial trains one copy (a search averages trials instead, `search.ensembleTopK`), so its params say so whatever
 * the config's `ensembleSeeds` and `bagFolds`, which only `train` applies.
 */
export function trialDefaultsOf(config: TandemConfig, dataset: { readonly datasetId: string; readonly tasks: readonly TaskSpec[] }): TrialDefaults {
  return {
    name: config.name,
    datasetId: dataset.datasetId,
    tasks: dataset.tasks,
    params: { ...config.model, ensembleSeeds: 1, bagFolds: 1 },
    features: config.features,
    selection: config.selection,
    ...(config.segments === undefined ? {} : { segments: config.segments }),
  };
}
