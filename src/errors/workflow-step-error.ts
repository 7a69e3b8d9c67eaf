import { TandemError, type TandemErrorOptions } from './tandem-error.ts';

/**
 * A workflow step (a Lambda, or a Batch job the workflow starts) got an event it cannot work with: a state the
 * workflow should never produce. Its name is what the workflow's Catch sees.
 */
export class WorkflowStepError extends TandemError {
  constructor(message: string, options: TandemErrorOptions = {}) {
    super(message, options);
    this.name = 'WorkflowStepError';
  }
}
