import { binFeature, boostingRows, fitBoostedTrees, leafOf, type BinnedFeatures, type BoostingLoss, type BoostingSettings, type TreeNodes } from './boosted-trees.ts';
import { linearHeldOutLoss } from './linear-held-out-loss.ts';

/**
 * Boosted-tree leaf inputs (He et al., "Practical Lessons from Predicting Clicks on Ads at Facebook", 2014): per
 * task, gradient-boosted trees fitted on the training rows' encoded inputs; each row then gets, for every tree, a 1
 * at the leaf it falls in. The network reads these one-hots next to the column inputs, so the threshold splits and
 * interactions that boosting finds (a credit limit above a cut within an income band) are one linear step away.
 */
export interface TreeLeafEncoding {
  /** What the trees split on: each the sum of the base inputs `[start, start + size)` (see {@link treeInputs}). */
  readonly inputs: readonly TreeInput[];
  /** Per task, its trees; their leaves are numbered across all forests, in order. */
  readonly forests: readonly TreeLeafForest[];
  /** Leaves in all (numbered across the forests); the forests' score inputs (see {@link TreeScore}) follow the leaf inputs. */
  readonly leaves: number;
  /**
   * false: the leaves are not inputs, only the forests' scores are (`features.treeLeafInputs`). Absent in models
   * saved before this choice existed: the leaves are inputs.
   */
  readonly leafInputs?: false;
}

/**
 * A forest's own prediction as one more input, after all leaves: the boosted score (start + the values of the
 * leaves a row reaches; log-odds for a binary task), standardised over the rows the trees were fitted on. The leaves
 * hold the same information, but as a sum over hundreds of one-hots that dropout and weight decay blur; one input
 * carrying the whole forest is one weight away (a stacked model, as in He et al.'s wide part).
 */
export interface TreeScore {
  readonly start: number;
  /** The forest's leaf values, in its leaf order (leaf `firstLeaf + i` has value `leafValues[i]`). */
  readonly leafValues: readonly number[];
  readonly mean: number;
  readonly scale: number;
}

/**
 * A tree input: the sum of a run of base inputs. A piecewise-linear (ple) column's inputs sum to a monotone function
 * of its value, so one input per numeric column keeps every threshold a tree could want; a single input
 * (a scaled number, a flag, one one-hot category) is a run of one.
 */
export interface TreeInput {
  readonly name: string;
  readonly start: number;
  readonly size: number;
}

export interface TreeLeafForest {
  readonly task: string;
  readonly trees: readonly TreeNodes[];
  /** Number of this forest's first leaf among all leaves. */
  readonly firstLeaf: number;
  readonly leaves: number;
  /** Present when the forest also gives its score as an input (`features.treeScores`). */
  readonly score?: TreeScore;
}

/** A task the trees are boosted for: its labels (NaN where a row has none) and loss. */
export interface TreeTarget {
  readonly task: string;
  readonly labels: Float32Array;
  readonly loss: BoostingLoss;
}

/** What {@link fitTreeLeafEncoding} gives: the encoding, and per forest with a score the training rows' cross-fitted scores. */
export interface FittedTreeLeaves {
  readonly encoding: TreeLeafEncoding;
  /** Per forest with a {@link TreeScore}, in forest order: each training row's score input, NaN where the forest's own stands (see `crossFittedScores`). */
  readonly trainingScores: readonly Float32Array[];
}

/** Settings of {@link fitTreeLeafEncoding}: the boosting's, and the most rows the trees are fitted on. */
export interface TreeLeafSettings extends BoostingSettings {
  /** Larger training splits are thinned to this many rows, evenly spread, for the trees only. */
  readonly maxRows: number;
  /** Whether each forest also gives its standardised score as an input (see {@link TreeScore}). */
  readonly scores: boolean;
  /** Whether each tree's leaf one-hots are inputs (otherwise only the scores are). */
  readonly leafInputs: boolean;
}

/** Share by which the trees' held-out loss must undercut the linear model's for their leaves to be used. */
const minLossCut = 0.05;
/** Fewest held-out rows that can tell trees and a linear model apart (a task with fewer labelled rows gets no trees). */
const minHeldOutRows = 100;

