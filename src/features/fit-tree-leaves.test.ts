import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { featuresSchema, type TaskSpec } from '../config/schema.ts';
import { interactionCustomers as customers } from '../../test/helpers/interaction-customers.ts';
import { cellsOfRows, createColumnEncoder } from './encode-columns.ts';
import { fitTreeLeaves } from './fit-tree-leaves.ts';
import { columnInputWidth, fitPreprocessor, inputWidth, transformRows, type Preprocessor } from './preprocessor.ts';

const tasks: TaskSpec[] = [
  { name: 'premium', type: 'binary', label: { column: 'premium' }, auxiliary: false },
  { name: 'linear', type: 'binary', label: { column: 'linear' }, auxiliary: false },
  { name: 'tier', type: 'multiclass', label: { column: 'tier', classes: ['a', 'b'] }, auxiliary: false },
];

const train = customers(1500, 1);
const config = featuresSchema.parse({ treeLeaves: 50, treeDepth: 3 });
const base = fitPreprocessor(train, ['income', 'limit', 'age'], config);
const withLeaves = fitTreeLeaves(base, train, tasks, config);

describe('fitTreeLeaves', () => {
  it('adds leaves for a task whose trees beat a linear model, none for a linear or multiclass task', () => {
    assert.equal(withLeaves.version, 3);
    assert.deepEqual(
      withLeaves.treeLeaves?.forests.map((forest) => forest.task),
      ['premium'],
    );
    const leaves = withLeaves.treeLeaves?.leaves as number;
    assert.ok(leaves > 0);
    assert.equal(inputWidth(withLeaves), inputWidth(base) + leaves);
    assert.deepEqual(withLeaves.inputNames.slice(0, inputWidth(base)), base.inputNames);
    assert.equal(withLeaves.inputNames[inputWidth(base)], 'premium__leaf0');
    assert.deepEqual(withLeaves.columns, base.columns);
  });

  it('gives each row one leaf per tree: the column inputs unchanged, then 0/1 leaf inputs', () => {
    const rows = customers(200, 2).map((row) => row.features);
    const x = transformRows(withLeaves, rows);
    const plain = transformRows(base, rows);
    const width = inputWidth(withLeaves);
    const columnWidth = columnInputWidth(withLeaves);
    const trees = withLeaves.treeLeaves?.forests.reduce((sum, forest) => sum + forest.trees.length, 0);
    rows.forEach((_, r) => {
      assert.deepEqual(x.subarray(r * width, r * width + columnWidth), plain.subarray(r * columnWidth, (r + 1) * columnWidth));
      const leafInputs = Array.from(x.subarray(r * width + columnWidth, (r + 1) * width));
      assert.ok(leafInputs.every((v) => v === 0 || v === 1));
      assert.equal(leafInputs.filter((v) => v === 1).length, trees);
    });
  });

  it('the leaves carry the interaction: a premium customer and a non-premium one of the same income land in different leaves', () => {
    const [rich, poor] = [{ income: 'high', limit: '12000', age: '40' }, { income: 'high', limit: '4000', age: '40' }].map((row) => transformRows(withLeaves, [row]));
    assert.notDeepEqual(rich?.subarray(columnInputWidth(withLeaves)), poor?.subarray(columnInputWidth(withLeaves)));
  });

  it('survives preprocessor.json: the saved encoding transforms exactly as the fitted one, column by column too', () => {
    const saved = JSON.parse(JSON.stringify(withLeaves)) as Preprocessor;
    const rows = customers(300, 3).map((row) => row.features);
    assert.deepEqual(transformRows(saved, rows), transformRows(withLeaves, rows));
    const { x, issues } = createColumnEncoder(saved).encode(cellsOfRows(rows, ['income', 'limit', 'age']), rows.length);
    assert.deepEqual(issues, []);
    assert.deepEqual(x, transformRows(withLeaves, rows));
  });

  it('is fitted on the rows it is given only, deterministically; treeLeaves 0 leaves the preprocessor as it is', () => {
    assert.deepEqual(fitTreeLeaves(base, train, tasks, config), withLeaves);
    const other = customers(1500, 9);
    assert.notDeepEqual(fitTreeLeaves(base, other, tasks, config).treeLeaves, withLeaves.treeLeaves);
    assert.equal(fitTreeLeaves(base, train, tasks, featuresSchema.parse({ treeLeaves: 0 })), base);
  });
});
