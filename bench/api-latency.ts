/**
 * API latency benchmark: serves the real app (a tiny model trained into a temp store, or `--model PATH|ID`) plus a
 * bare JSON route in the same server, and measures both with autocannon at concurrency 1 and 32. The load
 * generator runs in a child process so it does not share the server's event loop. Prints one JSON line:
 * `{bench:"api-latency", backend, model, durationSeconds, results:[{route, concurrency, requestsPerSecond, p50Ms, p99Ms, meanMs, errors}]}`.
 * autocannon records latencies in whole milliseconds (a sub-millisecond p50 reads 0), so `meanMs` is derived from the
 * closed-loop throughput instead (Little's law: concurrency / requests per second), which keeps the fraction.
 *
 *   npm run bench:api -- [--duration 10] [--model PATH|ID] [--store URI]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/model/backend.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { createApp } from '../src/serve/app.ts';
import { createFixedModelSource } from '../src/serve/model-source.ts';
import { exampleCustomer } from '../src/serve/openapi-document.ts';
import { startServer } from '../src/serve/start-server.ts';
import { FileStore } from '../src/store/file-store.ts';
import { openStore } from '../src/store/open-store.ts';
import { trainTinyModel } from '../test/helpers/train-tiny-model.ts';

interface AutocannonSummary {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    model: { type: 'string' },
    store: { type: 'string' },
  },
});
const durationSeconds = Number(values.duration);
if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) throw new Error(`--duration must be a positive number of seconds, got "${values.duration}"`);

const backend = await selectBackend(process.env.TANDEM_BACKEND);
const folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-bench-api-'));
const store = values.store === undefined ? new FileStore(folder) : openStore(values.store);
const model = await loadModel(store, values.model ?? (await trainTinyModel(store)).modelId);
const models = createFixedModelSource(model);
const app = createApp({ models });
const bare = { ok: true, bench: 'bare' };
app.post('/bench/bare', (c) => c.json(bare));
const server = await startServer(app, { port: 0 });

const body = JSON.stringify({ customers: [exampleCustomer(model)] });
const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

function runAutocannon(url: string, connections: number): Promise<AutocannonSummary> {
  const args = [autocannonBin, '-j', '-c', String(connections), '-d', String(durationSeconds), '-m', 'POST', '-H', 'content-type=application/json', '-b', body, url];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || line === '') reject(new Error(`autocannon exited with ${code}: ${stderr.trim()}`));
      else resolve(JSON.parse(line) as AutocannonSummary);
    });
  });
}

try {
  // Warm up: the first predictions compile kernels and fill caches.
  for (let i = 0; i < 200; i++) {
    for (const route of ['/v1/predict', '/bench/bare']) {
      const response = await fetch(`${server.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (response.status !== 200) throw new Error(`warm-up ${route} answered ${response.status}: ${await response.text()}`);
    }
  }
  const results = [];
  for (const route of ['/v1/predict', '/bench/bare']) {
    for (const concurrency of [1, 32]) {
      const summary = await runAutocannon(`${server.url}${route}`, concurrency);
      results.push({
        route,
        concurrency,
        requestsPerSecond: Math.round(summary.requests.average),
        p50Ms: summary.latency.p50,
        p99Ms: summary.latency.p99,
        meanMs: Math.round((concurrency * 1e6) / summary.requests.average) / 1000,
        errors: summary.errors + summary.timeouts + summary.non2xx,
      });
    }
  }
  console.log(JSON.stringify({ bench: 'api-latency', backend, model: model.modelId, rowsPerRequest: 1, durationSeconds, cpus: os.cpus().length, results }));
} finally {
  await server.close();
  await models.close?.();
  await rm(folder, { recursive: true, force: true });
}
