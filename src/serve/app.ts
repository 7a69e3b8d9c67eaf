import { createHash, timingSafeEqual } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import { bodyLimitForModel } from './body-limit.ts';
import { checkCustomerRows, type CheckedRows } from './check-customer-rows.ts';
import { renderDocsPage } from './docs-page.ts';
import { explainRows } from './explain-rows.ts';
import { HttpError, type HttpErrorBody } from './http-error.ts';
import { acquireModel, type ModelLease, type ModelSource } from './model-source.ts';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi-document.ts';
import { createPredictionBatcher } from './prediction-batcher.ts';
import { createServingForwardCache } from './serving-forward.ts';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Where the served model comes from (a fixed model, or the champion followed in the store). */
  readonly models: ModelSource;
  /**
   * Accepted `x-api-key` values; when given, every route but `/healthz` requires one (401 otherwise). A list that
   * holds only empty strings is refused (it would silently turn authentication off).
   * @default [] (no key needed)
   */
  readonly apiKeys?: readonly string[];
  /**
   * Most customers per request (413 above).
   * @default 1000
   */
  readonly maxRows?: number;
  /**
   * Largest request body in bytes (413 above), checked on Content-Length and on the bytes actually read.
   * @default derived from the served model: room for `maxRows` rows of its width, 1 to 32 MiB (see bodyLimitForModel)
   */
  readonly maxBodyBytes?: number;
  /**
   * Where unexpected failures (answered with a generic 500) are reported.
   * @default a line with the stack on stderr
   */
  readonly log?: (message: string) => void;
  /**
   * Micro-batching of `/v1/predict`: requests on the same model that arrive within this many milliseconds of the
   * first share one forward pass (each still gets exactly its own scores); 0 turns it off, which suits a Lambda
   * (one request per instance at a time).
   * @default 1
   */
  readonly batchWindowMs?: number;
}

/** The methods each route answers; any other method on these paths is a 405 with an `Allow` header. */
const ROUTE_METHODS: Readonly<Record<string, string>> = {
  '/v1/predict': 'POST',
  '/v1/explain': 'POST',
  '/v1/model': 'GET, HEAD',
  '/healthz': 'GET, HEAD',
  '/openapi.json': 'GET, HEAD',
  '/docs': 'GET, HEAD',
  '/': 'GET, HEAD',
};

/**
 * Builds the HTTP API (SPEC §7) as one Hono app: `tandem serve` runs it with `@hono/node-server` and the Lambda
 * handler wraps it with `hono/aws-lambda`. Routes: `POST /v1/predict`, `POST /v1/explain`, `GET /v1/model`,
 * `GET /healthz`, `GET /openapi.json`, `GET /docs`. Every error is `{"error":{code, message, details}}`.
 * Each request borrows one model from `models` for its whole life, so a champion swap never fails it. Concurrent
 * predictions share forward passes (`batchWindowMs`); explanations yield to the event loop between chunks.
 *
 * @throws BadInputError when `apiKeys` is non-empty but holds no non-empty key, or `batchWindowMs` is negative.
 */
