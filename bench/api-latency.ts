/**
 * API latency benchmark: serves the real app (a tiny model trained into a temp store, or `--model PATH|ID`) plus a
 * bare JSON route in the same server, and measures both with autocannon at concurrency 1 and 32. Then it measures
 * `GET /healthz` (concurrency 1) while a 1000-row `POST /v1/explain` is sent every second, to show whether a large
 * explanation holds up everything else. The load generator runs in a child process so it does not share the
 * server's event loop. Prints one JSON line:
 * `{bench:"api-latency", backend, model, durationSeconds, results:[{route, concurrency, requestsPerSecond, p50Ms, p99Ms, meanMs, serverCpuUs, errors}],
 *   healthzDuringExplain:{explainRows, explainsSent, explainMeanMs, requestsPerSecond, p50Ms, p99Ms, maxMs, errors}}`.
 * autocannon records latencies in whole milliseconds (a sub-millisecond p50 reads 0), so `meanMs` is derived from the
 * closed-loop throughput instead (Little's law: concurrency / requests per second), which keeps the fraction.
 * `serverCpuUs` is the server process's CPU time (user + system) per request: unlike requests/s it hardly moves when
 * other work shares the cores, so it compares routes and versions on a busy machine.
 *
 *   npm run bench:api -- [--duration 10] [--model PATH|ID] [--store URI]
 *
 * `/v1/predict` is served with the app's default micro-batching window (`batchWindowMs`, 1 ms).
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
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
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

function runAutocannon(url: string, connections: number, method: 'GET' | 'POST' = 'POST'): Promise<AutocannonSummary> {
  const request = method === 'POST' ? ['-m', 'POST', '-H', 'content-type=application/json', '-b', body] : [];
  const args = [autocannonBin, '-j', '-c', String(connections), '-d', String(durationSeconds), ...request, url];
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

/** `GET /healthz` latency (autocannon, concurrency 1) while a `rows`-row explanation is sent every second. */
async function measureHealthzDuringExplain(rows: number) {
  const explainBody = JSON.stringify({ customers: Array.from({ length: rows }, () => exampleCustomer(model)) });
  const explainMs: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const sendExplain = (): void => {
    const started = performance.now();
    const done = fetch(`${server.url}/v1/explain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: explainBody })
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`/v1/explain answered ${response.status}`);
        explainMs.push(performance.now() - started);
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  sendExplain();
  const timer = setInterval(sendExplain, 1000);
  try {
    const summary = await runAutocannon(`${server.url}/healthz`, 1, 'GET');
    return {
      explainRows: rows,
      explainsSent: explainMs.length + inFlight.size,
      explainMeanMs: explainMs.length === 0 ? null : Math.round(explainMs.reduce((a, b) => a + b, 0) / explainMs.length),
      requestsPerSecond: Math.round(summary.requests.average),
      p50Ms: summary.latency.p50,
      p99Ms: summary.latency.p99,
      maxMs: summary.latency.max,
      errors: summary.errors + summary.timeouts + summary.non2xx,
    };
  } finally {
    clearInterval(timer);
    await Promise.all(inFlight);
  }
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
      const cpuBefore = process.cpuUsage();
      const summary = await runAutocannon(`${server.url}${route}`, concurrency);
      const cpu = process.cpuUsage(cpuBefore);
      results.push({
        route,
        concurrency,
        requestsPerSecond: Math.round(summary.requests.average),
        p50Ms: summary.latency.p50,
        p99Ms: summary.latency.p99,
        meanMs: Math.round((concurrency * 1e6) / summary.requests.average) / 1000,
        serverCpuUs: Math.round((10 * (cpu.user + cpu.system)) / Math.max(1, summary.requests.total)) / 10,
        errors: summary.errors + summary.timeouts + summary.non2xx,
      });
    }
  }
  const healthzDuringExplain = await measureHealthzDuringExplain(1000);
  console.log(
    JSON.stringify({ bench: 'api-latency', backend, model: model.modelId, rowsPerRequest: 1, durationSeconds, cpus: os.cpus().length, results, healthzDuringExplain }),
  );
} finally {
  await server.close();
  await models.close?.();
  await rm(folder, { recursive: true, force: true });
}
