import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { featuresSchema, type TaskSpec } from '../config/schema.ts';
import { interactionCustomers as customers } from '../../test/helpers/interaction-customers.ts';
import { cellsOfRows, createColumnEncoder } from './encode-columns.ts';
import { computeAuc } from '../metrics/roc-auc.ts';
import { fitTreeLeaves, writeTrainingTreeScores } from './fit-tree-leaves.ts';
import { columnInputWidth, fitPreprocessor, inputWidth, transformRows, type Preprocessor } from './preprocessor.ts';

const tasks: TaskSpec[] = [
  { name: 'premium', type: 'binary', label: { column: 'premium' }, auxiliary: false },
  { name: 'linear', type: 'binary', label: { column: 'linear' }, auxiliary: false },
  { name: 'tier', type: 'multiclass', label: { column: 'tier', classes: ['a', 'b'] }, auxiliary: false },
];

const train = customers(1500, 1);
const config = featuresSchema.parse({ treeLeaves: 50, treeDepth: 3 });
const base = fitPreprocessor(train, ['income', 'limit', 'age'], config);
const fitted = fitTreeLeaves(base, train, tasks, config);
const withLeaves = fitted.preprocessor;

describe('fitTreeLeaves', () => {
  it('adds leaves for a task whose trees beat a linear model, none for a linear or multiclass task', () => {
    assert.equal(withLeaves.version, 3);
    assert.deepEqual(
      withLeaves.treeLeaves?.forests.map((forest) => forest.task),
      ['premium'],
    );
    const leaves = withLeaves.treeLeaves?.leaves as number;
    assert.ok(leaves > 0);
    assert.equal(inputWidth(withLeaves), inputWidth(base) + leaves + 1);
    assert.deepEqual(withLeaves.inputNames.slice(0, inputWidth(base)), base.inputNames);
    assert.equal(withLeaves.inputNames[inputWidth(base)], 'premium__leaf0');
    assert.equal(withLeaves.inputNames.at(-1), 'premium__tree_score');
    assert.equal(columnInputWidth(withLeaves), inputWidth(base));
    assert.deepEqual(withLeaves.columns, base.columns);
  });

  it('gives each row one leaf per tree: the column inputs unchanged, then 0/1 leaf inputs, then the standardised score', () => {
    const rows = customers(200, 2).map((row) => row.features);
    const x = transformRows(withLeaves, rows);
    const plain = transformRows(base, rows);
    const width = inputWidth(withLeaves);
    const columnWidth = columnInputWidth(withLeaves);
    const trees = withLeaves.treeLeaves?.forests.reduce((sum, forest) => sum + forest.trees.length, 0);
    rows.forEach((_, r) => {
      assert.deepEqual(x.subarray(r * width, r * width + columnWidth), plain.subarray(r * columnWidth, (r + 1) * columnWidth));
      const leafInputs = Array.from(x.subarray(r * width + columnWidth, (r + 1) * width - 1));
      assert.ok(leafInputs.every((v) => v === 0 || v === 1));
      assert.equal(leafInputs.filter((v) => v === 1).length, trees);
    });
  });

  it('the score input is the forest\'s prediction: standardised on the training rows, ranking unseen rows as the label does', () => {
    const width = inputWidth(withLeaves);
    const scoreOf = (x: Float32Array): Float64Array => Float64Array.from({ length: x.length / width }, (_, r) => x[r * width + width - 1] as number);
    const onTrain = scoreOf(transformRows(withLeaves, train.map((row) => row.features)));
    const mean = onTrain.reduce((sum, v) => sum + v, 0) / onTrain.length;
    const std = Math.sqrt(onTrain.reduce((sum, v) => sum + (v - mean) ** 2, 0) / onTrain.length);
    assert.ok(Math.abs(mean) < 1e-3 && Math.abs(std - 1) < 1e-3, `mean ${mean}, std ${std}`);
    const unseen = customers(800, 4);
    const auc = computeAuc(scoreOf(transformRows(withLeaves, unseen.map((row) => row.features))), Float64Array.from(unseen, (row) => row.labels.premium as number));
    assert.ok((auc as number) > 0.9, `AUC ${String(auc)}`);
  });

  it('training rows get cross-fitted scores: from forests that did not see their labels, less sure than the forest\'s own', () => {
    assert.equal(fitted.trainingScores.length, 1);
    const width = inputWidth(withLeaves);
    const x = transformRows(withLeaves, train.map((row) => row.features));
    const own = Float64Array.from(train, (_, r) => x[r * width + width - 1] as number);
    writeTrainingTreeScores(fitted, x);
    const crossFitted = Float64Array.from(train, (_, r) => x[r * width + width - 1] as number);
    assert.deepEqual(crossFitted, Float64Array.from(fitted.trainingScores[0] as Float32Array));
    assert.ok(crossFitted.some((v, r) => v !== own[r]));
    const labels = Float64Array.from(train, (row) => row.labels.premium as number);
    // In-sample scores rank the rows they were fitted on better than scores from forests fitted without them.
    assert.ok((computeAuc(own, labels) as number) > (computeAuc(crossFitted, labels) as number));
    // Only the score column moves.
    const plain = transformRows(withLeaves, train.map((row) => row.features));
    plain.forEach((v, i) => {
      if (i % width !== width - 1) assert.equal(x[i], v);
    });
  });

  it('treeScores false: leaves only, no score input', () => {
    const leavesOnly = fitTreeLeaves(base, train, tasks, featuresSchema.parse({ treeLeaves: 50, treeDepth: 3, treeScores: false }));
    assert.deepEqual(leavesOnly.trainingScores, []);
    assert.equal(inputWidth(leavesOnly.preprocessor), inputWidth(base) + (leavesOnly.preprocessor.treeLeaves?.leaves as number));
    assert.ok(leavesOnly.preprocessor.inputNames.every((name) => !name.endsWith('__tree_score')));
  });

  it('treeLeafInputs false with leaf-wise trees: the scores only, the same as with the leaves, through preprocessor.json too', () => {
    const leafWise = featuresSchema.parse({ treeLeaves: 50, treeMaxLeaves: 12 });
    const scoresOnly = fitTreeLeaves(base, train, tasks, { ...leafWise, treeLeafInputs: false });
    const withBoth = fitTreeLeaves(base, train, tasks, leafWise);
    const encoding = scoresOnly.preprocessor.treeLeaves;
    assert.ok(encoding !== undefined && encoding.leaves > 0);
    assert.ok(encoding.forests.some((forest) => forest.trees.some((tree) => tree.length + 1 > 8)), 'leaf-wise trees past 8 leaves');
    assert.ok(encoding.forests.every((forest) => forest.trees.every((tree) => tree.length + 1 <= 12)));
    assert.deepEqual(scoresOnly.preprocessor.inputNames, [...base.inputNames, 'premium__tree_score']);
    assert.deepEqual(scoresOnly.trainingScores, withBoth.trainingScores);
    const rows = customers(300, 3).map((row) => row.features);
    const x = transformRows(scoresOnly.preprocessor, rows);
    const both = transformRows(withBoth.preprocessor, rows);
    const [width, bothWidth] = [inputWidth(scoresOnly.preprocessor), inputWidth(withBoth.preprocessor)];
    rows.forEach((_, r) => {
      assert.deepEqual(x.subarray(r * width, (r + 1) * width - 1), both.subarray(r * bothWidth, r * bothWidth + width - 1));
      assert.equal(x[(r + 1) * width - 1], both[(r + 1) * bothWidth - 1]);
    });
    const saved = JSON.parse(JSON.stringify(scoresOnly.preprocessor)) as Preprocessor;
    assert.deepEqual(transformRows(saved, rows), x);
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
    assert.deepEqual(fitTreeLeaves(base, train, tasks, config), fitted);
    const other = customers(1500, 9);
    assert.notDeepEqual(fitTreeLeaves(base, other, tasks, config).preprocessor.treeLeaves, withLeaves.treeLeaves);
    assert.equal(fitTreeLeaves(base, train, tasks, featuresSchema.parse({ treeLeaves: 0 })).preprocessor, base);
  });
});
