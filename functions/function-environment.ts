import { TandemError } from '../src/errors/tandem-error.ts';

/** A Lambda function started without a variable it needs. */
export class MissingEnvironmentError extends TandemError {
  constructor(variable: string) {
    super(`the function needs the environment variable ${variable}`, { value: variable });
    this.name = 'MissingEnvironmentError';
  }
}

/** Reads a required environment variable once, at cold start; a missing or empty one names the variable. */
export function requireEnvironment(env: NodeJS.ProcessEnv, variable: string): string {
  const value = env[variable];
  if (value === undefined || value === '') throw new MissingEnvironmentError(variable);
  return value;
}