/**
 * Whether a target has enough labelled rows for {@link fitTreeLeafEncoding} to consider trees at all (a necessary
 * condition: at least {@link minHeldOutRows} held out of every tenth), so callers can skip encoding the rows when none does.
 */
export function mayHaveTrees(labels: Float32Array): boolean {
  let labelled = 0;
  for (const label of labels) if (!Number.isNaN(label)) labelled++;
  return labelled >= minHeldOutRows * 10;
}

/**
 * Fits one forest per target on the base-encoded training matrix `x` (`[rows, width]`, row-major). A target whose
 * trees do not clearly beat a linear model on the held-out tenth of its rows (a held-out loss at least
 * {@link minLossCut} lower; see linear-held-out-loss.ts) gets no forest: the network finds linear structure itself,
 * and leaves that add little to it add noise (measured on Telco, where boosting trails logistic regression and the
 * leaves cost the network up to 0.003 AUC; on BankChurners and Online Shoppers the trees' loss is 16–70 % lower).
 * A target with fewer than {@link minHeldOutRows} held-out rows (about 1,000 labelled training rows) gets none either:
 * so few rows cannot tell the two apart.
 */
export function fitTreeLeafEncoding(
  inputs: readonly TreeInput[],
  x: Float32Array,
  width: number,
  targets: readonly TreeTarget[],
  settings: TreeLeafSettings,
): FittedTreeLeaves {
  const totalRows = width === 0 ? 0 : x.length / width;
  const stride = Math.max(1, Math.ceil(totalRows / settings.maxRows));
  const picked = Int32Array.from({ length: Math.ceil(totalRows / stride) }, (_, i) => i * stride);
  const values = inputs.map((input) => Float64Array.from(picked, (r) => treeInputValue(x, r * width, input)));
  const binned = values.map(binFeature);
  const data = { rows: picked.length, bins: binned.map((b) => b.bins), cuts: binned.map((b) => b.cuts) };
  const forests: TreeLeafForest[] = [];
  const trainingScores: Float32Array[] = [];
  let leaves = 0;
  for (const target of targets) {
    const labels = Float32Array.from(picked, (r) => target.labels[r] as number);
    const rows = boostingRows(labels, target.loss);
    if (!rows.canStopEarly || rows.heldOut.length < minHeldOutRows) continue;
    const fitted = fitBoostedTrees(data, rows, target.loss, settings, leaves);
    const linear = linearHeldOutLoss(values, rows, target.loss) as number;
    if (fitted.leaves === 0 || (fitted.heldOutLoss as number) > (1 - minLossCut) * linear) continue;
    const forest = { task: target.task, trees: fitted.trees, firstLeaf: leaves, leaves: fitted.leaves };
    leaves += fitted.leaves;
    if (!settings.scores) {
      forests.push(forest);
      continue;
    }
    const score = standardisedScore(forest, fitted.start, fitted.leafValues, values);
    forests.push({ ...forest, score });
    trainingScores.push(crossFittedScores(score, totalRows, { rows: picked, values, data, labels }, target.loss, settings));
  }
  return { encoding: { inputs, forests, leaves, ...(settings.leafInputs ? {} : { leafInputs: false as const }) }, trainingScores };
}

/** Folds of {@link crossFittedScores}. */
const scoreFolds = 5;

/**
 * The training rows' score inputs as an unseen row would get them: a forest's score of a row it was fitted on is
 * overconfident (its trees fitted that row's label), and a network trained on such scores learns to trust them more
 * than they deserve on new rows. So each fifth of the rows the trees were fitted on (`picks`) gets the score of a
 * forest boosted (same settings) on the other four fifths, standardised like the forest's (`score`). The other rows
 * (tables past `maxRows`) are NaN: they keep the forest's own score, which is already that of an unseen row.
 * Stacking's out-of-fold predictions (Wolpert 1992).
 */
