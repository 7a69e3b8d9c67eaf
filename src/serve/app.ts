import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { RawRow } from '../data/labelled-row.ts';
import { BadInputError, type InputIssue } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { validateRows } from '../features/preprocessor.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import { renderDocsPage } from './docs-page.ts';
import { explainRows } from './explain-rows.ts';
import { HttpError, type HttpErrorBody } from './http-error.ts';
import { acquireModel, type ModelLease, type ModelSource } from './model-source.ts';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi-document.ts';
import { scoreRows } from './score-rows.ts';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Where the served model comes from (a fixed model, or the champion followed in the store). */
  readonly models: ModelSource;
  /**
   * Accepted `x-api-key` values; when non-empty every route but `/healthz` requires one (401 otherwise). Empty
   * strings are ignored.
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
   * @default 1 MiB
   */
  readonly maxBodyBytes?: number;
  /**
   * Where unexpected failures (answered with a generic 500) are reported.
   * @default a line with the stack on stderr
   */
  readonly log?: (message: string) => void;
}

/**
 * Builds the HTTP API (SPEC §7) as one Hono app: `tandem serve` runs it with `@hono/node-server` and the Lambda
 * handler wraps it with `hono/aws-lambda`. Routes: `POST /v1/predict`, `POST /v1/explain`, `GET /v1/model`,
 * `GET /healthz`, `GET /openapi.json`, `GET /docs`. Every error is `{"error":{code, message, details}}`.
 * Each request borrows one model from `models` for its whole life, so a champion swap never fails it.
 */
export function createApp({
  models,
  apiKeys = [],
  maxRows = 1000,
  maxBodyBytes = 1 << 20,
  log = (message: string) => console.error(message),
}: AppOptions): Hono {
  const keyDigests = apiKeys.filter((key) => key !== '').map(sha256);
  const apiKeyRequired = keyDigests.length > 0;
  const app = new Hono();

  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error);
    if (status === 500) log(`${c.req.method} ${c.req.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    const headers = error instanceof HttpError ? error.headers : {};
    return c.json(body, status, { ...headers });
  });
  app.notFound((c) => c.json(new HttpError(404, 'not_found', `no route ${c.req.method} ${c.req.path}; see GET /docs`).toBody(), 404));

  app.get('/healthz', (c) => c.json({ status: 'ok', modelId: models.current()?.modelId ?? null }));

  app.use('*', async (c, next) => {
    if (!apiKeyRequired || c.req.path === '/healthz') return next();
    const given = c.req.header('x-api-key');
    if (given === undefined || !matchesAnyKey(given, keyDigests)) {
      throw new HttpError(401, 'unauthorized', given === undefined ? 'missing x-api-key header' : 'wrong x-api-key');
    }
    return next();
  });

  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        // The rest of the body is never read: tell the client not to reuse this connection for its next request.
        throw bodyTooLarge(maxBodyBytes, { connection: 'close' });
      },
    }),
  );

  app.post('/v1/predict', async (c) => {
    const customers = await readCustomers(c, { maxRows, maxBodyBytes });
    return withModel(models, async (model) => {
      const rows = checkRows(model, customers);
      return c.json({ modelId: model.modelId, predictions: await scoreRows(model, rows) });
    });
  });

  app.post('/v1/explain', async (c) => {
    const customers = await readCustomers(c, { maxRows, maxBodyBytes });
    return withModel(models, async (model) => {
      const rows = checkRows(model, customers);
      return c.json({ modelId: model.modelId, explanations: await explainRows(model, rows) });
    });
  });

  app.get('/v1/model', (c) => withModel(models, (model) => c.json(model.card)));

  let cachedDocument: { modelId: string | undefined; document: OpenApiDocument } | undefined;
  app.get('/openapi.json', (c) => {
    const model = models.current();
    if (cachedDocument === undefined || cachedDocument.modelId !== model?.modelId) {
      cachedDocument = { modelId: model?.modelId, document: buildOpenApiDocument({ ...(model === undefined ? {} : { model }), maxRows, maxBodyBytes, apiKeyRequired }) };
    }
    return c.json(cachedDocument.document);
  });

  app.get('/docs', (c) => {
    const model = models.current();
    const baseUrl = new URL(c.req.url).origin;
    return c.html(renderDocsPage({ baseUrl, ...(model === undefined ? {} : { model }), apiKeyRequired, maxRows, maxBodyBytes }));
  });

  app.get('/', (c) => c.redirect('/docs'));

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

function bodyTooLarge(maxBodyBytes: number, headers: Record<string, string> = {}): HttpError {
  return new HttpError(413, 'payload_too_large', `request body is larger than ${maxBodyBytes} bytes`, {
    details: [{ path: 'body', issue: `over ${maxBodyBytes} bytes` }],
    headers,
  });
}

/**
 * Reads `{"customers":[...]}`: 413 over `maxBodyBytes` (bodyLimit checked Content-Length or the stream; this counts
 * what was actually read) or over `maxRows` rows, 400 for anything else that is not 1.. rows.
 */
async function readCustomers(c: Context, { maxRows, maxBodyBytes }: { maxRows: number; maxBodyBytes: number }): Promise<unknown[]> {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
  const example = 'send {"customers":[{...feature columns...}]}';
  if (bytes.byteLength === 0) throw invalidRequest('invalid_json', `request body is empty; ${example}`, 'body', 'empty');
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
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
  return customers;
}

function invalidRequest(code: string, message: string, path: string, issue: string): HttpError {
  return new HttpError(400, code, message, { details: [{ path, issue }] });
}

/** Checks rows against the model's feature schema and id column; 400 listing every issue's path. */
function checkRows(model: LoadedModel, customers: readonly unknown[]): RawRow[] {
  const issues: InputIssue[] = validateRows(model.preprocessor, customers);
  const idColumn = model.card.idColumn;
  if (idColumn !== null) {
    customers.forEach((row, index) => {
      if (typeof row !== 'object' || row === null || Array.isArray(row)) return;
      const id = (row as Record<string, unknown>)[idColumn];
      if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') {
        issues.push({ path: `customers[${index}].${idColumn}`, issue: `must be a string or number, got ${JSON.stringify(id)}` });
      }
    });
  }
  if (issues.length > 0) {
    const shown = issues.slice(0, 3).map((i) => `${i.path} ${i.issue}`);
    const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
    throw new HttpError(400, 'invalid_rows', `invalid customer rows: ${shown.join('; ')}${more}`, { details: issues });
  }
  return customers as RawRow[];
}

/** Runs `handle` with one borrowed model (503 when none is loaded) and gives it back however `handle` ends. */
async function withModel<T>(models: ModelSource, handle: (model: LoadedModel) => T | Promise<T>): Promise<T> {
  const lease: ModelLease | undefined = acquireModel(models);
  if (lease === undefined) {
    throw new HttpError(503, 'model_unavailable', 'no model is loaded yet: train and promote a champion, then retry');
  }
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
