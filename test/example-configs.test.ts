import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config/load-config.ts';
import { demoShopConfig } from '../src/data/events/demo-shop-config.ts';

describe('shipped configs', () => {
  it('tandem.config.example.json describes the demo shop exactly as `npm start` ingests it', async () => {
    const { config } = await loadConfig('tandem.config.example.json');
    const demo = demoShopConfig(path.resolve('.tandem/demo/shop'));
    assert.deepEqual(config.data, demo.data);
    assert.deepEqual(config.tasks, demo.tasks);
    assert.deepEqual(config.split, demo.split);
  });

  for (const file of ['examples/telco.config.json', 'examples/shoppers.config.json', 'examples/bank-churners.config.json']) {
    it(`${file} is valid`, async () => {
      const { config } = await loadConfig(file);
      assert.ok(config.tasks.length > 0);
    });
  }
});
