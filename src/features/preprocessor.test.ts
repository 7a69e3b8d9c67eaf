import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { featuresSchema } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { fitPreprocessor, transformRows, validateRows, type FitRow } from './preprocessor.ts';

const config = featuresSchema.parse({ minCategoryCount: 1 });
const rows = (features: Record<string, string | number | null>[]): FitRow[] => features.map((f, i) => ({ features: f, line: i + 2 }));

describe('fitPreprocessor', () => {
  it('infers numeric, yes/no words (Yes/No, TRUE/FALSE) and categorical columns', () => {
    const pre = fitPreprocessor(
      rows([
        { n: '1', yes: 'Yes', tf: 'TRUE', bin: '0', cat: 'a' },
        { n: '3', yes: 'No', tf: 'FALSE', bin: '1', cat: 'b' },
        { n: '5', yes: 'Yes', tf: 'TRUE', bin: '1', cat: 'a' },
      ]),
      ['n', 'yes', 'tf', 'bin', 'cat'],
      config,
    );
    assert.deepEqual(
      pre.columns.map((c) => [c.name, c.kind]),
      [['n', 'numeric'], ['yes', 'boolean'], ['tf', 'boolean'], ['bin', 'numeric'], ['cat', 'categorical']],
    );
    assert.deepEqual(pre.inputNames, ['n', 'yes', 'tf', 'bin', 'cat=a', 'cat=b', 'cat=__other__']);
  });

  it('imputes the median, scales to zero mean and unit spread, and flags missing cells', () => {
    const pre = fitPreprocessor(rows([{ x: '1' }, { x: '2' }, { x: null }, { x: '3' }]), ['x'], config);
    assert.deepEqual(pre.inputNames, ['x', 'x__missing']);
    const out = transformRows(pre, [{ x: '2' }, { x: null }, { x: 'nonsense' }]);
    // median 2 = mean 2 after imputation, so an imputed cell scales to exactly 0
    assert.deepEqual(Array.from(out), [0, 0, 0, 1, 0, 1]);
    const train = transformRows(pre, [{ x: '1' }, { x: '3' }]);
    assert.ok(Math.abs((train[0] as number) + (train[2] as number)) < 1e-6);
  });

  it('sends unseen, rare and missing categories to the out-of-vocabulary bucket', () => {
    const pre = fitPreprocessor(rows([{ c: 'a' }, { c: 'a' }, { c: 'b' }, { c: 'rare' }]), ['c'], featuresSchema.parse({ minCategoryCount: 2 }));
    assert.deepEqual(pre.inputNames, ['c=a', 'c=__other__']);
    assert.deepEqual(Array.from(transformRows(pre, [{ c: 'a' }, { c: 'b' }, { c: 'never' }, { c: null }])), [1, 0, 0, 1, 0, 1, 0, 1]);
  });

  it('fails naming the column, line and value when a numeric column has too many non-numbers', () => {
    const data = rows(Array.from({ length: 20 }, (_, i) => ({ x: i === 7 ? 'oops' : String(i) })));
    assert.throws(
      () => fitPreprocessor(data, ['x'], config, { source: 'train.csv' }),
      (error: unknown) => error instanceof BadInputError && /"x"/.test(error.message) && /train\.csv:9/.test(error.message) && /oops/.test(error.message),
    );
  });

  it('tolerates a small share of non-numbers as missing', () => {
    const data = rows(Array.from({ length: 200 }, (_, i) => ({ x: i === 7 ? 'oops' : String(i) })));
    const pre = fitPreprocessor(data, ['x'], config);
    assert.equal(pre.columns[0]?.kind, 'numeric');
  });

  it('validates request rows with field paths', () => {
    const pre = fitPreprocessor(rows([{ n: '1', b: 'Yes' }, { n: '2', b: 'No' }]), ['n', 'b'], config);
    assert.deepEqual(validateRows(pre, [{ n: 1, b: true }, { n: 'abc' }, { b: 'maybe' }, 5]), [
      { path: 'customers[1].n', issue: 'must be a number, got "abc"' },
      { path: 'customers[2].b', issue: 'must be yes/no, true/false or 1/0, got "maybe"' },
      { path: 'customers[3]', issue: 'must be an object of feature columns' },
    ]);
  });
});
