import type { InputIssue } from '../errors/bad-input-error.ts';
import { TandemError } from '../errors/tandem-error.ts';

/** HTTP statuses the API answers with on purpose. */
export type HttpErrorStatus = 400 | 401 | 404 | 405 | 413 | 500 | 503;

/** The JSON body of every error response (SPEC §7). */
export interface HttpErrorBody {
  readonly error: {
    /** Stable, machine-readable code (`invalid_rows`, `unauthorized`, `model_unavailable`, ...). */
    readonly code: string;
    readonly message: string;
    readonly details: readonly InputIssue[];
  };
}

/** Options of {@link HttpError}. */
export interface HttpErrorOptions {
  /** What exactly was wrong, located by a path such as `customers[1].tenure` or `body`. @default [] */
  readonly details?: readonly InputIssue[];
  /** Extra response headers (e.g. `connection: close` after a body that was not read to its end). @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/**
 * The one error the HTTP app throws on purpose; its `onError` turns it into `{"error":{code, message, details}}`
 * with `status`. Other Tandem errors are mapped there too (BadInputError → 400, NotFoundError → 404).
 */
export class HttpError extends TandemError {
  readonly status: HttpErrorStatus;
  readonly code: string;
  readonly details: readonly InputIssue[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: HttpErrorStatus, code: string, message: string, { details = [], headers = {}, cause }: HttpErrorOptions = {}) {
    super(message, cause === undefined ? {} : { cause });
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }

  /** The response body for this error. */
  toBody(): HttpErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}
