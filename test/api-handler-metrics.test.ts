import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { metricsNamespace } from '../functions/function-context.ts';
import { captureEmf } from './helpers/capture-emf.ts';

/** A payload 2.0 event as the HTTP API sends it. */
function event(method: string, rawPath: string): Record<string, unknown> {
  return {
    version: '2.0', routeKey: '$default', rawPath, rawQueryString: '', isBase64Encoded: false, headers: {},
    requestContext: { http: { method, path: rawPath, sourceIp: '127.0.0.1' } },
  };
}

describe('functions/api handler metrics', () => {
  let store = '';
  let handler: (event: Record<string, unknown>, context: unknown) => Promise<{ statusCode: number; body: string }>;

  before(async () => {
    store = await mkdtemp(path.join(tmpdir(), 'tandem-api-metrics-'));
    // Read at import, as on a cold start (this file runs in its own process). No keys, no champion: /v1/model is 503.
    Object.assign(process.env, { TANDEM_STORE: pathToFileURL(`${store}/`).href, TANDEM_PROJECT: 'fixture', TANDEM_BACKEND: 'cpu', TANDEM_API_KEYS_SECRET: '', POWERTOOLS_LOG_LEVEL: 'CRITICAL',
      // As Lambda sets it for an on-demand instance (Powertools reports a cold start only then).
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' });
    delete process.env.TANDEM_API_KEYS;
    ({ handler } = await import('../functions/api/index.ts') as unknown as { handler: typeof handler });
  });
  after(async () => {
    await rm(store, { recursive: true, force: true });
  });

  it('emits one EMF line per request: Requests, Latency and Errors by route and status, in the Tandem namespace', async () => {
    const { result, lines } = await captureEmf(() => handler(event('GET', '/v1/model'), {}));
    assert.equal(result.statusCode, 503, result.body);
    const request = lines.find((line) => line.Requests !== undefined);
    assert.ok(request, `no request metrics among ${JSON.stringify(lines)}`);
    const [directive] = request._aws.CloudWatchMetrics;
    assert.equal(directive?.Namespace, metricsNamespace);
    assert.deepEqual(directive?.Metrics.map((metric) => `${metric.Name}:${metric.Unit}`).sort(), ['Errors:Count', 'Latency:Milliseconds', 'Requests:Count']);
    assert.deepEqual([...(directive?.Dimensions[0] ?? [])].sort(), ['route', 'service', 'status']);
    assert.equal(request.service, 'tandem-api');
    assert.equal(request.route, '/v1/model');
    assert.equal(request.status, '503');
    assert.equal(request.Requests, 1);
    assert.equal(request.Errors, 1);
    assert.ok(typeof request.Latency === 'number' && request.Latency >= 0);
    // The first request of the instance also reports its cold start.
    assert.ok(lines.some((line) => line.ColdStart === 1), 'no ColdStart metric on the first request');
  });

  it('names an unknown path "other" (few dimension values) and counts a 4xx as no error', async () => {
    const { result, lines } = await captureEmf(() => handler(event('GET', '/no/such/path/123'), {}));
    assert.equal(result.statusCode, 404);
    const request = lines.find((line) => line.Requests !== undefined);
    assert.equal(request?.route, 'other');
    assert.equal(request?.status, '404');
    assert.equal(request?.Errors, 0);
    assert.equal(lines.some((line) => line.ColdStart !== undefined), false);
  });
});
