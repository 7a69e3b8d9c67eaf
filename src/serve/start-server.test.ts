import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import { TandemError } from '../errors/tandem-error.ts';
import { startServer } from './start-server.ts';

describe('startServer', () => {
  const app = new Hono().get('/ping', (c) => c.json({ pong: true }));

  it('listens on a free port with port 0 and resolves once it answers', async () => {
    const server = await startServer(app, { port: 0 });
    try {
      assert.ok(server.port > 0);
      assert.equal(server.url, `http://127.0.0.1:${server.port}`);
      assert.deepEqual(await (await fetch(`${server.url}/ping`)).json(), { pong: true });
    } finally {
      await server.close();
    }
    await assert.rejects(fetch(`${server.url}/ping`), 'closed servers refuse connections');
  });

  it('rejects with an error naming the port when it is taken', async () => {
    const server = await startServer(app, { port: 0 });
    try {
      await assert.rejects(startServer(app, { port: server.port }), (error: unknown) => {
        assert.ok(error instanceof TandemError);
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${server.port}.*in use`));
        return true;
      });
    } finally {
      await server.close();
    }
  });
});
