import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binFeature, boostingRows, fitBoostedTrees, leafOf, type BoostingSettings } from './boosted-trees.ts';

const settings: BoostingSettings = { trees: 100, depth: 2, learningRate: 0.1, minLeafRows: 5, l2: 1 };

/** A deterministic stream in [0, 1) (a linear congruential generator): test data without Math.random. */
function uniforms(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}

function binned(columns: Float64Array[]): { rows: number; bins: Uint8Array[]; cuts: Float64Array[] } {
  const fitted = columns.map(binFeature);
  return { rows: columns[0]?.length ?? 0, bins: fitted.map((f) => f.bins), cuts: fitted.map((f) => f.cuts) };
}

describe('binFeature', () => {
  it('cuts halfway between neighbouring distinct values, and bins each value below its first cut at or above it', () => {
    const { bins, cuts } = binFeature(Float64Array.from([3, 1, 2, 2, 10]));
    assert.deepEqual(Array.from(cuts), [1.5, 2.5, 6.5]);
    assert.deepEqual(Array.from(bins), [2, 0, 1, 1, 3]);
  });

  it('with more than 256 distinct values, at most 255 ascending cuts between quantiles', () => {
    const values = Float64Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000);
    const { bins, cuts } = binFeature(values);
    assert.ok(cuts.length <= 255 && cuts.length > 200, String(cuts.length));
    for (let i = 1; i < cuts.length; i++) assert.ok((cuts[i] as number) > (cuts[i - 1] as number));
    values.forEach((v, i) => {
      const b = bins[i] as number;
      assert.ok(b === cuts.length || v <= (cuts[b] as number));
      assert.ok(b === 0 || v > (cuts[b - 1] as number));
    });
  });
});

