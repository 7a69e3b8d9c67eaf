import { Logger } from '@aws-lambda-powertools/logger';
import { readEnvironment, type TandemEnvironment } from '../src/config/environment.ts';
import type { BlobStore } from '../src/store/blob-store.ts';
import { openStore } from '../src/store/open-store.ts';
import { requireEnvironment } from './function-environment.ts';

/** What every Tandem Lambda function is built from, once per cold start. */
export interface FunctionContext {
  readonly store: BlobStore;
  readonly logger: Logger;
  readonly env: TandemEnvironment;
}

/**
 * Reads a function's configuration once: `TANDEM_STORE` (required; `s3://bucket/prefix` on AWS) and Tandem's other
 * variables. A missing variable fails the cold start with its name (MissingEnvironmentError).
 */
export function createFunctionContext(serviceName: string, env: NodeJS.ProcessEnv = process.env): FunctionContext {
  const storeUri = requireEnvironment(env, 'TANDEM_STORE');
  const tandemEnv = readEnvironment(env);
  return {
    store: openStore(storeUri, { s3ClientConfig: tandemEnv.s3ClientConfig }),
    logger: new Logger({ serviceName: `tandem-${serviceName}` }),
    env: tandemEnv,
  };
}

/**
 * Wraps a workflow step as a Lambda handler: logs the step's start and end with the run id, and logs then rethrows
 * a failure unchanged, so the error's `name` is what the workflow's Retry and Catch match.
 */
export function stepHandler<I, O>(context: FunctionContext, step: (input: I) => Promise<O>): (event: I) => Promise<O> {
  return async (event) => {
    const runId = typeof event === 'object' && event !== null && 'runId' in event ? (event as { runId: unknown }).runId : undefined;
    context.logger.info('step started', { runId });
    try {
      const output = await step(event);
      context.logger.info('step finished', { runId });
      return output;
    } catch (error) {
      context.logger.error('step failed', { runId, error: error as Error });
      throw error;
    }
  };
}
