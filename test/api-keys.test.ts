import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiKeysUnavailableError } from '../functions/api/api-keys-unavailable-error.ts';
import { createApiKeySource, parseApiKeysSecret, readSecretThroughExtension } from '../functions/api/api-keys.ts';

const secretId = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tandem-keys-AbCdEf';

describe('API keys from Secrets Manager', () => {
  it('reads the stack\'s JSON form and the bare TANDEM_API_KEYS form alike, and refuses a secret without a key', () => {
    assert.deepEqual(parseApiKeysSecret('{"apiKeys":"k1, k2"}', secretId), ['k1', 'k2']);
    assert.deepEqual(parseApiKeysSecret('k1,k2', secretId), ['k1', 'k2']);
    assert.throws(() => parseApiKeysSecret('{"apiKeys":" , "}', secretId), (error: unknown) => error instanceof ApiKeysUnavailableError && /holds no key/.test(error.message));
    assert.throws(() => parseApiKeysSecret('{"keys":"k1"}', secretId), /no string field "apiKeys"/);
  });

  it('caches the keys for the TTL, picks up a rotation after it, and reads once however many requests wait', async () => {
    let clock = 0;
    let stored = '{"apiKeys":"old"}';
    let reads = 0;
    const source = createApiKeySource({ secretId, ttlMs: 300_000, now: () => clock, read: async (id) => { assert.equal(id, secretId); reads += 1; return stored; } });
    assert.deepEqual(await Promise.all([source.current(), source.current(), source.current()]), [['old'], ['old'], ['old']]);
    assert.equal(reads, 1);
    stored = '{"apiKeys":"old,new"}';
    clock = 299_999;
    assert.deepEqual(await source.current(), ['old']);
    clock = 300_000;
    assert.deepEqual(await source.current(), ['old', 'new']);
    assert.equal(reads, 2);
  });

  it('keeps serving the last keys when a re-read fails, retries later, and fails a first read', async () => {
    let clock = 0;
    let failing = false;
    const logged: string[] = [];
    const read = async (): Promise<string> => {
      if (failing) throw new Error('throttled');
      return 'k1';
    };
    const source = createApiKeySource({ secretId, ttlMs: 1000, retryMs: 100, now: () => clock, read, log: (message) => logged.push(message) });
    assert.deepEqual(await source.current(), ['k1']);
    failing = true;
    clock = 1000;
    assert.deepEqual(await source.current(), ['k1']);
    assert.match(logged.join('\n'), /throttled/);
    clock = 1050;
    assert.deepEqual(await source.current(), ['k1']);
    assert.equal(logged.length, 1, 'no new try before retryMs');
    const fresh = createApiKeySource({ secretId, read });
    await assert.rejects(fresh.current(), (error: unknown) => error instanceof ApiKeysUnavailableError && error.message.includes(secretId));
  });

  describe('through the Parameters and Secrets extension\'s HTTP interface', () => {
    let server: Server;
    let port = 0;
    const requests: { url: string; token: string | undefined }[] = [];
    before(async () => {
      // The extension's documented contract: GET /secretsmanager/get?secretId=…, the session token in a header, the
      // GetSecretValue response as JSON.
      server = createServer((request, response) => {
        requests.push({ url: request.url ?? '', token: request.headers['x-aws-parameters-secrets-token'] as string | undefined });
        if (request.headers['x-aws-parameters-secrets-token'] !== 'session-token') {
          response.writeHead(401).end('missing token');
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ARN: secretId, SecretString: '{"apiKeys":"k1"}' }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    after(() => {
      server.close();
    });

    it('sends the secret id and the session token and returns SecretString', async () => {
      const text = await readSecretThroughExtension({ sessionToken: 'session-token', port })(secretId);
      assert.equal(text, '{"apiKeys":"k1"}');
      assert.deepEqual(requests.at(-1), { url: `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`, token: 'session-token' });
    });

    it('names the secret and the extension\'s answer when it refuses, and says so when nothing listens', async () => {
      await assert.rejects(readSecretThroughExtension({ sessionToken: 'wrong', port })(secretId), /answered 401: missing token/);
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const deadPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      await assert.rejects(readSecretThroughExtension({ sessionToken: 'session-token', port: deadPort })(secretId), /did not answer/);
    });
  });
});
