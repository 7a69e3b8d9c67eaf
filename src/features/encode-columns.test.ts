import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { featuresSchema } from '../config/schema.ts';
import type { RawRow } from '../data/labelled-row.ts';
import { cellsOfRows, createColumnEncoder } from './encode-columns.ts';
import { fitPreprocessor, transformRows, validateRows } from './preprocessor.ts';

/** Training rows: a skewed numeric column with gaps, a yes/no column, a categorical one with a rare value. */
const training: RawRow[] = Array.from({ length: 60 }, (_, i) => ({
  tenure: i % 7 === 0 ? null : String((i * 37) % 71),
  spend: String(i < 50 ? i % 5 : 500 + i * 40),
  partner: i % 3 === 0 ? 'Yes' : 'No',
  plan: ['basic', 'pro', 'max'][i % 3] as string,
}));

/** Scoring rows: valid, blank, numeric text with spaces, booleans as 1/0 and true, unseen categories, and bad cells. */
const scoring: RawRow[] = [
  { tenure: '12', spend: '3', partner: 'Yes', plan: 'pro' },
  { tenure: ' 4.5 ', spend: null, partner: '0', plan: 'unheard-of' },
  { tenure: 'twelve', spend: 'x', partner: 'maybe', plan: 'basic' },
  { tenure: null, spend: '2', partner: true, plan: 7 },
  { tenure: 3, spend: '1e3', partner: 'perhaps', plan: ' max ' },
  { tenure: '   ', spend: '-2', partner: null, plan: null },
  { tenure: '5', spend: '0', partner: 'No', plan: 'pro' },
  { tenure: true, spend: '4', partner: 1, plan: 'basic' },
];

describe('createColumnEncoder', () => {
  for (const numericEncoding of ['standard', 'quantile', 'ple'] as const) {
    it(`encodes what transformRows encodes and refuses what validateRows refuses (first cell per row): ${numericEncoding}`, () => {
      const preprocessor = fitPreprocessor(
        training.map((features, i) => ({ features, line: i + 2 })),
        ['tenure', 'spend', 'partner', 'plan'],
        featuresSchema.parse({ numericEncoding, bins: 4, minCategoryCount: 1 }),
      );
      const encoder = createColumnEncoder(preprocessor);
      const names = preprocessor.columns.map((column) => column.name);
      // Twice: the second time the remembered codes are used.
      for (let round = 0; round < 2; round++) {
        const { x, issues } = encoder.encode(cellsOfRows(scoring, names), scoring.length);
        assert.deepEqual(x, transformRows(preprocessor, scoring));
        const expected = new Map<number, { row: number; column: string; issue: string }>();
        for (const { path, issue } of validateRows(preprocessor, scoring, 'row')) {
          const [, row, column] = /^row\[(\d+)\]\.(.*)$/.exec(path) as RegExpExecArray;
          if (!expected.has(Number(row))) expected.set(Number(row), { row: Number(row), column: column as string, issue });
        }
        assert.deepEqual(issues, [...expected.values()]);
        assert.deepEqual(
          issues.map((issue) => issue.row),
          [2, 4, 7],
        );
      }
    });
  }

  it('treats a column absent from the cells as missing in every row', () => {
    const preprocessor = fitPreprocessor(
      training.map((features, i) => ({ features, line: i + 2 })),
      ['tenure', 'partner', 'plan'],
      featuresSchema.parse({ minCategoryCount: 1 }),
    );
    const rows: RawRow[] = [{ partner: 'Yes', plan: 'pro' }, { partner: 'No', plan: 'basic' }];
    const { x, issues } = createColumnEncoder(preprocessor).encode(cellsOfRows(rows, ['partner', 'plan']), rows.length);
    assert.deepEqual(x, transformRows(preprocessor, rows));
    assert.deepEqual(issues, []);
  });
});
