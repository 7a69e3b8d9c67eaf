import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { featuresSchema } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { fitPreprocessor, transformRows, validateRows, type FitRow, type Preprocessor } from './preprocessor.ts';

// These cases are about the standard numeric encoding (ple, the default, has its own cases below).
const config = featuresSchema.parse({ minCategoryCount: 1, numericEncoding: 'standard' });
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

describe('numeric encodings', () => {
  const numbers = (values: (number | null)[]): FitRow[] => rows(values.map((x) => ({ x })));
  const trainA = numbers([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  // Rows B lie far above A: anything fitted on them would put 100 in the middle, not above the top.
  const rowsB = [{ x: 100 }, { x: 101 }, { x: 102 }, { x: 2.5 }];

  it('quantile: fits the quantiles on the training rows only and maps through the inverse normal CDF', () => {
    const pre = fitPreprocessor(trainA, ['x'], featuresSchema.parse({ numericEncoding: 'quantile' }));
    const column = pre.columns[0];
    assert.equal(column?.kind === 'numeric' && column.encoding?.kind, 'quantile');
    assert.deepEqual(column?.kind === 'numeric' && column.encoding?.kind === 'quantile' && column.encoding.quantiles, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(pre.inputNames, ['x']);
    const out = Array.from(transformRows(pre, [...rowsB, { x: 5 }, { x: -3 }]));
    // 100..102 are above every training value: the CDF's clipped top, Φ⁻¹(1 − 1e-7) ≈ 5.2.
    for (const value of out.slice(0, 3)) assert.ok(Math.abs(value - 5.199) < 1e-3, String(value));
    assert.ok(Math.abs((out[3] as number) - -0.6745) < 1e-4, `2.5 is the 25th percentile of A: ${out[3]}`);
    assert.equal(out[4], 0);
    assert.ok(Math.abs((out[5] as number) + 5.199) < 1e-3);
    // Fitted on B instead, 100 would be near the bottom: the encoding really came from A.
    const onB = fitPreprocessor(numbers([99, 100, 101, 102, 103]), ['x'], featuresSchema.parse({ numericEncoding: 'quantile' }));
    assert.ok((transformRows(onB, [{ x: 100 }])[0] as number) < 0);
  });

  it('quantile: puts a value repeated in training at the middle of its mass, and imputes the median with a flag', () => {
    const pre = fitPreprocessor(numbers([0, 0, 0, 1, null]), ['x'], featuresSchema.parse({ numericEncoding: 'quantile' }));
    assert.deepEqual(pre.inputNames, ['x', 'x__missing']);
    const [zero, zeroFlag, missing, missingFlag] = Array.from(transformRows(pre, [{ x: 0 }, { x: null }]));
    // quantiles [0, 0, 0, 1]: 0 spans CDF 0..2/3, so it maps to Φ⁻¹(1/3) ≈ −0.4307; the median is 0 too.
    assert.ok(Math.abs((zero as number) + 0.4307) < 1e-4, String(zero));
    assert.deepEqual([zeroFlag, missing, missingFlag], [0, zero, 1]);
  });

  it('ple: quantile bin edges from the training rows only, T inputs per value (1 below, fraction within, 0 above)', () => {
    const pre = fitPreprocessor(numbers([8, 0, 1, 2, 3, 4, 5, 6, 7]), ['x'], featuresSchema.parse({ numericEncoding: 'ple', bins: 4 }));
    const column = pre.columns[0];
    assert.deepEqual(column?.kind === 'numeric' && column.encoding, { kind: 'ple', edges: [0, 2, 4, 6, 8] });
    assert.deepEqual(pre.inputNames, ['x__ple0', 'x__ple1', 'x__ple2', 'x__ple3']);
    const out = Array.from(transformRows(pre, [{ x: 5 }, { x: 2 }, { x: -2 }, { x: 12 }, ...rowsB.slice(0, 1)]));
    assert.deepEqual(out.slice(0, 4), [1, 1, 0.5, 0]);
    assert.deepEqual(out.slice(4, 8), [1, 0, 0, 0]);
    // The outer bins extend linearly beyond the training range (clipped at ±10), the inner ones do not.
    assert.deepEqual(out.slice(8, 12), [-1, 0, 0, 0]);
    assert.deepEqual(out.slice(12, 16), [1, 1, 1, 3]);
    assert.deepEqual(out.slice(16, 20), [1, 1, 1, 10]);
    // Fitted on rows B, the edges would be B's: the encoding really came from the training rows.
    const onB = fitPreprocessor(numbers(rowsB.map((row) => row.x)), ['x'], featuresSchema.parse({ numericEncoding: 'ple', bins: 4 }));
    assert.deepEqual(onB.columns[0]?.kind === 'numeric' && onB.columns[0].encoding, { kind: 'ple', edges: [2.5, 100, 101, 102] });
  });

  it('ple: fewer bins when a column has few distinct values; a constant column keeps the standard scaling', () => {
    const pre = fitPreprocessor(
      rows(Array.from({ length: 30 }, (_, i) => ({ flag: i % 3 === 0 ? 1 : 0, few: i % 3, same: 4 }))),
      ['flag', 'few', 'same'],
      featuresSchema.parse({ numericEncoding: 'ple', bins: 16 }),
    );
    assert.deepEqual(pre.inputNames, ['flag__ple0', 'few__ple0', 'few__ple1', 'same']);
    assert.deepEqual(Array.from(transformRows(pre, [{ flag: 1, few: 1.5, same: 4 }])), [1, 1, 0.5, 0]);
  });
});

describe('preprocessor.json compatibility', () => {
  it('transforms a version-1 file (no encodings) exactly as before: log1p, median imputation, scaling, clipping', () => {
    const saved = JSON.parse(`{
      "version": 1,
      "columns": [
        { "name": "spend", "kind": "numeric", "log1p": true, "median": 2, "mean": 2.5, "std": 0.5, "missingIndicator": true },
        { "name": "tenure", "kind": "numeric", "log1p": false, "median": 12, "mean": 10, "std": 4, "missingIndicator": false },
        { "name": "plus", "kind": "boolean", "trueShare": 0.25 },
        { "name": "plan", "kind": "categorical", "vocabulary": ["basic", "pro"] }
      ],
      "inputNames": ["spend", "spend__missing", "tenure", "plus", "plan=basic", "plan=pro", "plan=__other__"]
    }`) as Preprocessor;
    const out = transformRows(saved, [
      { spend: Math.E - 1, tenure: 18, plus: 'yes', plan: 'pro' },
      { spend: null, tenure: null, plus: null, plan: 'gold' },
      { spend: 0, tenure: 1000, plus: 'no', plan: null },
    ]);
    const expected = [-3, 0, 2, 1, 0, 1, 0, -1, 1, 0.5, 0.25, 0, 0, 1, -5, 0, 10, 0, 0, 0, 1];
    expected.forEach((value, i) => assert.ok(Math.abs((out[i] as number) - value) < 1e-6, `input ${i}: ${out[i]} vs ${value}`));
  });
});
