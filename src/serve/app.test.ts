import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { readTable } from '../data/read-table.ts';
import { loadModel, type LoadedModel } from '../model/model-artifacts.ts';
import { FileStore } from '../store/file-store.ts';
import { tinyDataFile, trainTinyModel } from '../../test/helpers/train-tiny-model.ts';
import { createApp } from './app.ts';
import { createFixedModelSource, type ModelSource } from './model-source.ts';
import { errorBodySchema, explainResponseSchema, healthSchema, predictResponseSchema } from './openapi-document.ts';
import { scoreRows } from './score-rows.ts';
import { startServer, type RunningServer } from './start-server.ts';

interface ErrorBody {
  error: { code: string; message: string; details: { path: string; issue: string }[] };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

async function expectError(response: Response, status: number, code: string): Promise<ErrorBody> {
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${await response.clone().text()}`);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  const body = errorBodySchema.parse(await response.json()) as ErrorBody;
  assert.equal(body.error.code, code);
  return body;
}

describe('HTTP API', () => {
  let folder: string;
  let model: LoadedModel;
  let models: ModelSource;
  let server: RunningServer;
  let app: ReturnType<typeof createApp>;
  const customers = [
    { customer_id: 'A1', plan: 'basic', internet: 'DSL', tenure: 3 },
    { customer_id: 'A2', plan: 'pro', internet: 'Fiber optic', tenure: '48' },
    { customer_id: 'A3', plan: 'unheard-of', tenure: null },
  ];

  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-app-'));
    const store = new FileStore(folder);
    const trained = await trainTinyModel(store);
    model = await loadModel(store, trained.modelId);
    models = createFixedModelSource(model);
    app = createApp({ models });
    server = await startServer(app, { port: 0 });
  });

  after(async () => {
    await server.close();
    await models.close?.();
    await rm(folder, { recursive: true, force: true });
  });

  it('predicts one row per customer over real HTTP, with scores, decisions, deciles and a segment', async () => {
    const response = await fetch(`${server.url}/v1/predict`, json({ customers }));
    assert.equal(response.status, 200);
    const body = predictResponseSchema.parse(await response.json());
    assert.equal(body.modelId, model.modelId);
    assert.deepEqual(body.predictions.map((p) => p.id), ['A1', 'A2', 'A3']);
    for (const prediction of body.predictions) {
      assert.deepEqual(Object.keys(prediction.scores).sort(), ['churn', 'security_xsell', 'spend']);
      assert.deepEqual(Object.keys(prediction.decisions).sort(), ['churn', 'security_xsell', 'spend']);
      for (const decile of Object.values(prediction.deciles)) assert.ok(decile >= 1 && decile <= 10);
      assert.ok(prediction.scores.churn! > 0 && prediction.scores.churn! < 1);
      const positive = Object.entries(prediction.decisions).filter(([, yes]) => yes).map(([task]) => task);
      assert.equal(prediction.segment, positive.length === 0 ? 'none' : positive.join('+'));
    }
  });

  it('returns the same scores as scoreRows for the same rows', async () => {
    const { rows } = await readTable(tinyDataFile);
    const response = await fetch(`${server.url}/v1/predict`, json({ customers: rows }));
    assert.equal(response.status, 200);
    const body = predictResponseSchema.parse(await response.json());
    const expected = await scoreRows(model, rows);
    assert.equal(body.predictions.length, rows.length);
    body.predictions.forEach((prediction, i) => {
      const want = expected[i]!;
      assert.equal(prediction.id, want.id);
      for (const [task, score] of Object.entries(want.scores)) assert.ok(Math.abs(prediction.scores[task]! - score) < 1e-6, `${want.id} ${task}`);
      assert.deepEqual(prediction.decisions, want.decisions);
      assert.deepEqual(prediction.deciles, want.deciles);
      assert.equal(prediction.segment, want.segment);
    });
  });

  it('numbers rows by position when they carry no id', async () => {
    const response = await app.request('/v1/predict', json({ customers: [{ tenure: 5 }, { tenure: 9 }] }));
    const body = predictResponseSchema.parse(await response.json());
    assert.deepEqual(body.predictions.map((p) => p.id), ['1', '2']);
  });

  it('answers 400 naming every invalid field by its path', async () => {
    const rows = [{ tenure: 4 }, { tenure: 'abc' }, { plan: { nested: true } }, 'not an object', { customer_id: [1] }];
    const body = await expectError(await app.request('/v1/predict', json({ customers: rows })), 400, 'invalid_rows');
    assert.deepEqual(
      body.error.details.map((d) => d.path),
      ['customers[1].tenure', 'customers[2].plan', 'customers[3]', 'customers[4].customer_id', 'customers[4]'],
    );
    assert.match(body.error.details[0]!.issue, /number.*"abc"/);
    assert.match(body.error.message, /customers\[1\]\.tenure/);
    await expectError(await app.request('/v1/explain', json({ customers: rows })), 400, 'invalid_rows');
  });

  it('answers 400 for a body that is not JSON, not an object, or has no customers', async () => {
    const cases: [string, string, string][] = [
      ['{"customers": [', 'invalid_json', 'body'],
      ['', 'invalid_json', 'body'],
      ['[1,2]', 'invalid_request', 'body'],
      ['{"rows": []}', 'invalid_request', 'customers'],
      ['{"customers": {"a": 1}}', 'invalid_request', 'customers'],
      ['{"customers": []}', 'invalid_request', 'customers'],
    ];
    for (const [text, code, where] of cases) {
      const body = await expectError(await app.request('/v1/predict', { method: 'POST', body: text }), 400, code);
      assert.equal(body.error.details[0]?.path, where, text);
    }
  });

  it('requires a valid x-api-key on every route but /healthz when keys are set', async () => {
    const secured = createApp({ models, apiKeys: ['first-key', 'second-key'] });
    for (const [route, init] of [
      ['/v1/predict', json({ customers })],
      ['/v1/explain', json({ customers })],
      ['/v1/model', {}],
      ['/openapi.json', {}],
      ['/docs', {}],
      ['/no-such-route', {}],
    ] as [string, RequestInit][]) {
      const missing = await expectError(await secured.request(route, init), 401, 'unauthorized');
      assert.match(missing.error.message, /missing/);
      const wrong = await secured.request(route, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-api-key': 'second-kez' } });
      await expectError(wrong, 401, 'unauthorized');
    }
    const ok = await secured.request('/v1/predict', json({ customers }, { 'x-api-key': 'second-key' }));
    assert.equal(ok.status, 200);
    assert.equal((await secured.request('/v1/model', { headers: { 'x-api-key': 'first-key' } })).status, 200);
    assert.equal((await secured.request('/healthz')).status, 200);
    const document = (await (await secured.request('/openapi.json', { headers: { 'x-api-key': 'first-key' } })).json()) as {
      components: { securitySchemes?: object };
    };
    assert.ok(document.components.securitySchemes, 'the document declares the api key');
  });

  it('answers 404 in the error format for unknown routes', async () => {
    const body = await expectError(await app.request('/v2/predict', json({ customers })), 404, 'not_found');
    assert.match(body.error.message, /\/v2\/predict/);
    await expectError(await app.request('/v1/predicts'), 404, 'not_found');
    await expectError(await app.request('/nope', { method: 'DELETE' }), 404, 'not_found');
  });

  it('answers 405 with an Allow header for a wrong method on a known path', async () => {
    const cases: [string, string, string][] = [
      ['GET', '/v1/predict', 'POST'],
      ['PUT', '/v1/predict', 'POST'],
      ['GET', '/v1/explain', 'POST'],
      ['POST', '/healthz', 'GET, HEAD'],
      ['DELETE', '/v1/model', 'GET, HEAD'],
      ['POST', '/openapi.json', 'GET, HEAD'],
      ['PATCH', '/docs', 'GET, HEAD'],
      ['POST', '/', 'GET, HEAD'],
    ];
    for (const [method, route, allow] of cases) {
      const response = await app.request(route, { method });
      const body = await expectError(response, 405, 'method_not_allowed');
      assert.equal(response.headers.get('allow'), allow, `${method} ${route}`);
      assert.match(body.error.message, new RegExp(`${method} is not allowed`));
    }
    // Over real HTTP too, and HEAD on a GET route still works.
    const overHttp = await fetch(`${server.url}/v1/predict`);
    assert.equal(overHttp.status, 405);
    assert.equal(overHttp.headers.get('allow'), 'POST');
    await overHttp.body?.cancel();
    assert.equal((await fetch(`${server.url}/healthz`, { method: 'HEAD' })).status, 200);
    // With keys set, a wrong method still needs the key first (the route's existence is not told to strangers).
    const secured = createApp({ models, apiKeys: ['k'] });
    await expectError(await secured.request('/v1/predict'), 401, 'unauthorized');
    await expectError(await secured.request('/v1/predict', { headers: { 'x-api-key': 'k' } }), 405, 'method_not_allowed');
    await expectError(await secured.request('/healthz', { method: 'POST' }), 405, 'method_not_allowed');
  });

  it('refuses api keys that are all empty rather than serving without authentication', () => {
    assert.throws(() => createApp({ models, apiKeys: [''] }), /apiKeys holds no key/);
    assert.throws(() => createApp({ models, apiKeys: [' ', ''] }), /apiKeys holds no key/);
  });

  it('answers 400 with the row path for a row with no known feature column, {} included', async () => {
    const rows = [{ tenure: 4 }, {}, { customer_id: 'only-an-id' }, { Tenure_: 5, plna: 'pro' }, { tenure: null }];
    for (const route of ['/v1/predict', '/v1/explain']) {
      const body = await expectError(await app.request(route, json({ customers: rows })), 400, 'invalid_rows');
      assert.deepEqual(body.error.details.map((d) => d.path), ['customers[1]', 'customers[2]', 'customers[3]']);
      assert.match(body.error.details[0]!.issue, /no known feature column.*tenure/);
    }
    const single = await expectError(await app.request('/v1/predict', json({ customers: [{}] })), 400, 'invalid_rows');
    assert.deepEqual(single.error.details.map((d) => d.path), ['customers[0]']);
  });

  it('lists unknown fields as warnings, with the name most likely meant, and still scores the row', async () => {
    const rows = [
      { customer_id: 'W1', tenure: 4, Plna: 'pro', internet_: 'DSL', churned: 'Yes' },
      { customer_id: 'W2', plan: 'basic', customerid: 'x', zzzzzz: 1 },
      { customer_id: 'W3', tenure: 9 },
    ];
    for (const route of ['/v1/predict', '/v1/explain']) {
      const response = await app.request(route, json({ customers: rows }));
      assert.equal(response.status, 200);
      const body = (await response.json()) as { warnings: { path: string; issue: string }[] };
      const parsed = (route === '/v1/predict' ? predictResponseSchema : explainResponseSchema).parse(body);
      assert.deepEqual(parsed.warnings, [
        { path: 'customers[0].Plna', issue: 'unknown field, ignored; did you mean plan?' },
        { path: 'customers[0].internet_', issue: 'unknown field, ignored; did you mean internet?' },
        { path: 'customers[0].churned', issue: 'unknown field, ignored' },
        { path: 'customers[1].customerid', issue: 'unknown field, ignored; did you mean customer_id?' },
        { path: 'customers[1].zzzzzz', issue: 'unknown field, ignored' },
      ]);
    }
    const clean = predictResponseSchema.parse(await (await app.request('/v1/predict', json({ customers }))).json());
    assert.deepEqual(clean.warnings, []);
  });

  it('lists at most 100 warnings, then counts the rest', async () => {
    const rows = Array.from({ length: 60 }, () => ({ tenure: 3, extra_a: 1, extra_b: 2 }));
    const body = predictResponseSchema.parse(await (await app.request('/v1/predict', json({ customers: rows }))).json());
    assert.equal(body.warnings.length, 101);
    assert.deepEqual(body.warnings.at(-1), { path: 'customers', issue: '20 more unknown fields, not listed' });
  });

  it('answers 413 for more than maxRows customers', async () => {
    const rows = Array.from({ length: 1001 }, (_, i) => ({ tenure: i % 70 }));
    const body = await expectError(await fetch(`${server.url}/v1/predict`, json({ customers: rows })), 413, 'payload_too_large');
    assert.match(body.error.message, /1001.*1000/);
    assert.equal((await fetch(`${server.url}/v1/predict`, json({ customers: rows.slice(0, 1000) }))).status, 200);
  });

  it('answers 413 for a 2 MiB body: by Content-Length, while streaming, and on the bytes actually read', async () => {
    const big = JSON.stringify({ customers: [{ tenure: 1, padding: 'x'.repeat(2 << 20) }] });
    const declared = await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    await expectError(declared, 413, 'payload_too_large');
    // The unread rest of the body makes the connection unusable: the client is told not to reuse it.
    assert.equal(declared.headers.get('connection'), 'close');
    // No Content-Length (chunked): the limit is enforced while the body streams in.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const chunked = await fetch(`${server.url}/v1/predict`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    await expectError(chunked, 413, 'payload_too_large');
    // A Content-Length that understates the body (possible behind adapters that do not frame by it).
    const lying = await app.request('/v1/predict', { method: 'POST', headers: { 'content-length': '100' }, body: big });
    await expectError(lying, 413, 'payload_too_large');
    const small = createApp({ models, maxBodyBytes: 64 });
    await expectError(await small.request('/v1/predict', json({ customers })), 413, 'payload_too_large');
  });

  it('answers 503 on scoring routes and /healthz while no model is loaded', async () => {
    const empty = createApp({ models: createFixedModelSource(undefined) });
    await expectError(await empty.request('/v1/predict', json({ customers })), 503, 'model_unavailable');
    await expectError(await empty.request('/v1/explain', json({ customers })), 503, 'model_unavailable');
    // No model: 503 before the body is even read, whatever it holds.
    await expectError(await empty.request('/v1/predict', { method: 'POST', body: 'not json' }), 503, 'model_unavailable');
    await expectError(await empty.request('/v1/model'), 503, 'model_unavailable');
    await expectError(await empty.request('/healthz'), 503, 'model_unavailable');
    assert.equal((await empty.request('/healthz', { method: 'HEAD' })).status, 503);
    // And again once a served model is closed (no longer loaded).
    const closing = createFixedModelSource(await loadModel(new FileStore(folder), model.modelId));
    const closingApp = createApp({ models: closing });
    assert.equal((await closingApp.request('/healthz')).status, 200);
    await closing.close?.();
    await expectError(await closingApp.request('/healthz'), 503, 'model_unavailable');
    assert.equal((await empty.request('/openapi.json')).status, 200);
    assert.equal((await empty.request('/docs')).status, 200);
  });

  it('serves the model card and the health of the loaded model', async () => {
    const card = await (await fetch(`${server.url}/v1/model`)).json();
    assert.deepEqual(card, JSON.parse(JSON.stringify(model.card)));
    assert.deepEqual(healthSchema.parse(await (await fetch(`${server.url}/healthz`)).json()), { status: 'ok', modelId: model.modelId });
  });

  it('publishes an OpenAPI 3.1 document of the routes with the model features', async () => {
    const response = await fetch(`${server.url}/openapi.json`);
    assert.equal(response.status, 200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    assert.equal(document.openapi, '3.1.0');
    for (const route of ['/v1/predict', '/v1/explain', '/v1/model', '/healthz', '/openapi.json', '/docs']) assert.ok(document.paths[route], route);
    const predict = document.paths['/v1/predict']!.post!;
    assert.ok(predict.requestBody);
    for (const status of ['200', '400', '405', '413', '503']) assert.ok(predict.responses[status], status);
    assert.ok(document.paths['/healthz']!.get!.responses['503'], 'healthz documents its 503');
    assert.ok(document.components.schemas.PredictResponse!.properties!.warnings, 'responses carry warnings');
    assert.deepEqual(Object.keys(document.components.schemas.Customer!.properties!).sort(), ['customer_id', 'internet', 'plan', 'tenure']);
    assert.ok(document.components.schemas.PredictResponse);
    const refs = [...JSON.stringify(document).matchAll(/"#\/components\/schemas\/(\w+)"/g)].map((match) => match[1]!);
    assert.ok(refs.includes('CustomersRequest') && refs.includes('Customer'));
    for (const ref of refs) assert.ok(document.components.schemas[ref], `dangling ${ref}`);
  });

  it('serves a self-contained HTML docs page with a curl example per route', async () => {
    const response = await fetch(`${server.url}/docs`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const html = await response.text();
    assert.match(html, /^<!doctype html>/);
    for (const route of ['/v1/predict', '/v1/explain', '/v1/model', '/healthz', '/openapi.json']) assert.ok(html.includes(`${server.url}${route}`), route);
    assert.ok((html.match(/curl -s/g) ?? []).length >= 6);
    assert.doesNotMatch(html, /<script|<link|src=|@import/i, 'nothing is fetched');
  });

  it('explains every row with the top features of every task', async () => {
    const response = await fetch(`${server.url}/v1/explain`, json({ customers }));
    assert.equal(response.status, 200);
    const body = explainResponseSchema.parse(await response.json());
    assert.equal(body.modelId, model.modelId);
    assert.deepEqual(body.explanations.map((e) => e.id), ['A1', 'A2', 'A3']);
    for (const explanation of body.explanations) {
      assert.deepEqual(Object.keys(explanation.tasks).sort(), ['churn', 'security_xsell', 'spend']);
      for (const attributions of Object.values(explanation.tasks)) {
        assert.deepEqual(attributions.map((a) => a.feature).sort(), ['internet', 'plan', 'tenure']);
      }
    }
    assert.equal(body.explanations[0]!.tasks.churn!.find((a) => a.feature === 'tenure')!.value, 3);
  });

  it('does not leak tensors across many requests', async () => {
    await app.request('/v1/predict', json({ customers }));
    await app.request('/v1/explain', json({ customers }));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 40; i++) {
      assert.equal((await app.request('/v1/predict', json({ customers }))).status, 200);
      assert.equal((await app.request('/v1/explain', json({ customers: customers.slice(0, 1) }))).status, 200);
      await app.request('/v1/predict', json({ customers: [{ tenure: 'abc' }] }));
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('answers 500 with a generic message and logs the cause when scoring fails unexpectedly', async () => {
    const store = new FileStore(folder);
    const broken = await loadModel(store, model.modelId);
    broken.network.dispose();
    const logged: string[] = [];
    const failing = createApp({ models: { current: () => broken }, log: (line) => logged.push(line) });
    const body = await expectError(await failing.request('/v1/predict', json({ customers })), 500, 'internal');
    assert.equal(body.error.message, 'internal server error');
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /POST \/v1\/predict failed/);
  });
});
