import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { readEnvironment, type TandemEnvironment } from '../src/config/environment.ts';
import type { BlobStore } from '../src/store/blob-store.ts';
import { openStore } from '../src/store/open-store.ts';
import { S3Store } from '../src/store/s3-store.ts';
import { requireEnvironment } from './function-environment.ts';

/** The CloudWatch namespace of every Tandem function's metrics (EMF lines on stdout, turned into metrics by Lambda). */
export const metricsNamespace = 'Tandem';

/** What every Tandem Lambda function is built from, once per cold start. */
export interface FunctionContext {
  readonly store: BlobStore;
  readonly logger: Logger;
  /** Powertools Metrics (namespace {@link metricsNamespace}, dimension `service`): flushed as EMF lines on stdout. */
  readonly metrics: Metrics;
  readonly env: TandemEnvironment;
  /**
   * Loads Powertools Tracer (once; later calls return the same one) and captures the store's S3 client; undefined
   * where nothing would record traces ({@link isTracingActive} false). Loaded on demand: its X-Ray SDK costs about
   * 0.2 s to evaluate, which the API keeps off its cold start.
   */
  loadTracer(): Promise<Tracer | undefined>;
  /** The tracer once {@link loadTracer} has loaded it, else undefined (never waits). */
  readonly tracer: Tracer | undefined;
}

/**
 * Reads a function's configuration once: `TANDEM_STORE` (required; `s3://bucket/prefix` on AWS) and Tandem's other
 * variables, and sets up its logger, metrics and (on demand) tracer, all named `tandem-<serviceName>`. A missing
 * variable fails the cold start with its name (MissingEnvironmentError).
 */
export function createFunctionContext(serviceName: string, env: NodeJS.ProcessEnv = process.env): FunctionContext {
  const storeUri = requireEnvironment(env, 'TANDEM_STORE');
  const tandemEnv = readEnvironment(env);
  const service = `tandem-${serviceName}`;
  const store = openStore(storeUri, { s3ClientConfig: tandemEnv.s3ClientConfig });
  let tracer: Tracer | undefined;
  let loading: Promise<Tracer | undefined> | undefined;
  const tracing = isTracingActive(env);
  return {
    store,
    logger: new Logger({ serviceName: service }),
    metrics: new Metrics({ namespace: metricsNamespace, serviceName: service }),
    env: tandemEnv,
    loadTracer: () => (loading ??= !tracing ? Promise.resolve(undefined) : import('@aws-lambda-powertools/tracer').then(({ Tracer }) => {
      tracer = new Tracer({ serviceName: service });
      // The store's reads and writes appear as S3 subsegments of the invocation's trace.
      if (store instanceof S3Store) tracer.captureAWSv3Client(store.client);
      return tracer;
    })),
    get tracer() {
      return tracer;
    },
  };
}

/**
 * Whether this function's invocations are traced: Lambda sets `AWS_XRAY_DAEMON_ADDRESS` when active tracing is on
 * (infra: TandemFunction), and `POWERTOOLS_TRACE_ENABLED=false` turns Tracer off. Elsewhere (tests, benchmarks, a
 * function deployed without tracing) Tracer is never loaded.
 */
export function isTracingActive(env: NodeJS.ProcessEnv): boolean {
  return (env.AWS_XRAY_DAEMON_ADDRESS ?? '') !== '' && env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false';
}

/**
 * Runs `work` in an X-Ray subsegment `name` of the invocation's segment (annotated with the cold start and the
 * service; an error is added as metadata and rethrown). Without a tracer, or outside a traced invocation, it just
 * runs `work`.
 */
export async function traced<T>(tracer: Tracer | undefined, name: string, work: () => Promise<T>): Promise<T> {
  const parent = tracer?.getSegment();
  if (tracer === undefined || parent === undefined) return work();
  const subsegment = parent.addNewSubsegment(name);
  tracer.setSegment(subsegment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  try {
    return await work();
  } catch (error) {
    tracer.addErrorAsMetadata(error as Error);
    throw error;
  } finally {
    subsegment.close();
    tracer.setSegment(parent);
  }
}

/**
 * Wraps a workflow step as a Lambda handler: traces it (subsegment `## step`, annotated with the run id), logs the
 * step's start and end with the run id, emits `StepSucceeded` or `StepFailed` and `StepDuration` (plus `ColdStart`
 * once), and logs then rethrows a failure unchanged, so the error's `name` is what the workflow's Retry and Catch match.
 */
export function stepHandler<I, O>(context: FunctionContext, step: (input: I) => Promise<O>): (event: I) => Promise<O> {
  return async (event) => {
    const runId = typeof event === 'object' && event !== null && 'runId' in event ? (event as { runId: unknown }).runId : undefined;
    const tracer = await context.loadTracer();
    const { metrics } = context;
    metrics.captureColdStartMetric();
    const started = performance.now();
    context.logger.info('step started', { runId });
    let failed = false;
    try {
      return await traced(tracer, '## step', async () => {
        if (typeof runId === 'string') tracer?.putAnnotation('runId', runId);
        const output = await step(event);
        context.logger.info('step finished', { runId });
        return output;
      });
    } catch (error) {
      failed = true;
      context.logger.error('step failed', { runId, error: error as Error });
      throw error;
    } finally {
      metrics.addMetric(failed ? 'StepFailed' : 'StepSucceeded', MetricUnit.Count, 1);
      metrics.addMetric('StepDuration', MetricUnit.Milliseconds, performance.now() - started);
      metrics.publishStoredMetrics();
    }
  };
}