describe('fitBoostedTrees', () => {
  // y = (a > 0.5) AND (b > 0.5): one split does not separate it, a depth-2 tree does.
  const next = uniforms(7);
  const a = Float64Array.from({ length: 400 }, () => next());
  const b = Float64Array.from({ length: 400 }, () => next());
  const both = Float32Array.from(a, (v, i) => Number(v > 0.5 && (b[i] as number) > 0.5));

  it('finds an interaction: the rows of each leaf of a depth-2 tree share their label', () => {
    const { trees, leaves } = fitBoostedTrees(binned([a, b]), boostingRows(both, 'logistic'), 'logistic', settings);
    assert.ok(trees.length >= 1);
    const first = trees[0] as NonNullable<(typeof trees)[0]>;
    const labelsOfLeaf = new Map<number, Set<number>>();
    a.forEach((_, i) => {
      const leaf = leafOf(first, (f) => (f === 0 ? a[i] : b[i]) as number);
      labelsOfLeaf.set(leaf, (labelsOfLeaf.get(leaf) ?? new Set()).add(both[i] as number));
    });
    assert.ok(labelsOfLeaf.size >= 3);
    for (const labels of labelsOfLeaf.values()) assert.equal(labels.size, 1);
    assert.ok(leaves <= 4 * trees.length);
  });

  it('stops when the held-out tenth stops improving: few trees on noise, many on signal; leaves continue from firstLeaf', () => {
    const noise = Float32Array.from(a, () => Number(next() < 0.5));
    const onNoise = fitBoostedTrees(binned([a, b]), boostingRows(noise, 'logistic'), 'logistic', settings);
    assert.ok(onNoise.trees.length < 20, `${onNoise.trees.length} trees on noise`);
    const onSignal = fitBoostedTrees(binned([a, b]), boostingRows(both, 'logistic'), 'logistic', settings, 1000);
    assert.ok(onSignal.trees.length > onNoise.trees.length, `${onSignal.trees.length} trees on signal`);
    const numbers = onSignal.trees.flatMap((tree) => tree.flatMap((node) => [node[2], node[3]]).filter((child) => child < 0).map((child) => -child - 1));
    assert.deepEqual(
      [...numbers].sort((x, y) => x - y),
      Array.from({ length: onSignal.leaves }, (_, i) => 1000 + i),
    );
    // The kept leaves' values give the score: start + a value per tree ranks the AND rows above the rest.
    assert.equal(onSignal.leafValues.length, onSignal.leaves);
    const score = (i: number): number => onSignal.trees.reduce((sum, tree) => sum + (onSignal.leafValues[leafOf(tree, (f) => (f === 0 ? a[i] : b[i]) as number) - 1000] as number), onSignal.start);
    const positives = a.map((_, i) => i).filter((i) => both[i] === 1);
    const negatives = a.map((_, i) => i).filter((i) => both[i] === 0);
    assert.ok(Math.min(...positives.map(score)) > Math.max(...negatives.map(score)));
  });

  it('leaves out rows without a label, is deterministic, and boosts squared error for regression targets', () => {
    const partly = Float32Array.from(both, (v, i) => (i % 4 === 0 ? Number.NaN : v));
    // The unlabelled rows' features cannot matter: scrambling them gives the same trees.
    const scrambled = Float64Array.from(a, (v, i) => (i % 4 === 0 ? 0.5 : v));
    assert.deepEqual(fitBoostedTrees(binned([a, b]), boostingRows(partly, 'logistic'), 'logistic', settings), fitBoostedTrees(binned([a, b]), boostingRows(partly, 'logistic'), 'logistic', settings));
    const first = fitBoostedTrees(binned([a, b]), boostingRows(partly, 'logistic'), 'logistic', settings).trees[0];
    const withScrambled = fitBoostedTrees(binned([scrambled, b]), boostingRows(partly, 'logistic'), 'logistic', settings).trees[0];
    assert.equal(first?.[0]?.[0], withScrambled?.[0]?.[0]);
    const amount = Float32Array.from(a, (v, i) => 100 * v * (b[i] as number));
    const regression = fitBoostedTrees(binned([a, b]), boostingRows(amount, 'squared'), 'squared', settings);
    assert.ok(regression.trees.length > 10, `${regression.trees.length} trees`);
  });

  it('leaf-wise (maxLeaves): splits the most gainful leaf first, past any depth, up to maxLeaves leaves', () => {
    // Ten distinct values per column, so that a cut falls exactly at 0.5.
    const columns = Array.from({ length: 4 }, () => Float64Array.from({ length: 2000 }, () => Math.floor(10 * next()) / 10));
    const value = (f: number, i: number): number => (columns[f] as Float64Array)[i] as number;
    // The AND of all four columns ≥ 0.5 takes a chain of 4 splits (5 leaves). A weaker signal where a < 0.5 (b and c
    // both 0) tempts a split there: growing in order of creation would spend the 4 splits on both sides.
    const isAnd = (i: number): boolean => columns.every((_, f) => value(f, i) >= 0.5);
    const labels = Float32Array.from({ length: 2000 }, (_, i) => Number(isAnd(i) || (value(0, i) < 0.5 && value(1, i) === 0 && value(2, i) === 0)));
    const depthOf = (tree: readonly (readonly [number, number, number, number])[], at = 0): number =>
      1 + Math.max(...[tree[at]?.[2] as number, tree[at]?.[3] as number].map((child) => (child < 0 ? 0 : depthOf(tree, child))));
    const leafWise = fitBoostedTrees(binned(columns), boostingRows(labels, 'logistic'), 'logistic', { ...settings, maxLeaves: 5 });
    const depthWise = fitBoostedTrees(binned(columns), boostingRows(labels, 'logistic'), 'logistic', settings);
    const first = leafWise.trees[0] as NonNullable<(typeof leafWise.trees)[0]>;
    assert.ok(leafWise.trees.every((tree) => tree.length + 1 <= 5), 'at most 5 leaves per tree');
    assert.equal(depthOf(first), 4, 'the first tree follows the chain 4 levels down');
    assert.ok(depthWise.trees.every((tree) => depthOf(tree) <= 2));
    // The first tree alone isolates the AND rows: one leaf holds all of them and nothing else.
    const andLeaves = new Set<number>();
    const otherLeaves = new Set<number>();
    labels.forEach((_, i) => (isAnd(i) ? andLeaves : otherLeaves).add(leafOf(first, (f) => value(f, i))));
    assert.equal(andLeaves.size, 1);
    assert.ok(!otherLeaves.has([...andLeaves][0] as number));
  });
});
