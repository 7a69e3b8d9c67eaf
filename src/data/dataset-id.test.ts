import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTableConfig } from '../config/load-config.ts';
import { computeDatasetId, sha256Hex } from './dataset-id.ts';

const input = { name: 'shop', data: { path: '/a/x.csv' }, tasks: [{ name: 'churn', type: 'binary', label: { column: 'c' } }] };
const bytes = Buffer.from('c,x\nyes,1\n');

void describe('computeDatasetId', () => {
  void it('is <name>-<12 hex>, the same for the same bytes and config wherever the file lies', () => {
    const id = computeDatasetId(parseTableConfig(input, 't'), bytes);
    assert.match(id, /^shop-[0-9a-f]{12}$/);
    assert.equal(computeDatasetId(parseTableConfig({ ...input, data: { path: '/elsewhere/y.csv' } }, 't'), Buffer.from(bytes)), id);
  });

  void it('changes with the bytes and with the dataset-shaping config', () => {
    const id = computeDatasetId(parseTableConfig(input, 't'), bytes);
    assert.notEqual(computeDatasetId(parseTableConfig(input, 't'), Buffer.from('c,x\nno,1\n')), id);
    assert.notEqual(computeDatasetId(parseTableConfig({ ...input, split: { seed: 1 } }, 't'), bytes), id);
    assert.notEqual(computeDatasetId(parseTableConfig({ ...input, data: { path: '/a/x.csv', exclude: ['x'] } }, 't'), bytes), id);
    // Model settings do not shape the dataset.
    assert.equal(computeDatasetId(parseTableConfig({ ...input, model: { epochs: 3 } }, 't'), bytes), id);
  });

  void it('hashes bytes as sha256 hex', () => {
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
