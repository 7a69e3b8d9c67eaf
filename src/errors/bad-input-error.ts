import { TandemError, type TandemErrorOptions } from './tandem-error.ts';

/** One problem in user input, located by a path such as `customers[3].tenure` or `telco.csv:17:Churn`. */
export interface InputIssue {
  readonly path: string;
  readonly issue: string;
}

/** Bad usage or bad input (config, data file, flag, request body): exit code 2, HTTP 400. */
export class BadInputError extends TandemError {
  override readonly exitCode = 2;
  readonly details: readonly InputIssue[];

  constructor(message: string, options: TandemErrorOptions & { details?: readonly InputIssue[] } = {}) {
    super(message, options);
    this.name = 'BadInputError';
    this.details = options.details ?? [];
  }
}
