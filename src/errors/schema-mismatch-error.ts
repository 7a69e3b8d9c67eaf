import { BadInputError } from './bad-input-error.ts';

/**
 * A challenger whose tasks or feature schema differ from its project's champion (SPEC §8): exit code 2, never
 * promoted by the champion/challenger rules. The message names each difference on a line of its own (`tasks: ...`,
 * `features: ...`), as do `details`.
 */
export class SchemaMismatchError extends BadInputError {
  /** Each difference in words, e.g. `feature tenure is categorical, the champion's is numeric`. */
  readonly differences: readonly string[];

  /** `advice`: what the caller can do about it, put after the first line. */
  constructor(challengerId: string, championId: string, differences: readonly string[], advice?: string) {
    const details = differences.map((issue) => ({ path: issue.startsWith('feature ') ? 'features' : 'tasks', issue }));
    super(
      [
        `challenger ${challengerId} does not have the tasks and features of champion ${championId}${advice === undefined ? '' : ` (${advice})`}:`,
        ...details.map((detail) => `  ${detail.path}: ${detail.issue}`),
      ].join('\n'),
      { value: challengerId, details },
    );
    this.name = 'SchemaMismatchError';
    this.differences = differences;
  }
}
