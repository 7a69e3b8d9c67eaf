import { searchStrategies, type TandemConfig } from '../src/config/schema.ts';
import type { DatasetManifest } from '../src/data/labelled-row.ts';
import { BadInputError } from '../src/errors/bad-input-error.ts';
import { runSearch, type SearchResult } from '../src/search/run-search.ts';
import { resolveConfigSearchSpace } from '../src/search/search-space.ts';
import type { SearchSettings } from '../src/search/stored-run.ts';
import { runTrialProcess, type TrialProcessCommand } from '../src/search/trial-process.ts';
import type { BlobStore } from '../src/store/blob-store.ts';
import type { CommandContext } from './command.ts';
import { defaultParallelism, trialWorkerCommand } from './trial-worker-command.ts';

/** What a caller may set over the config's `search` section (flags). */
export interface SearchOverrides {
  readonly strategy?: string | undefined;
  readonly trials?: number | undefined;
  readonly parallel?: number | undefined;
  readonly seed?: number | undefined;
  readonly budgetMinutes?: number | undefined;
}

/** The search settings of a config with the caller's overrides; an unknown strategy names the flag. */
export function resolveSearchSettings(config: TandemConfig, overrides: SearchOverrides): SearchSettings {
  const strategy = overrides.strategy ?? config.search.strategy;
  if (!searchStrategies.includes(strategy as SearchSettings['strategy'])) {
    throw new BadInputError(`--strategy: expected one of ${searchStrategies.join(', ')}, got "${strategy}"`, { value: strategy });
  }
  const budget = overrides.budgetMinutes ?? config.search.budgetMinutes;
  return {
    strategy: strategy as SearchSettings['strategy'],
    trials: overrides.trials ?? config.search.trials,
    parallel: overrides.parallel ?? config.search.parallel ?? defaultParallelism(),
    seed: overrides.seed ?? config.search.seed,
    startupTrials: config.search.startupTrials,
    asha: config.search.asha,
    space: resolveConfigSearchSpace(config.search.space, config.tasks),
    ...(budget === undefined ? {} : { budgetMinutes: budget }),
  };
}

/** Launches each trial as a local `tandem trial` worker process on the same store. */
export function localTrialLauncher(store: BlobStore, context: Pick<CommandContext, 'env'>): (spec: Parameters<typeof runTrialProcess>[0], onStart: (pid: number) => void) => Promise<void> {
  const command: TrialProcessCommand = trialWorkerCommand(store.uri, context.env.backend);
  return (spec, onStart) => runTrialProcess(spec, command, onStart);
}

/** Runs a new search over an ingested dataset with local worker processes. */
export function runLocalSearch(context: Pick<CommandContext, 'env' | 'log'>, store: BlobStore, config: TandemConfig, manifest: DatasetManifest, settings: SearchSettings): Promise<SearchResult> {
  context.log(`search: ${settings.strategy}, ${settings.trials} trials + a single baseline, ${settings.parallel} at a time, on ${manifest.datasetId}`);
  return runSearch({
    store,
    launch: localTrialLauncher(store, context),
    log: context.log,
    start: { settings, defaults: { name: config.name, datasetId: manifest.datasetId, tasks: manifest.tasks, params: config.model, features: config.features, selection: config.selection } },
  });
}
