import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/load-config.ts';
import type { TaskSpec } from '../config/schema.ts';
import type { DatasetSplits, LabelledRow } from './labelled-row.ts';
import { splitDataset, splitRows, stratificationTask } from './split-dataset.ts';
import { labelledTableOf } from '../../test/helpers/labelled-table.ts';

const config = parseConfig(
  {
    data: { path: 'x.csv' },
    tasks: [
      { name: 'aux', type: 'binary', label: { column: 'a' }, auxiliary: true },
      { name: 'spend', type: 'regression', label: { column: 's' } },
      { name: 'churn', type: 'binary', label: { column: 'c' } },
    ],
    split: { test: 0.2, validation: 0.1, seed: 3 },
  },
  'test',
);

/** 1000 rows: churn positive on every 5th row (200), missing on every 50th that is not positive. */
function makeRows(count = 1000): LabelledRow[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `r${i}`,
    line: i + 2,
    features: { x: String(i) },
    labels: { aux: i % 2, spend: i, churn: i % 5 === 0 ? 1 : i % 50 === 1 ? null : 0 },
  }));
}

/** Splits rows and hands back each part's rows. */
function split(rows: readonly LabelledRow[], options = config.split, tasks: readonly TaskSpec[] = config.tasks): DatasetSplits {
  return splitRows(rows, splitDataset(labelledTableOf(rows, { featureColumns: ['x'], taskNames: ['aux', 'spend', 'churn'] }), options, tasks));
}

const ids = (rows: readonly LabelledRow[]): string[] => rows.map((row) => row.id);

void describe('splitDataset', () => {
  void it('stratifies by the first non-auxiliary binary task', () => {
    assert.equal(stratificationTask(config.tasks)?.name, 'churn');
    const regressionOnly: TaskSpec[] = config.tasks.filter((task) => task.type === 'regression');
    assert.equal(stratificationTask(regressionOnly), undefined);
  });

  void it('is deterministic for the same rows and seed, and changes with the seed', () => {
    const a = split(makeRows());
    const b = split(makeRows());
    assert.deepEqual(ids(a.test), ids(b.test));
    assert.deepEqual(ids(a.validation), ids(b.validation));
    const c = split(makeRows(), { ...config.split, seed: 4 });
    assert.notDeepEqual(ids(a.test), ids(c.test));
  });

  void it('gives disjoint splits that cover every row, each in input order', () => {
    const rows = makeRows();
    const { train, validation, test } = split(rows);
    const all = [...ids(train), ...ids(validation), ...ids(test)];
    assert.equal(new Set(all).size, rows.length);
    assert.equal(all.length, rows.length);
    for (const part of [train, validation, test]) {
      const lines = part.map((row) => row.line);
      assert.deepEqual(lines, [...lines].sort((x, y) => x - y));
    }
  });

  void it('sizes each stratum by round(n·share) and keeps the positive share', () => {
    const { train, validation, test } = split(makeRows());
    const count = (rows: readonly LabelledRow[], value: number | null): number => rows.filter((row) => row.labels.churn === value).length;
    // Strata: 200 positives, 20 missing, 780 negatives.
    assert.deepEqual([count(test, 1), count(validation, 1), count(train, 1)], [40, 20, 140]);
    assert.deepEqual([count(test, null), count(validation, null), count(train, null)], [4, 2, 14]);
    assert.deepEqual([count(test, 0), count(validation, 0), count(train, 0)], [156, 78, 546]);
  });

  void it('splits without stratification when no binary task is eligible', () => {
    const tasks = config.tasks.filter((task) => task.type === 'regression');
    const { train, validation, test } = split(makeRows(10), config.split, tasks);
    assert.deepEqual([train.length, validation.length, test.length], [7, 1, 2]);
  });

  void it('refuses to leave a split empty', () => {
    assert.throws(() => split(makeRows(3), config.split, []), /3 rows are too few to split/);
  });
});
