import { TandemError, type TandemErrorOptions } from './tandem-error.ts';

/** A named thing (model, dataset, store key, champion) does not exist: exit code 2, HTTP 404. */
export class NotFoundError extends TandemError {
  override readonly exitCode = 2;

  constructor(message: string, options: TandemErrorOptions = {}) {
    super(message, options);
    this.name = 'NotFoundError';
  }
}
