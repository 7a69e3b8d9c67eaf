import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadTableConfig } from '../config/load-config.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { FileStore } from '../store/file-store.ts';
import { ingestTable } from './ingest-table.ts';
import { loadDataset } from './load-dataset.ts';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tandem-load-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

void describe('loadDataset', () => {
  void it('reads back the manifest and the splits that ingest wrote', async () => {
    const { config } = await loadTableConfig(path.join(fixtures, 'customers.config.json'));
    const store = new FileStore(path.join(dir, 'store'));
    const { manifest } = await ingestTable(config, store);
    const loaded = await loadDataset(store, manifest.datasetId);
    assert.deepEqual(loaded.manifest, manifest);
    assert.equal(loaded.splits.train.length, manifest.rows.train);
    assert.equal(loaded.splits.validation.length, manifest.rows.validation);
    assert.equal(loaded.splits.test.length, manifest.rows.test);
    const c001 = [...loaded.splits.train, ...loaded.splits.validation, ...loaded.splits.test].find((row) => row.id === 'C001');
    assert.deepEqual(c001, {
      id: 'C001',
      line: 2,
      features: { plan: 'plus', internet: 'Fiber optic', tenure: '7' },
      labels: { churn: 1, security_xsell: 0, spend: 33.15 },
    });
  });

  void it('treats a missing dataset, or a folder without manifest.json, as not found', async () => {
    const store = new FileStore(path.join(dir, 'partial'));
    await assert.rejects(loadDataset(store, 'shop-000000000000'), NotFoundError);
    await store.put('datasets/shop-111111111111/train.jsonl', '{}\n');
    await assert.rejects(loadDataset(store, 'shop-111111111111'), (error: unknown) => error instanceof NotFoundError && /no datasets\/shop-111111111111\/manifest\.json/.test(error.message));
    await assert.rejects(loadDataset(store, '../escape'), /invalid dataset id/);
  });
});
