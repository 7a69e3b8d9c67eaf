import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import { loadDataset } from '../data/load-dataset.ts';
import { createModelId, loadModel } from '../model/model-artifacts.ts';
import { championKey, modelCardKey } from '../registry/champion.ts';
import { loadRunReportData } from '../report/run-report-data.ts';
import { trialSpecSchema } from '../search/trial-spec-schema.ts';
import { FileStore } from '../store/file-store.ts';
import { parseConfig } from './load-config.ts';

const tableConfig = (name: string): unknown => ({
  name,
  data: { path: 'x.csv' },
  tasks: [{ name: 'churn', type: 'binary', label: { column: 'Churn' } }],
});

void describe('project names', () => {
  const valid = ['telco', 'bank-marketing', 'bank.marketing', 'shop_2024-q1', '_legacy', '2024-shop', 'a'];

  void it('accepts hyphens, dots and digits in a config name', () => {
    for (const name of valid) assert.equal(parseConfig(tableConfig(name), 'config.json').name, name);
  });

  void it('refuses names that are not one plain store-key segment, naming the field', () => {
    for (const name of ['', 'a/b', '..', '.hidden', '-x', 'x-', 'x.', 'bank marketing', 'x'.repeat(65), 'naïve']) {
      assert.throws(
        () => parseConfig(tableConfig(name), 'config.json'),
        (error: unknown) => error instanceof BadInputError && error.details.some((d) => d.path === 'name' && /letters, digits, _, - or \./.test(d.issue)),
        `name ${JSON.stringify(name)}`,
      );
    }
  });

  void it('keeps task names identifiers (they become columns)', () => {
    const config = { ...(tableConfig('bank-marketing') as object), tasks: [{ name: 'will-churn', type: 'binary', label: { column: 'Churn' } }] };
    assert.throws(() => parseConfig(config, 'config.json'), (error: unknown) => error instanceof BadInputError && error.details.some((d) => d.path === 'tasks[0].name'));
  });

  void it('gives model, run and dataset ids that every id check accepts and that name their project unambiguously', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-project-name-'));
    try {
      const store = new FileStore(dir);
      for (const name of valid) {
        // Model and run ids share one shape: <name>-<UTC time>-<6 hex>; the name is all but the fixed-length tail.
        const id = createModelId(name, new Date('2024-06-01T02:03:04.567Z'));
        assert.equal(id.slice(0, -'-20240601T020304Z-abcdef'.length), name);
        assert.equal(modelCardKey(id), `models/${id}/card.json`);
        assert.equal(championKey(name), `champions/${name}.json`);
        assert.ok(trialSpecSchema.shape.runId.safeParse(id).success, `run id ${id}`);
        // Each reader gets past its id check to "not found".
        await assert.rejects(loadModel(store, id), NotFoundError, `model ${id}`);
        await assert.rejects(loadRunReportData(store, id), NotFoundError, `run ${id}`);
        await assert.rejects(loadDataset(store, `${name}-0123456789ab`), NotFoundError, `dataset of ${name}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
