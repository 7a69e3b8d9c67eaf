import type { LoadedModel } from '../model/model-artifacts.ts';
import { loadModelFolder, modelFolder } from '../model/model-artifacts.ts';
import { assertProjectName, readChampion } from '../registry/champion.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { LeasedModel, type ModelLease, type ModelSource } from './model-source.ts';

/** Options of {@link createChampionModelSource}. */
export interface ChampionModelSourceOptions {
  /** The project (a config's `name`) whose champion is served; other projects' promotions are never picked up. */
  readonly project: string;
  /**
   * How often the project's pointer `champions/<name>.json` is read for a new champion; 0 turns polling off (call
   * `refresh()` instead, e.g. once per Lambda invocation).
   * @default 5000
   */
  readonly pollMs?: number;
  /**
   * Where swaps and load failures are reported.
   * @default a line on stderr
   */
  readonly log?: (message: string) => void;
}

/** A model source that follows one project's champion pointer. */
export interface ChampionModelSource extends ModelSource {
  acquire(): ModelLease | undefined;
  /** Reads the pointer now and, when it names another model, loads that model and swaps it in. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves the champion of `project` in `store` and follows its pointer `champions/<name>.json` (an older store's
 * `models/champion.json` while it names a model of this project) without a restart (SPEC §7). The champion is
 * loaded at start (none yet: `current()` is undefined and the API answers 503 until one is promoted). Every
 * `pollMs` the pointer is read; a new champion is loaded completely before it replaces the old one, requests in
 * flight keep the model they started with, and the old network is disposed when the last of them finishes. When
 * the pointer cannot be read or the new model cannot be loaded, the old model stays in service, the failure is
 * logged once, and the next poll tries again.
 */
export async function createChampionModelSource(
  store: BlobStore,
  { project, pollMs = 5000, log = (message: string) => console.error(message) }: ChampionModelSourceOptions,
): Promise<ChampionModelSource> {
  // A name that cannot be a key fails here, not at every poll.
  assertProjectName(project);
  let served: LeasedModel | undefined;
  let closed = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  // The last failure reported, so a broken champion is logged once rather than every poll.
  let lastFailure: string | undefined;

  const reportFailure = (failure: string): void => {
    if (failure !== lastFailure) log(failure);
    lastFailure = failure;
  };

  const check = async (): Promise<void> => {
    let modelId: string | undefined;
    try {
      modelId = (await readChampion(store, project))?.modelId;
    } catch (error) {
      reportFailure(`champion pointer of project ${project} in ${store.uri} unreadable, still serving ${served?.model.modelId ?? 'no model'}: ${describe(error)}`);
      return;
    }
    // No pointer (never promoted, or deleted by hand): keep whatever is served.
    if (modelId === undefined || modelId === served?.model.modelId) return;
    let model: LoadedModel;
    try {
      model = await loadModelFolder(store, modelFolder(modelId));
    } catch (error) {
      reportFailure(`cannot load champion ${modelId} of project ${project} from ${store.uri}, still serving ${served?.model.modelId ?? 'no model'}: ${describe(error)}`);
      return;
    }
    if (closed) {
      model.network.dispose();
      return;
    }
    const previous = served;
    served = new LeasedModel(model);
    previous?.retire();
    lastFailure = undefined;
    log(`serving champion ${model.modelId} of project ${project}${previous === undefined ? '' : ` (replaces ${previous.model.modelId})`}`);
  };

  const refresh = (): Promise<void> => {
    // One check at a time: a slow load is not started twice by overlapping polls.
    running ??= check().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (): void => {
    if (closed || pollMs <= 0) return;
    timer = setTimeout(() => {
      void refresh()
        .catch((error: unknown) => log(`champion check failed: ${describe(error)}`))
        .finally(schedule);
    }, pollMs);
    // Polling alone must not keep a process (a CLI test, a finished script) alive.
    timer.unref();
  };

  await refresh();
  schedule();

  return {
    current: () => served?.model,
    acquire: () => served?.lease(),
    refresh,
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await running;
      served?.retire();
      served = undefined;
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
