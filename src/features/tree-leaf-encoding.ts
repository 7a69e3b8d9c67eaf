import { binFeature, boostingRows, fitBoostedTrees, leafOf, type BoostingLoss, type BoostingSettings, type TreeNodes } from './boosted-trees.ts';
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
  /** Leaf inputs in all: the encoding's width. */
  readonly leaves: number;
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
}

/** A task the trees are boosted for: its labels (NaN where a row has none) and loss. */
export interface TreeTarget {
  readonly task: string;
  readonly labels: Float32Array;
  readonly loss: BoostingLoss;
}

/** Settings of {@link fitTreeLeafEncoding}: the boosting's, and the most rows the trees are fitted on. */
export interface TreeLeafSettings extends BoostingSettings {
  /** Larger training splits are thinned to this many rows, evenly spread, for the trees only. */
  readonly maxRows: number;
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
): TreeLeafEncoding {
  const totalRows = width === 0 ? 0 : x.length / width;
  const stride = Math.max(1, Math.ceil(totalRows / settings.maxRows));
  const picked = Int32Array.from({ length: Math.ceil(totalRows / stride) }, (_, i) => i * stride);
  const values = inputs.map((input) => Float64Array.from(picked, (r) => treeInputValue(x, r * width, input)));
  const binned = values.map(binFeature);
  const data = { rows: picked.length, bins: binned.map((b) => b.bins), cuts: binned.map((b) => b.cuts) };
  const forests: TreeLeafForest[] = [];
  let leaves = 0;
  for (const target of targets) {
    const rows = boostingRows(Float32Array.from(picked, (r) => target.labels[r] as number), target.loss);
    if (!rows.canStopEarly || rows.heldOut.length < minHeldOutRows) continue;
    const fitted = fitBoostedTrees(data, rows, target.loss, settings, leaves);
    const linear = linearHeldOutLoss(values, rows, target.loss) as number;
    if (fitted.leaves === 0 || (fitted.heldOutLoss as number) > (1 - minLossCut) * linear) continue;
    forests.push({ task: target.task, trees: fitted.trees, firstLeaf: leaves, leaves: fitted.leaves });
    leaves += fitted.leaves;
  }
  return { inputs, forests, leaves };
}

/** A tree input's value in the row starting at `offset`: the float64 sum of its float32 base inputs, in order. */
function treeInputValue(x: Float32Array, offset: number, input: TreeInput): number {
  let sum = 0;
  for (let i = 0; i < input.size; i++) sum += x[offset + input.start + i] as number;
  return sum;
}

/**
 * Writes each row's leaf one-hots into `x` (`[rows, width]`, the base inputs already written in each row's first
 * columns) at columns `leafStart + leaf`. The leaf columns must be 0 on entry.
 */
export function writeTreeLeaves(encoding: TreeLeafEncoding, x: Float32Array, width: number, leafStart: number): void {
  const rows = width === 0 ? 0 : x.length / width;
  const values = new Float64Array(encoding.inputs.length);
  const value = (feature: number): number => values[feature] as number;
  for (let r = 0; r < rows; r++) {
    const offset = r * width;
    encoding.inputs.forEach((input, f) => {
      values[f] = treeInputValue(x, offset, input);
    });
    for (const forest of encoding.forests) {
      for (const tree of forest.trees) x[offset + leafStart + leafOf(tree, value)] = 1;
    }
  }
}
