import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTableConfig } from '../config/load-config.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import { writeChampionPointer } from '../registry/champion.ts';
import { FileStore } from '../store/file-store.ts';
import { tinyConfigFile, trainTinyModel } from '../../test/helpers/train-tiny-model.ts';
import { createApp } from './app.ts';
import { createChampionModelSource } from './champion-model-source.ts';
import { startServer } from './start-server.ts';
import { isDisposed, waitFor } from '../../test/helpers/model-lifecycle.ts';

const CONCURRENCY = 8;
/** Requests each model must answer before the next promotion (and after the last), so each swap happens under load. */
const REQUESTS_PER_MODEL = 40;
/** Load runs at least this long overall. */
const MIN_LOAD_MS = 3000;
const REQUEST_TIMEOUT_MS = 15_000;



describe('serving under load while the champion is promoted twice', () => {
  let folder: string;
  let store: FileStore;
  let project: string;
  let ids: string[];

  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'tandem-swap-load-'));
    store = new FileStore(folder);
    project = (await loadTableConfig(tinyConfigFile)).config.name;
    ids = [];
    for (const seed of [1, 7, 13]) ids.push((await trainTinyModel(store, { seed })).modelId);
    assert.equal(new Set(ids).size, 3, 'three different models');
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('answers every concurrent request over HTTP with a 2xx from one of the champions', async () => {
    const [first, second, third] = ids as [string, string, string];
    await writeChampionPointer(store, { project, modelId: first, reason: 'start' });
    const logged: string[] = [];
    const source = await createChampionModelSource(store, { project, pollMs: 20, log: (line) => logged.push(line) });
    const server = await startServer(createApp({ models: source }), { port: 0 });
    const served: LoadedModel[] = [source.current()!];
    const seen = new Map<string, number>();
    const failures: string[] = [];
    let stop = false;
    const rows = [{ customer_id: 'L1', plan: 'pro', internet: 'DSL', tenure: 12 }, { tenure: 40 }, { plan: 'basic', internet: 'No' }];
    const worker = async (index: number): Promise<void> => {
      const route = index % 4 === 3 ? '/v1/explain' : '/v1/predict';
      for (let n = 0; !stop; n++) {
        const customers = rows.slice(0, 1 + ((index + n) % rows.length));
        try {
          const response = await fetch(`${server.url}${route}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ customers }),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          const text = await response.text();
          if (response.status < 200 || response.status > 299) {
            failures.push(`${route} ${response.status} ${text.slice(0, 200)}`);
            continue;
          }
          const body = JSON.parse(text) as { modelId: string; predictions?: unknown[]; explanations?: unknown[] };
          if ((body.predictions ?? body.explanations)?.length !== customers.length) failures.push(`${route} answered ${text.slice(0, 200)}`);
          seen.set(body.modelId, (seen.get(body.modelId) ?? 0) + 1);
        } catch (error) {
          failures.push(`${route} ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };
    const started = Date.now();
    const workers = Array.from({ length: CONCURRENCY }, (_, index) => worker(index));
    try {
      const enough = (modelId: string) => () => (seen.get(modelId) ?? 0) >= REQUESTS_PER_MODEL || failures.length > 0;
      await waitFor(enough(first), `${REQUESTS_PER_MODEL} answers from ${first}`);
      await writeChampionPointer(store, { project, modelId: second, reason: 'better' });
      await waitFor(enough(second), `${REQUESTS_PER_MODEL} answers from ${second}`);
      served.push(source.current()!);
      await writeChampionPointer(store, { project, modelId: third, reason: 'better still' });
      await waitFor(enough(third), `${REQUESTS_PER_MODEL} answers from ${third}`);
      await waitFor(() => Date.now() - started >= MIN_LOAD_MS || failures.length > 0, 'the minimum load time');
    } finally {
      stop = true;
      await Promise.all(workers);
      await server.close();
    }
    assert.deepEqual(failures, []);
    assert.deepEqual([...seen.keys()].filter((id) => !ids.includes(id)), [], 'every modelId is one of the champions');
    for (const id of ids) assert.ok((seen.get(id) ?? 0) >= REQUESTS_PER_MODEL, `${id}: ${JSON.stringify([...seen])}`);
    assert.equal(source.current()?.modelId, third);
    assert.deepEqual(served.map((model) => model.modelId), [first, second]);
    for (const model of served) assert.ok(isDisposed(model), `replaced ${model.modelId} is disposed once its requests finished`);
    assert.ok(logged.some((line) => line.includes(`serving champion ${third}`) && line.includes(`replaces ${second}`)), logged.join('\n'));
    await source.close();
  });
});
