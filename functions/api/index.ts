import { handle } from 'hono/aws-lambda';
import { TandemError } from '../../src/errors/tandem-error.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { createApp } from '../../src/serve/app.ts';
import { createChampionModelSource } from '../../src/serve/champion-model-source.ts';
import { createFunctionContext, traced } from '../function-context.ts';
import { MissingEnvironmentError, requireEnvironment } from '../function-environment.ts';
import { recordApiRequest, routeOf } from './api-request-metrics.ts';
import { createApiKeySource, readSecretThroughExtension, secretsExtensionPort } from './api-keys.ts';
import { ApiKeysUnavailableError } from './api-keys-unavailable-error.ts';

const context = createFunctionContext('api');
// The project (a config's name) whose champion this API serves: other projects share the store, not the API.
const { project } = context.env;
if (project === undefined) throw new MissingEnvironmentError('TANDEM_PROJECT');
// The keys' secret (set by the API stack): its keys replace TANDEM_API_KEYS, and a rotation needs no deploy.
const apiKeysSecret = process.env.TANDEM_API_KEYS_SECRET;
if (apiKeysSecret !== undefined && apiKeysSecret !== '' && context.env.apiKeys.length > 0) {
  throw new TandemError('set TANDEM_API_KEYS_SECRET or TANDEM_API_KEYS, not both: the API would not know whose keys to check', { value: 'TANDEM_API_KEYS' });
}
const apiKeys = apiKeysSecret === undefined || apiKeysSecret === ''
  ? undefined
  : createApiKeySource({
    secretId: apiKeysSecret,
    read: readSecretThroughExtension({
      sessionToken: requireEnvironment(process.env, 'AWS_SESSION_TOKEN'),
      // The extension's own setting for its port (unset: its default).
      port: Number(process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? secretsExtensionPort),
    }),
    log: (message) => context.logger.warn(message),
  });
// libtensorflow does not fit a Lambda package: the API scores with the wasm backend.
await selectBackend(context.env.backend ?? 'wasm');
// A frozen Lambda runs no timers: the pointer is read on each invocation instead of polled.
const models = await createChampionModelSource(context.store, { project, pollMs: 0, log: (message) => context.logger.warn(message) });

type Serve = ReturnType<typeof handle>;
/** The app for one set of keys (rebuilt only when a rotation changes them), and the one signed requests reach. */
let keyed: { id: string; serve: Serve } | undefined;
let signed: Serve | undefined;
// One request per instance at a time: micro-batching would only add its window to every request.
const serveWith = (keys: readonly string[]): Serve => {
  const app = createApp({ models, apiKeys: keys, log: (message) => context.logger.error(message), batchWindowMs: 0 });
  for (const { path } of app.routes) if (!path.includes('*')) routes.add(path);
  return handle(app);
};
/** The app's fixed route paths: the `route` dimension of the request metrics. */
const routes = new Set<string>();

/** The request's path: payload 2.0 (HTTP API, function URL) names it `rawPath`, 1.0 `path`. */
function requestPath(event: Parameters<Serve>[0]): string {
  const { rawPath, path } = event as { rawPath?: string; path?: string };
  return rawPath ?? path ?? '';
}

/**
 * Whether the function URL let the request in on a valid SigV4 signature (its `AWS_IAM` auth): IAM has authenticated
 * the caller, so no API key is asked for. Requests through the HTTP API carry no IAM authorizer.
 */
function isIamSigned(event: Parameters<Serve>[0]): boolean {
  const requestContext = (event as { requestContext?: { authorizer?: { iam?: unknown } } }).requestContext;
  return requestContext?.authorizer?.iam !== undefined;
}

/**
 * Lambda: the HTTP API (SPEC §7) serving the champion of `TANDEM_PROJECT`, behind the API stack's HTTP API (callers
 * with an `x-api-key` from the keys' secret) and its IAM-only function URL (callers that sign).
 */
export const handler: Serve = async (event, lambdaContext) => {
  const started = performance.now();
  context.metrics.captureColdStartMetric();
  let status = 500;
  try {
    // The tracer only once loaded: its import stays off the cold start (see below).
    const response = await traced(context.tracer, '## handler', () => answer(event, lambdaContext));
    status = response.statusCode;
    return response;
  } finally {
    recordApiRequest(context.metrics, { route: routeOf(requestPath(event), routes), status, latencyMs: performance.now() - started });
    // Tracer's X-Ray SDK takes about 0.2 s to evaluate: loaded after the first answer is out (in the gap before the
    // next invocation), so the cold start does not wait for it and later requests are traced.
    if (context.tracer === undefined) setTimeout(() => void context.loadTracer().catch((error: unknown) => context.logger.warn('tracer unavailable', { error: error as Error })), 0).unref();
  }
};

/** Answers one request: the app for its caller (signed, or with a key from the secret). */
const answer: Serve = async (event, lambdaContext) => {
  await models.refresh();
  if (isIamSigned(event)) return (signed ??= serveWith([]))(event, lambdaContext);
  let keys = context.env.apiKeys;
  if (apiKeys !== undefined) {
    try {
      keys = await apiKeys.current();
    } catch (error) {
      if (!(error instanceof ApiKeysUnavailableError)) throw error;
      context.logger.error('API keys unavailable', { error });
      // The app's error shape; events come from the HTTP API or the function URL (payload 2.0: single-value headers).
      return {
        statusCode: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '30' },
        body: JSON.stringify({ error: { code: 'keys_unavailable', message: 'the API cannot check keys right now; retry shortly', details: [] } }),
        isBase64Encoded: false,
      } as Awaited<ReturnType<Serve>>;
    }
  }
  // Keys are never empty nor hold a newline: joined they name the set; a re-read of the same keys keeps the app.
  const id = keys.join('\n');
  if (keyed?.id !== id) keyed = { id, serve: serveWith(keys) };
  return keyed.serve(event, lambdaContext);
};
