import type { LoadedModel } from '../model/model-artifacts.ts';

/** A model borrowed for one request: the source does not dispose it before `release()`. */
export interface ModelLease {
  readonly model: LoadedModel;
  /** Ends the borrow; calling it again does nothing. */
  release(): void;
}

/**
 * Where the HTTP app gets the model to serve. `current()` may change between requests (a new champion); a request
 * uses one model from start to end, borrowed with `acquire()` when the source offers it.
 */
export interface ModelSource {
  /** The model served now, or undefined while none is loaded (the API answers 503). */
  current(): LoadedModel | undefined;
  /**
   * Borrows the current model so that a swap cannot dispose it mid-request. Sources without it never dispose a
   * model while serving.
   */
  acquire?(): ModelLease | undefined;
  /** Stops background work and disposes the served network once no request borrows it. */
  close?(): Promise<void>;
}

/**
 * A loaded model with a borrow count: `retire()` marks it as replaced and its network is disposed as soon as the
 * last lease is released (at once when none is out), so requests in flight finish on the model they started with.
 */
export class LeasedModel {
  readonly model: LoadedModel;
  #leases = 0;
  #retired = false;
  #disposed = false;

  constructor(model: LoadedModel) {
    this.model = model;
  }

  /** Leases currently out. */
  get activeLeases(): number {
    return this.#leases;
  }

  /** Whether the network has been disposed (retired and no lease out). */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Borrows the model; pair every call with `release()`. */
  lease(): ModelLease {
    this.#leases++;
    let released = false;
    return {
      model: this.model,
      release: () => {
        if (released) return;
        released = true;
        this.#leases--;
        this.#disposeIfIdle();
      },
    };
  }

  /** Marks the model as no longer served; disposes it once idle. */
  retire(): void {
    this.#retired = true;
    this.#disposeIfIdle();
  }

  #disposeIfIdle(): void {
    if (!this.#retired || this.#leases > 0 || this.#disposed) return;
    this.#disposed = true;
    this.model.network.dispose();
  }
}

/**
 * A source that always serves the same model (`tandem serve --model ID|PATH`), or none (every scoring route answers
 * 503). `close()` disposes the model's network once no request borrows it.
 */
export function createFixedModelSource(model: LoadedModel | undefined): ModelSource {
  const leased = model === undefined ? undefined : new LeasedModel(model);
  let closed = false;
  return {
    current: () => (closed ? undefined : leased?.model),
    acquire: () => (closed ? undefined : leased?.lease()),
    close: async () => {
      closed = true;
      leased?.retire();
    },
  };
}

/** Borrows the source's current model for one request, or undefined when none is loaded. */
export function acquireModel(source: ModelSource): ModelLease | undefined {
  if (source.acquire !== undefined) return source.acquire();
  const model = source.current();
  return model === undefined ? undefined : { model, release: () => undefined };
}