function crossFittedScores(
  score: TreeScore,
  totalRows: number,
  picks: { rows: Int32Array; values: readonly Float64Array[]; data: BinnedFeatures; labels: Float32Array },
  loss: BoostingLoss,
  settings: TreeLeafSettings,
): Float32Array {
  const scores = new Float32Array(totalRows).fill(Number.NaN);
  for (let fold = 0; fold < scoreFolds; fold++) {
    const rows = boostingRows(
      picks.labels.map((label, i) => (i % scoreFolds === fold ? Number.NaN : label)),
      loss,
    );
    const fitted = rows.canStopEarly ? fitBoostedTrees(picks.data, rows, loss, settings) : undefined;
    for (let i = fold; i < picks.rows.length; i += scoreFolds) {
      const value = (f: number): number => (picks.values[f] as Float64Array)[i] as number;
      // A fold that cannot be boosted (too few labels) keeps the forest's own score for its rows.
      const raw = fitted === undefined ? undefined : fitted.trees.reduce((sum, tree) => sum + (fitted.leafValues[leafOf(tree, value)] as number), fitted.start);
      if (raw !== undefined) scores[picks.rows[i] as number] = (raw - score.mean) / score.scale;
    }
  }
  return scores;
}

/** The forest's score with the mean and spread of its values over the rows the trees were fitted on (`values`: per tree input). */
function standardisedScore(forest: TreeLeafForest, start: number, leafValues: readonly number[], values: readonly Float64Array[]): TreeScore {
  const raw = { start, leafValues, mean: 0, scale: 1 };
  const rows = values[0]?.length ?? 0;
  const scores = Float64Array.from({ length: rows }, (_, r) => forestScore(forest, raw, (f) => (values[f] as Float64Array)[r] as number));
  const mean = scores.reduce((sum, v) => sum + v, 0) / Math.max(1, scores.length);
  const variance = scores.reduce((sum, v) => sum + (v - mean) ** 2, 0) / Math.max(1, scores.length);
  return { start, leafValues, mean, scale: Math.sqrt(variance) || 1 };
}

/** A forest's boosted score for a row whose tree input `f` has value `value(f)`. */
function forestScore(forest: TreeLeafForest, score: TreeScore, value: (feature: number) => number): number {
  let sum = score.start;
  for (const tree of forest.trees) sum += score.leafValues[leafOf(tree, value) - forest.firstLeaf] as number;
  return sum;
}

/** Inputs the encoding adds in all: its leaves (when they are inputs) and the forests' scores. */
export function treeEncodingWidth(encoding: TreeLeafEncoding): number {
  return leafInputWidth(encoding) + encoding.forests.filter((forest) => forest.score !== undefined).length;
}

/** The leaf one-hot inputs: all leaves, or none when only the scores are inputs. */
export function leafInputWidth(encoding: TreeLeafEncoding): number {
  return encoding.leafInputs === false ? 0 : encoding.leaves;
}

/** A tree input's value in the row starting at `offset`: the float64 sum of its float32 base inputs, in order. */
function treeInputValue(x: Float32Array, offset: number, input: TreeInput): number {
  let sum = 0;
  for (let i = 0; i < input.size; i++) sum += x[offset + input.start + i] as number;
  return sum;
}

/**
 * Writes each row's leaf one-hots into `x` (`[rows, width]`, the base inputs already written in each row's first
 * columns) at columns `leafStart + leaf` (unless the leaves are not inputs), then the forests' standardised scores.
 * The leaf columns must be 0 on entry.
 */
export function writeTreeLeaves(encoding: TreeLeafEncoding, x: Float32Array, width: number, leafStart: number): void {
  const rows = width === 0 ? 0 : x.length / width;
  const values = new Float64Array(encoding.inputs.length);
  const value = (feature: number): number => values[feature] as number;
  const oneHots = encoding.leafInputs !== false;
  for (let r = 0; r < rows; r++) {
    const offset = r * width;
    encoding.inputs.forEach((input, f) => {
      values[f] = treeInputValue(x, offset, input);
    });
    let scoreColumn = offset + leafStart + leafInputWidth(encoding);
    for (const forest of encoding.forests) {
      // One walk per tree gives both the leaf's one-hot and its value towards the forest's score.
      let sum = forest.score?.start ?? 0;
      for (const tree of forest.trees) {
        const leaf = leafOf(tree, value);
        if (oneHots) x[offset + leafStart + leaf] = 1;
        if (forest.score !== undefined) sum += forest.score.leafValues[leaf - forest.firstLeaf] as number;
      }
      if (forest.score !== undefined) x[scoreColumn++] = (sum - forest.score.mean) / forest.score.scale;
    }
  }
}
