/** Options every Tandem error accepts: the underlying cause and the offending value. */
export interface TandemErrorOptions {
  readonly cause?: unknown;
  /** The value at fault (a flag, a cell, a key), kept for logs and API details. */
  readonly value?: unknown;
}

/**
 * Base of every error Tandem raises on purpose. `name` is API: the CLI maps it to an exit code, the HTTP app to a
 * status code and the workflow's Catch to a branch, so subclasses set a stable `name`.
 */
export class TandemError extends Error {
  readonly value: unknown;
  /** Exit status the CLI uses for this error: 2 for bad usage or input, 1 for failures while running (130/143: stopped by a signal). */
  readonly exitCode: number = 1;

  constructor(message: string, options: TandemErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TandemError';
    this.value = options.value;
  }
}
