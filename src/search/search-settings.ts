import { searchStrategies, type TandemConfig, type TaskSpec } from '../config/schema.ts';
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
}

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
    ...(config.search.ensembleTopK > 1 ? { ensembleTopK: config.search.ensembleTopK } : {}),
    ...(config.search.ensembleTopK > 1 && config.search.ensembleFolds > 1 ? { ensembleFolds: config.search.ensembleFolds } : {}),
  };
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
