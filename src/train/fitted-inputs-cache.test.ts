import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { featuresSchema, modelSchema, selectionSchema, type TaskSpec } from '../config/schema.ts';
import { interactionCustomers } from '../../test/helpers/interaction-customers.ts';
import { selectBackend } from '../model/backend.ts';
import { FileStore } from '../store/file-store.ts';
import { fittedInputsKey, storeFittedInputsCache, type FittedInputsCache } from './fitted-inputs-cache.ts';
import { trainCandidate, type TrainCandidateArgs } from './train-candidate.ts';

const tasks: TaskSpec[] = [
  { name: 'premium', type: 'binary', label: { column: 'premium' }, auxiliary: false },
  { name: 'linear', type: 'binary', label: { column: 'linear' }, auxiliary: false },
];
const featureColumns = ['income', 'limit', 'age'];
const splits = { train: interactionCustomers(1200, 1), validation: interactionCustomers(300, 2), test: interactionCustomers(300, 3) };

function args(cache: FittedInputsCache | undefined, features = featuresSchema.parse({ treeLeaves: 40 })): TrainCandidateArgs {
  return {
    splits,
    featureColumns,
    tasks,
    params: modelSchema.parse({ sharedUnits: [16], towerUnits: [8], epochs: 3, batchSize: 128 }),
    features,
    selection: selectionSchema.parse({}),
    ...(cache === undefined ? {} : { inputsCache: cache }),
  };
}

/** The store's cache, counting what it was asked and what it found. */
function countingCache(store: FileStore): FittedInputsCache & { hits: number; puts: number } {
  const inner = storeFittedInputsCache(store, 'runs/r1/inputs');
  const counts = {
    hits: 0,
    puts: 0,
    async get(key: string) {
      const found = await inner.get(key);
      if (found !== undefined) counts.hits++;
      return found;
    },
    async put(key: string, fit: Parameters<FittedInputsCache['put']>[1]) {
      counts.puts++;
      await inner.put(key, fit);
    },
  };
  return counts;
}

describe('fitted inputs cache', () => {
  let dir: string;
  before(async () => {
    await selectBackend();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-inputs-cache-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a second candidate with the same features reads the fit back bit for bit and trains exactly as a fresh fit', async () => {
    const store = new FileStore(dir);
    const cache = countingCache(store);
    const fresh = await trainCandidate(args(undefined));
    const first = await trainCandidate(args(cache));
    const second = await trainCandidate(args(cache));
    try {
      assert.equal(cache.puts, 1);
      assert.equal(cache.hits, 1);
      assert.ok(fresh.preprocessor.treeLeaves !== undefined, 'the fit has tree leaves');
      assert.deepEqual(second.preprocessor, fresh.preprocessor);
      assert.deepEqual(first.metrics, fresh.metrics);
      assert.deepEqual(second.metrics, fresh.metrics, 'cached inputs (cross-fitted scores included) train the same network');
    } finally {
      for (const candidate of [fresh, first, second]) {
        candidate.network.training.dispose();
        candidate.network.serving.dispose();
      }
    }
  });

  it('keys on the features section and the tasks; a damaged entry is a miss, not an input', async () => {
    const plain = featuresSchema.parse({ treeLeaves: 40 });
    const key = fittedInputsKey({ featureColumns, tasks, features: plain });
    assert.notEqual(key, fittedInputsKey({ featureColumns, tasks, features: { ...plain, treeDepth: plain.treeDepth + 1 } }));
    assert.notEqual(key, fittedInputsKey({ featureColumns, tasks: tasks.slice(0, 1), features: plain }));
    const store = new FileStore(dir);
    await store.put(`runs/r2/inputs/${key}.json`, '{"preprocessor": {"ver');
    assert.equal(await storeFittedInputsCache(store, 'runs/r2/inputs').get(key), undefined);
  });

  it('is not used without tree leaves (the columns alone fit in no time)', async () => {
    const cache = countingCache(new FileStore(dir));
    const candidate = await trainCandidate(args(cache, featuresSchema.parse({ treeLeaves: 0 })));
    candidate.network.training.dispose();
    candidate.network.serving.dispose();
    assert.equal(cache.puts + cache.hits, 0);
  });
});
