import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadTableConfig } from '../src/config/load-config.ts';
import { demoTableConfig } from '../src/data/generate-customer-table.ts';

describe('shipped configs', () => {
  it('tandem.config.example.json describes the demo table exactly as `npm start` trains on it', async () => {
    const { config } = await loadTableConfig('tandem.config.example.json');
    const demo = demoTableConfig(path.resolve('.tandem/demo/customers.csv'));
    assert.deepEqual(config.tasks, demo.tasks);
    assert.deepEqual({ ...config.data, path: path.resolve(config.data.path) }, demo.data);
    assert.deepEqual(config.split, demo.split);
  });

  for (const file of ['examples/telco.config.json', 'examples/shoppers.config.json']) {
    it(`${file} is valid`, async () => {
      const { config } = await loadTableConfig(file);
      assert.ok(config.tasks.length > 0);
    });
  }
});
