import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { TandemError } from '../errors/tandem-error.ts';

/** Where to listen. */
export interface StartServerOptions {
  /**
   * TCP port; 0 picks a free one.
   * @default 8787
   */
  readonly port?: number;
  /**
   * Interface to bind; `0.0.0.0` to accept other machines.
   * @default '127.0.0.1' (this machine only)
   */
  readonly host?: string;
}

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8787` (no trailing slash). */
  readonly url: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Stops accepting connections, waits for requests in flight, closes idle keep-alive connections. */
  close(): Promise<void>;
}

/**
 * Serves a Hono app over HTTP with `@hono/node-server` and resolves once it is listening.
 *
 * @throws TandemError naming the port when it cannot be bound (in use, no permission).
 */
export function startServer(app: Hono, { port = 8787, host = '127.0.0.1' }: StartServerOptions = {}): Promise<RunningServer> {
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host }) as Server;
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const reason = error.code === 'EADDRINUSE' ? 'the port is in use (pick another with --port)' : error.message;
      reject(new TandemError(`cannot listen on ${host}:${port}: ${reason}`, { cause: error, value: port }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const bound = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${displayHost(host)}:${bound}`,
        port: bound,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error === undefined ? done() : fail(error)));
            server.closeIdleConnections();
          }),
      });
    });
  });
}

/** A host for URLs: a wildcard bind is reached on loopback; IPv6 literals need brackets. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
