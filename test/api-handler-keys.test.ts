import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';

/** A payload 2.0 event as the HTTP API (no authorizer) or the IAM function URL (`iam` set) sends it. */
function event(rawPath: string, { key, signed = false }: { key?: string; signed?: boolean } = {}): Record<string, unknown> {
  return {
    version: '2.0', routeKey: '$default', rawPath, rawQueryString: '', isBase64Encoded: false,
    headers: key === undefined ? {} : { 'x-api-key': key },
    requestContext: {
      http: { method: 'GET', path: rawPath, sourceIp: '127.0.0.1' },
      ...(signed ? { authorizer: { iam: { accessKey: 'AKIA', accountId: '123456789012', userArn: 'arn:aws:iam::123456789012:role/caller' } } } : {}),
    },
  };
}

describe('functions/api handler with its keys in Secrets Manager', () => {
  let store = '';
  let server: Server;
  let reads = 0;
  let handler: (event: Record<string, unknown>, context: unknown) => Promise<{ statusCode: number; body: string }>;

  before(async () => {
    store = await mkdtemp(path.join(tmpdir(), 'tandem-api-keys-'));
    // Stands in for the AWS Parameters and Secrets extension (its HTTP contract), which only runs on Lambda.
    server = createServer((request, response) => {
      reads += 1;
      const ok = request.headers['x-aws-parameters-secrets-token'] === 'session-token' && request.url?.includes('secretId=tandem-keys');
      response.writeHead(ok ? 200 : 400).end(ok ? JSON.stringify({ SecretString: '{"apiKeys":"key-a,key-b"}' }) : 'bad request');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // The handler reads its configuration at import, as on a cold start (this file runs in its own process).
    Object.assign(process.env, {
      TANDEM_STORE: pathToFileURL(`${store}/`).href, TANDEM_PROJECT: 'fixture', TANDEM_BACKEND: 'cpu',
      TANDEM_API_KEYS_SECRET: 'tandem-keys', AWS_SESSION_TOKEN: 'session-token',
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String((server.address() as AddressInfo).port), POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    });
    delete process.env.TANDEM_API_KEYS;
    ({ handler } = await import('../functions/api/index.ts') as unknown as { handler: typeof handler });
  });
  after(async () => {
    server.close();
    await rm(store, { recursive: true, force: true });
  });

  it('asks callers through the HTTP API for a key from the secret, read once and cached', async () => {
    assert.equal((await handler(event('/v1/model'), {})).statusCode, 401);
    assert.equal((await handler(event('/v1/model', { key: 'nope' }), {})).statusCode, 401);
    // Past the key check: no champion in this store, so 503 model_unavailable.
    for (const key of ['key-a', 'key-b']) {
      const response = await handler(event('/v1/model', { key }), {});
      assert.equal(response.statusCode, 503, response.body);
      assert.match(response.body, /model_unavailable/);
    }
    assert.equal(reads, 1);
  });

  it('lets an IAM-signed request through the function URL in without a key', async () => {
    const response = await handler(event('/v1/model', { signed: true }), {});
    assert.equal(response.statusCode, 503, response.body);
    assert.match(response.body, /model_unavailable/);
  });
});
