import { TandemError } from '../../src/errors/tandem-error.ts';

/** The API's keys could not be read from their secret (and no earlier read is cached): the API cannot authenticate. */
export class ApiKeysUnavailableError extends TandemError {
  constructor(secretId: string, reason: string, cause?: unknown) {
    super(`the API keys could not be read from secret ${secretId}: ${reason}`, { value: secretId, cause });
    this.name = 'ApiKeysUnavailableError';
  }
}
