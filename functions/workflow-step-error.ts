import { TandemError, type TandemErrorOptions } from '../src/errors/tandem-error.ts';

/** A workflow step got an event it cannot work with (a state the workflow should never produce). */
export class WorkflowStepError extends TandemError {
  constructor(message: string, options: TandemErrorOptions = {}) {
    super(message, options);
    this.name = 'WorkflowStepError';
  }
}
