import type { TandemConfig } from '../src/config/schema.ts';
import { selectBackend } from '../src/model/backend.ts';
import { describeBackend, formatBackendLine } from '../src/model/describe-backend.ts';
import type { DatasetManifest } from '../src/data/labelled-row.ts';
import { runSearch, type SearchResult, type TrialLauncher } from '../src/search/run-search.ts';
import { fixedTrialsText, resolveSearchSettings as resolveSettings, trialDefaultsOf, type SearchOverrides } from '../src/search/search-settings.ts';
import type { SearchSettings } from '../src/search/stored-run.ts';
import { runTrialProcess, signalWorkerPid, type TrialProcessCommand } from '../src/search/trial-process.ts';
import type { BlobStore } from '../src/store/blob-store.ts';
import type { CommandContext } from './command.ts';
import type { StopControl } from './stop-signals.ts';
import { defaultParallelism, trialWorkerCommand } from './trial-worker-command.ts';

/** The search settings of a config with the caller's overrides (flags); parallelism defaults to one trial per core. */
export function resolveSearchSettings(config: TandemConfig, overrides: SearchOverrides): SearchSettings {
  return resolveSettings(config, overrides, { defaultParallel: defaultParallelism() });
}

/** Launches each trial as a local `tandem trial` worker process on the same store (see {@link trialWorkerLauncher}). */
export function localTrialLauncher(store: BlobStore, context: Pick<CommandContext, 'env'>, stop?: StopControl): TrialLauncher {
  return trialWorkerLauncher(trialWorkerCommand(store.uri, context.env.backend), stop);
}

/**
 * Launches trials as `command` worker processes. A launch's signal stops its worker (SIGTERM to its process group,
 * SIGKILL after a grace period); with `stop`, a forced exit (a second Ctrl-C) SIGKILLs every worker still running, so
 * none outlives the command.
 */
export function trialWorkerLauncher(command: TrialProcessCommand, stop?: StopControl): TrialLauncher {
  const workers = new Set<number>();
  stop?.onForcedExit(() => {
    for (const pid of workers) signalWorkerPid(pid, 'SIGKILL');
  });
  return (spec, onStart, signal) => {
    let pid: number | undefined;
    const started = (worker: number): void => {
      pid = worker;
      workers.add(worker);
      onStart(worker);
    };
    return runTrialProcess(spec, command, started, signal === undefined ? {} : { signal }).finally(() => {
      if (pid !== undefined) workers.delete(pid);
    });
  };
}

/**
 * Selects this process's backend as the trial workers select theirs (TANDEM_BACKEND, else tfjs-node, wasm, cpu): the
 * search's closing scores its ensembles here and, with `search.ensembleFolds`, trains fold copies here too — left to
 * TensorFlow.js's default it ran on the plain-JS cpu backend, many times slower than wasm. Returns the log line.
 */
export async function selectClosingBackend(context: Pick<CommandContext, 'env'>): Promise<string> {
  await selectBackend(context.env.backend);
  return `search closing: ${formatBackendLine(await describeBackend())}`;
}

/** Runs a new search over an ingested dataset with local worker processes; `stop` interrupts it. */
export async function runLocalSearch(
  context: Pick<CommandContext, 'env' | 'log'>,
  store: BlobStore,
  config: TandemConfig,
  manifest: DatasetManifest,
  settings: SearchSettings,
  stop?: StopControl,
): Promise<SearchResult> {
  const backendLine = await selectClosingBackend(context);
  return runSearch({
    store,
    launch: localTrialLauncher(store, context, stop),
    log: context.log,
    // The run id comes first, so a person (or a script reading stderr) can follow, report or resume it.
    onRun: (run) => {
      context.log(`search run ${run.runId}: ${settings.strategy}, ${settings.trials} trials + ${fixedTrialsText(settings)}, ${settings.parallel} at a time, on ${manifest.datasetId}`);
      context.log(backendLine);
    },
    ...(stop === undefined ? {} : { signal: stop.signal }),
    start: { settings, defaults: trialDefaultsOf(config, manifest) },
  });
}

/** The command that resumes run `runId`: with `--store` when the store is not the default one. */
export async function resumeCommand(context: Pick<CommandContext, 'flags' | 'optionalConfig'>, store: BlobStore, runId: string): Promise<string> {
  const chosen = typeof context.flags.store === 'string' ? context.flags.store : (await context.optionalConfig().catch(() => undefined))?.store;
  const storeFlag = chosen === undefined || chosen === 'file://.tandem' ? '' : ` --store ${shellQuote(typeof context.flags.store === 'string' ? context.flags.store : store.uri)}`;
  return `npm run --silent tandem -- search --resume ${shellQuote(runId)}${storeFlag}`;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