export function createApp({
  models,
  apiKeys = [],
  maxRows = 1000,
  maxBodyBytes,
  log = (message: string) => console.error(message),
  batchWindowMs = 1,
}: AppOptions): Hono {
  const keyDigests = apiKeys.filter((key) => key.trim() !== '').map(sha256);
  if (apiKeys.length > 0 && keyDigests.length === 0) {
    throw new BadInputError(`apiKeys holds no key (${JSON.stringify(apiKeys)}): pass real keys, or none to serve without authentication`, {
      value: apiKeys,
    });
  }
  const apiKeyRequired = keyDigests.length > 0;
  const bodyLimitOf = (model: LoadedModel | undefined): number => maxBodyBytes ?? bodyLimitForModel(model, maxRows);
  // Each served model's forward pass is compiled once, on its first prediction or explanation.
  const forwardOf = createServingForwardCache();
  const predictions = createPredictionBatcher({ windowMs: batchWindowMs, maxBatchRows: maxRows, forwardOf });
  const app = new Hono();

  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error);
    if (status === 500) log(`${c.req.method} ${c.req.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    const headers = error instanceof HttpError ? error.headers : {};
    return c.json(body, status, { ...headers });
  });
  app.notFound((c) => c.json(new HttpError(404, 'not_found', `no route ${c.req.method} ${c.req.path}; see GET /docs`).toBody(), 404));

  // Readiness and liveness in one: a server without a model cannot answer a prediction, so it is not healthy.
  app.get('/healthz', (c) => {
    const model = models.current();
    if (model === undefined) throw noModel();
    return c.json({ status: 'ok', modelId: model.modelId });
  });

  app.use('*', async (c, next) => {
    if (!apiKeyRequired || c.req.path === '/healthz') return next();
    const given = c.req.header('x-api-key');
    if (given === undefined || !matchesAnyKey(given, keyDigests)) {
      throw new HttpError(401, 'unauthorized', given === undefined ? 'missing x-api-key header' : 'wrong x-api-key');
    }
    return next();
  });

  // The model is borrowed before the body is read: its width sets the body limit, and without one the answer is 503.
  app.post('/v1/predict', (c) =>
    withModel(models, async (model) => {
      const { rows, warnings } = await readRows(c, model, { maxRows, maxBodyBytes: bodyLimitOf(model) });
      return c.json({ modelId: model.modelId, predictions: await predictions.score(model, rows), warnings });
    }),
  );

  app.post('/v1/explain', (c) =>
    withModel(models, async (model) => {
      const { rows, warnings } = await readRows(c, model, { maxRows, maxBodyBytes: bodyLimitOf(model) });
      return c.json({ modelId: model.modelId, explanations: await explainRows(model, rows, { forward: forwardOf(model) }), warnings });
    }),
  );

  app.get('/v1/model', (c) => withModel(models, (model) => c.json(model.card)));

  let cachedDocument: { modelId: string | undefined; document: OpenApiDocument } | undefined;
  app.get('/openapi.json', (c) => {
    const model = models.current();
    if (cachedDocument === undefined || cachedDocument.modelId !== model?.modelId) {
      cachedDocument = {
        modelId: model?.modelId,
        document: buildOpenApiDocument({ ...(model === undefined ? {} : { model }), maxRows, maxBodyBytes: bodyLimitOf(model), apiKeyRequired }),
      };
    }
    return c.json(cachedDocument.document);
  });

  app.get('/docs', (c) => {
    const model = models.current();
    const baseUrl = new URL(c.req.url).origin;
    return c.html(renderDocsPage({ baseUrl, ...(model === undefined ? {} : { model }), apiKeyRequired, maxRows, maxBodyBytes: bodyLimitOf(model) }));
  });

  app.get('/', (c) => c.redirect('/docs'));

  // Registered last, so they answer only what the routes above did not: a known path with another method.
  for (const [path, allow] of Object.entries(ROUTE_METHODS)) {
    app.all(path, (c) => {
      throw new HttpError(405, 'method_not_allowed', `${c.req.method} is not allowed on ${path}; use ${allow}`, {
        details: [{ path: 'method', issue: `${c.req.method} not in ${allow}` }],
        headers: { allow },
      });
    });
  }

  return app;
}

/** Maps any thrown value to a status and the error body; unknown failures become a generic 500. */
function toErrorResponse(error: unknown): { status: ContentfulStatusCode; body: HttpErrorBody } {
  if (error instanceof HttpError) return { status: error.status, body: error.toBody() };
  if (error instanceof BadInputError) return { status: 400, body: { error: { code: 'bad_input', message: error.message, details: error.details } } };
  if (error instanceof NotFoundError) return { status: 404, body: { error: { code: 'not_found', message: error.message, details: [] } } };
  if (error instanceof HTTPException && error.status < 500) {
    const status = error.status as ContentfulStatusCode;
    return { status, body: { error: { code: status === 413 ? 'payload_too_large' : 'bad_request', message: error.message || 'bad request', details: [] } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal server error', details: [] } } };
}

function noModel(): HttpError {
  return new HttpError(503, 'model_unavailable', 'no model is loaded yet: train and promote a champion, then retry');
}

function bodyTooLarge(maxBodyBytes: number): HttpError {
  // The rest of the body is never read: tell the client not to reuse this connection for its next request.
  return new HttpError(413, 'payload_too_large', `request body is larger than ${maxBodyBytes} bytes, the limit for this model`, {
    details: [{ path: 'body', issue: `over ${maxBodyBytes} bytes` }],
    headers: { connection: 'close' },
  });
}

/**
 * Reads the body, at most `maxBodyBytes` of it: 413 at once when Content-Length says more, else counted while it
 * streams in (a chunked body, or a Content-Length that understates it), so an oversized body is never buffered whole.
 */
async function readBodyBytes(c: Context, maxBodyBytes: number): Promise<Uint8Array> {
  const incoming = unreadNodeBody(c);
  // From the Node request when there is one: c.req.header would build a Headers object for this one value.
  const declared = Number(incoming === undefined ? c.req.header('content-length') : incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
  if (incoming !== undefined) return readNodeBody(incoming, maxBodyBytes);
  const stream = c.req.raw.body;
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBodyBytes) {
      await reader.cancel().catch(() => undefined);
      throw bodyTooLarge(maxBodyBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/**
 * Under `@hono/node-server` (`tandem serve`), the Node request stream when nothing has read it yet. Reading it
 * directly skips building a WHATWG Request and stream around it, which cost more than scoring one row.
 */
function unreadNodeBody(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage && !incoming.readableDidRead && !incoming.readableEnded ? incoming : undefined;
}

/** {@link readBodyBytes} on a Node request stream: the same limit, counted while the body streams in. */
function readNodeBody(incoming: IncomingMessage, maxBodyBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const settle = (): void => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      length += chunk.byteLength;
      if (length > maxBodyBytes) {
        settle();
        // The rest is never read: the 413 closes the connection (see bodyTooLarge).
        incoming.pause();
        reject(bodyTooLarge(maxBodyBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      settle();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length));
    };
    const onError = (error: Error): void => {
      settle();
      reject(error);
    };
    const onClose = (): void => {
      settle();
      reject(new HTTPException(400, { message: 'the request was closed before its body was read' }));
    };
    incoming.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Reads `{"customers":[...]}` and checks its rows against `model`: 413 over `maxBodyBytes` or over `maxRows` rows,
 * 400 for anything that is not 1.. valid rows (every issue located by its path), unknown fields as warnings.
 */
async function readRows(c: Context, model: LoadedModel, { maxRows, maxBodyBytes }: { maxRows: number; maxBodyBytes: number }): Promise<CheckedRows> {
  const bytes = await readBodyBytes(c, maxBodyBytes);
  const example = 'send {"customers":[{...feature columns...}]}';
  if (bytes.byteLength === 0) throw invalidRequest('invalid_json', `request body is empty; ${example}`, 'body', 'empty');
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    const issue = error instanceof Error ? error.message : String(error);
    throw invalidRequest('invalid_json', `request body is not valid JSON (${issue}); ${example}`, 'body', issue);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('invalid_request', `request body must be a JSON object; ${example}`, 'body', 'must be an object');
  }
  const customers = (body as { customers?: unknown }).customers;
  if (customers === undefined) throw invalidRequest('invalid_request', `"customers" is missing; ${example}`, 'customers', 'required');
  if (!Array.isArray(customers)) {
    throw invalidRequest('invalid_request', `"customers" must be an array of customer objects; ${example}`, 'customers', 'must be an array');
  }
  if (customers.length === 0) throw invalidRequest('invalid_request', '"customers" is empty; send 1 or more customers', 'customers', 'must hold at least 1 customer');
  if (customers.length > maxRows) {
    throw new HttpError(413, 'payload_too_large', `${customers.length} customers in one request, more than the limit of ${maxRows}; split the batch`, {
      details: [{ path: 'customers', issue: `${customers.length} rows, at most ${maxRows}` }],
    });
  }
  const { issues, rows, warnings } = checkCustomerRows(model, customers);
  if (issues.length > 0) {
    const shown = issues.slice(0, 3).map((i) => `${i.path} ${i.issue}`);
    const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
    throw new HttpError(400, 'invalid_rows', `invalid customer rows: ${shown.join('; ')}${more}`, { details: issues });
  }
  return { rows, warnings };
}

/** Strict UTF-8: invalid bytes are a 400, not replacement characters. Stateless (no `stream` option), so shared. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

function invalidRequest(code: string, message: string, path: string, issue: string): HttpError {
  return new HttpError(400, code, message, { details: [{ path, issue }] });
}

/** Runs `handle` with one borrowed model (503 when none is loaded) and gives it back however `handle` ends. */
async function withModel<T>(models: ModelSource, handle: (model: LoadedModel) => T | Promise<T>): Promise<T> {
  const lease: ModelLease | undefined = acquireModel(models);
  if (lease === undefined) throw noModel();
  try {
    return await handle(lease.model);
  } finally {
    lease.release();
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares digests (equal length) in constant time and checks every key, so timing tells nothing about a key. */
function matchesAnyKey(given: string, keyDigests: readonly Buffer[]): boolean {
  const digest = sha256(given);
  let matched = false;
  for (const key of keyDigests) matched = timingSafeEqual(digest, key) || matched;
  return matched;
}
