/**
 * Gradient-boosted regression trees, grown depth-wise on histogram bins (as LightGBM and scikit-learn's
 * HistGradientBoosting do), with second-order (Newton) leaf values and L2-regularised gains (XGBoost's). Used only
 * for their leaves: see tree-leaf-encoding.ts. Deterministic: no row or column sampling.
 */

/**
 * One tree's internal nodes, the root first: `[feature, threshold, left, right]`, a row going left when its feature
 * value is ≤ threshold. A child ≥ 0 is a node index; a child < 0 is leaf `−child − 1` (numbered across all trees of
 * a forest, so a leaf number is directly an input position).
 */
export type TreeNodes = readonly (readonly [feature: number, threshold: number, left: number, right: number])[];

/** The loss a forest is boosted on: binary log-loss on 0/1 labels, or squared error (labels standardised first). */
export type BoostingLoss = 'logistic' | 'squared';

/** Settings of {@link fitBoostedTrees}. */
export interface BoostingSettings {
  /** Boosting rounds (at most this many trees: boosting stops early when no split gains anything). */
  readonly trees: number;
  /** Levels of splits per tree (≤ 2^depth leaves); not used when `maxLeaves` is set. */
  readonly depth: number;
  /** Set: trees grow leaf-wise (best split first) to at most this many leaves, at any depth; unset: depth-wise. */
  readonly maxLeaves?: number;
  /** Shrinkage of each tree's leaf values. */
  readonly learningRate: number;
  /** Fewest labelled rows in a leaf. */
  readonly minLeafRows: number;
  /** L2 penalty λ on leaf values (gain and value use H + λ). */
  readonly l2: number;
}

/** Binned tree inputs, column-major: what {@link fitBoostedTrees} reads. */
export interface BinnedFeatures {
  readonly rows: number;
  /** Per feature: the bin of each row (bin b holds values ≤ cuts[b] and > cuts[b − 1]). */
  readonly bins: readonly Uint8Array[];
  /** Per feature: ascending cut points (≤ 255); a split after bin b has threshold cuts[b]. */
  readonly cuts: readonly Float64Array[];
}

/** Most bins per feature (cut points + 1), as scikit-learn's HistGradientBoosting (255 + missing). */
const maxBins = 256;

/**
 * Bins one feature's training values: a cut point between each pair of neighbouring distinct values when there are
 * at most {@link maxBins}, otherwise between neighbouring quantiles (ties merged).
 */
export function binFeature(values: Float64Array): { bins: Uint8Array; cuts: Float64Array } {
  const sorted = Float64Array.from(values).sort();
  const distinct: number[] = [];
  for (const v of sorted) if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
  const cuts: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 1; i < distinct.length; i++) cuts.push(midpoint(distinct[i - 1] as number, distinct[i] as number));
  } else {
    for (let q = 1; q < maxBins; q++) {
      const at = Math.floor((q * sorted.length) / maxBins);
      const below = sorted[at - 1] as number;
      const above = sorted[at] as number;
      if (below === above) continue;
      const cut = midpoint(below, above);
      if (cuts.length === 0 || cut > (cuts[cuts.length - 1] as number)) cuts.push(cut);
    }
  }
  const cutArray = Float64Array.from(cuts);
  return { bins: Uint8Array.from(values, (v) => binOf(cutArray, v)), cuts: cutArray };
}

/** Halfway between two neighbouring values: a keeps going left and b right, whatever the rounding. */
function midpoint(a: number, b: number): number {
  const mid = a + (b - a) / 2;
  return mid >= b ? a : mid;
}

/** The bin of `value`: the number of cut points below it. */
function binOf(cuts: Float64Array, value: number): number {
  let low = 0;
  let high = cuts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (value <= (cuts[mid] as number)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Every this-th labelled row is held out to choose the number of trees (as HistGradientBoosting's early stopping). */
const holdoutEvery = 10;
/** Rounds without a better held-out loss before boosting stops. */
const patience = 10;

/** The labelled rows of a target, split into the rows trees are fitted on and the held-out tenth. */
export interface BoostingRows {
  readonly fit: Int32Array;
  readonly heldOut: Int32Array;
  /** The targets of `fit` and `heldOut` as boosted: 0/1 (logistic) or standardised over all labelled rows (squared). */
  readonly yFit: Float64Array;
  readonly yHeldOut: Float64Array;
  /** Whether the held-out rows can judge a round: at least 20, and both classes for logistic. */
  readonly canStopEarly: boolean;
}

/** Splits the rows with a target (not NaN): every tenth labelled row is held out. */
export function boostingRows(targets: Float32Array, loss: BoostingLoss): BoostingRows {
  const labelled: number[] = [];
  for (let r = 0; r < targets.length; r++) if (!Number.isNaN(targets[r] as number)) labelled.push(r);
  const all = Float64Array.from(labelled, (r) => targets[r] as number);
  const y = loss === 'squared' ? standardise(all) : all;
  const isHeldOut = (i: number): boolean => i % holdoutEvery === holdoutEvery - 1;
  const yHeldOut = y.filter((_, i) => isHeldOut(i));
  return {
    fit: Int32Array.from(labelled.filter((_, i) => !isHeldOut(i))),
    heldOut: Int32Array.from(labelled.filter((_, i) => isHeldOut(i))),
    yFit: y.filter((_, i) => !isHeldOut(i)),
    yHeldOut,
    canStopEarly: yHeldOut.length >= 20 && (loss === 'squared' || (yHeldOut.some((v) => v === 1) && yHeldOut.some((v) => v === 0))),
  };
}

/** What {@link fitBoostedTrees} gives. */
export interface BoostedTrees {
  readonly trees: TreeNodes[];
  readonly leaves: number;
  /** The score every row starts from (log-odds of the positive share, or the mean label). */
  readonly start: number;
  /** Each kept leaf's value, in leaf-number order: a row's score is `start` plus the values of the leaves it reaches. */
  readonly leafValues: number[];
  /** Mean loss of the kept trees on the held-out rows; undefined when they cannot judge (see {@link BoostingRows}). */
  readonly heldOutLoss: number | undefined;
}

/**
 * Boosts trees on `rows.fit` and returns their nodes; leaf numbers continue from `firstLeaf`. Logistic: the start
 * score is the log-odds of the positive share, gradients p − y and hessians p(1 − p). Squared: gradients f − y,
 * hessians 1. The trees are cut back to the round with the lowest held-out loss once {@link patience} rounds bring
 * nothing better (when the held-out rows cannot judge, all `settings.trees` are kept).
 */
export function fitBoostedTrees(data: BinnedFeatures, rows: BoostingRows, loss: BoostingLoss, settings: BoostingSettings, firstLeaf = 0): BoostedTrees {
  const { fit, heldOut, yFit, yHeldOut, canStopEarly } = rows;
  const start = startScore(yFit, loss);
  const score = new Float64Array(fit.length).fill(start);
  const heldScore = new Float64Array(heldOut.length).fill(start);
  const gradient = new Float64Array(fit.length);
  const hessian = new Float64Array(fit.length);
  const binsOfRows = data.bins.map((bins) => Uint8Array.from(fit, (r) => bins[r] as number));
  const heldBins = data.bins.map((bins) => Uint8Array.from(heldOut, (r) => bins[r] as number));
  const trees: TreeNodes[] = [];
  const leafCounts: number[] = [];
  const leafValues: number[] = [];
  let bestLoss = canStopEarly ? meanLoss(heldScore, yHeldOut, loss) : 0;
  let bestRounds = 0;
  let nextLeaf = firstLeaf;
  for (let t = 0; t < settings.trees; t++) {
    for (let i = 0; i < fit.length; i++) {
      if (loss === 'logistic') {
        const p = 1 / (1 + Math.exp(-(score[i] as number)));
        gradient[i] = p - (yFit[i] as number);
        hessian[i] = Math.max(p * (1 - p), 1e-12);
      } else {
        gradient[i] = (score[i] as number) - (yFit[i] as number);
        hessian[i] = 1;
      }
    }
    const grown = growTree(binsOfRows, data.cuts, gradient, hessian, settings, nextLeaf);
    if (grown === undefined) break;
    for (const leaf of grown.leaves) {
      for (const i of leaf.rows) score[i] = (score[i] as number) + leaf.value;
    }
    trees.push(grown.nodes);
    leafCounts.push(grown.leaves.length);
    for (const leaf of grown.leaves) leafValues.push(leaf.value);
    nextLeaf += grown.leaves.length;
    if (!canStopEarly) continue;
    for (let i = 0; i < heldOut.length; i++) {
      const leaf = leafOf(grown.nodes, (f) => (heldBins[f] as Uint8Array)[i] as number, grown.splitBins) - (nextLeaf - grown.leaves.length);
      heldScore[i] = (heldScore[i] as number) + (grown.leaves[leaf] as GrownLeaf).value;
    }
    const heldLoss = meanLoss(heldScore, yHeldOut, loss);
    if (heldLoss < bestLoss - 1e-7) {
      bestLoss = heldLoss;
      bestRounds = trees.length;
    } else if (trees.length - bestRounds >= patience) break;
  }
  const kept = canStopEarly ? bestRounds : trees.length;
  const leaves = leafCounts.slice(0, kept).reduce((sum, n) => sum + n, 0);
  return { trees: trees.slice(0, kept), leaves, start, leafValues: leafValues.slice(0, leaves), heldOutLoss: canStopEarly ? bestLoss : undefined };
}

/** Mean log-loss (scores are log-odds) or squared error of `score` against `y`. */
export function meanLoss(score: Float64Array, y: Float64Array, loss: BoostingLoss): number {
  let sum = 0;
  for (let i = 0; i < score.length; i++) {
    const s = score[i] as number;
    const label = y[i] as number;
    // log(1 + e^s) − y·s, written to stay finite for large |s|.
    sum += loss === 'logistic' ? Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s))) - label * s : (s - label) ** 2;
  }
  return sum / (score.length || 1);
}

function standardise(y: Float64Array): Float64Array {
  let mean = 0;
  for (const v of y) mean += v;
  mean /= y.length || 1;
  let squares = 0;
  for (const v of y) squares += (v - mean) ** 2;
  const std = Math.sqrt(squares / (y.length || 1)) || 1;
  return y.map((v) => (v - mean) / std);
}

function startScore(y: Float64Array, loss: BoostingLoss): number {
  if (loss === 'squared') return 0;
  let positives = 0;
  for (const v of y) positives += v;
  const share = Math.min(Math.max(positives / (y.length || 1), 1e-6), 1 - 1e-6);
  return Math.log(share / (1 - share));
}

interface GrowingNode {
  readonly rows: Int32Array;
  readonly depth: number;
  /** The node's gradient histograms: built, or its parent's minus its sibling's; undefined at the depth limit. */
  readonly histogram: Histogram | undefined;
  /** The node's best split; undefined when it cannot be split (depth limit, too few rows, nothing gains). */
  readonly split: Split | undefined;
  /** Where this node's reference is written once it is known: [parent node index, 2 = left or 3 = right]; root: undefined. */
  readonly parentSlot?: readonly [number, 2 | 3];
}

interface GrownLeaf {
  readonly rows: Int32Array;
  readonly value: number;
}

/** A node's split: rows with feature bin ≤ `bin` go left; `gain` is the loss reduction it brings. */
interface Split {
  readonly feature: number;
  readonly bin: number;
  readonly gain: number;
}

/** Per feature and bin (feature f's bins from `offsets[f]`): summed gradients, hessians and row counts of a node. */
interface Histogram {
  readonly g: Float64Array;
  readonly h: Float64Array;
  readonly n: Float64Array;
}

/** Where each feature's bins start in a {@link Histogram}, and the total number of bins. */
function histogramOffsets(cuts: readonly Float64Array[]): { offsets: Int32Array; size: number } {
  const offsets = new Int32Array(cuts.length);
  let size = 0;
  cuts.forEach((featureCuts, f) => {
    offsets[f] = size;
    size += featureCuts.length + 1;
  });
  return { offsets, size };
}

function buildHistogram(bins: readonly Uint8Array[], offsets: Int32Array, size: number, rows: Int32Array, gradient: Float64Array, hessian: Float64Array): Histogram {
  const g = new Float64Array(size);
  const h = new Float64Array(size);
  const n = new Float64Array(size);
  for (let f = 0; f < bins.length; f++) {
    const featureBins = bins[f] as Uint8Array;
    const offset = offsets[f] as number;
    for (let k = 0; k < rows.length; k++) {
      const i = rows[k] as number;
      const b = offset + (featureBins[i] as number);
      g[b] = (g[b] as number) + (gradient[i] as number);
      h[b] = (h[b] as number) + (hessian[i] as number);
      n[b] = (n[b] as number) + 1;
    }
  }
  return { g, h, n };
}

/** The histogram of a node's other child: the parent's minus this child's (LightGBM's subtraction trick). */
function subtractHistogram(parent: Histogram, child: Histogram): Histogram {
  return { g: parent.g.map((v, b) => v - (child.g[b] as number)), h: parent.h.map((v, b) => v - (child.h[b] as number)), n: parent.n.map((v, b) => v - (child.n[b] as number)) };
}

/**
 * One tree; undefined when the root cannot be split (boosting has nothing left to gain). Depth-wise (XGBoost's
 * default): nodes split in the order they were made, down to `settings.depth` levels. Leaf-wise (`maxLeaves` set, as
 * LightGBM and HistGradientBoosting): the open node whose split gains most splits next, until the tree has
 * `maxLeaves` leaves, at any depth.
 */
function growTree(
  bins: readonly Uint8Array[],
  cuts: readonly Float64Array[],
  gradient: Float64Array,
  hessian: Float64Array,
  settings: BoostingSettings,
  firstLeaf: number,
): { nodes: TreeNodes; splitBins: number[]; leaves: GrownLeaf[] } | undefined {
  const nodes: [number, number, number, number][] = [];
  const splitBins: number[] = [];
  const leaves: GrownLeaf[] = [];
  const { offsets, size } = histogramOffsets(cuts);
  const maxDepth = settings.maxLeaves === undefined ? settings.depth : Number.POSITIVE_INFINITY;
  const maxLeaves = settings.maxLeaves ?? Number.POSITIVE_INFINITY;
  const open = (rows: Int32Array, depth: number, histogram: Histogram | undefined, parentSlot?: readonly [number, 2 | 3]): GrowingNode => ({
    rows,
    depth,
    histogram,
    split: histogram === undefined ? undefined : bestSplit(histogram, offsets, cuts, rows, gradient, hessian, settings),
    ...(parentSlot === undefined ? {} : { parentSlot }),
  });
  const all = Int32Array.from({ length: gradient.length }, (_, i) => i);
  const queue: GrowingNode[] = [open(all, 0, maxDepth > 0 ? buildHistogram(bins, offsets, size, all, gradient, hessian) : undefined)];
  if (queue[0]?.split === undefined) return undefined;
  while (queue.length > 0) {
    const node = queue.splice(settings.maxLeaves === undefined ? 0 : largestGain(queue), 1)[0] as GrowingNode;
    // Splitting turns one leaf into two: allowed while the leaves so far, the open nodes and this one stay under the cap.
    const split = leaves.length + queue.length + 1 < maxLeaves ? node.split : undefined;
    if (split === undefined) {
      const [parent, side] = node.parentSlot as readonly [number, 2 | 3];
      (nodes[parent] as [number, number, number, number])[side] = -(firstLeaf + leaves.length) - 1;
      leaves.push({ rows: node.rows, value: -settings.learningRate * (sumOver(gradient, node.rows) / (sumOver(hessian, node.rows) + settings.l2)) });
      continue;
    }
    const index = nodes.length;
    nodes.push([split.feature, (cuts[split.feature] as Float64Array)[split.bin] as number, 0, 0]);
    splitBins.push(split.bin);
    if (node.parentSlot !== undefined) (nodes[node.parentSlot[0]] as [number, number, number, number])[node.parentSlot[1]] = index;
    const featureBins = bins[split.feature] as Uint8Array;
    const left = node.rows.filter((i) => (featureBins[i] as number) <= split.bin);
    const right = node.rows.filter((i) => (featureBins[i] as number) > split.bin);
    let leftHistogram: Histogram | undefined;
    let rightHistogram: Histogram | undefined;
    if (node.depth + 1 < maxDepth) {
      // Build the smaller child's histograms; the larger one's are the parent's minus those.
      const smaller = buildHistogram(bins, offsets, size, left.length <= right.length ? left : right, gradient, hessian);
      const larger = subtractHistogram(node.histogram as Histogram, smaller);
      [leftHistogram, rightHistogram] = left.length <= right.length ? [smaller, larger] : [larger, smaller];
    }
    queue.push(open(left, node.depth + 1, leftHistogram, [index, 2]), open(right, node.depth + 1, rightHistogram, [index, 3]));
  }
  return { nodes, splitBins, leaves };
}

/** The position in `queue` of the node whose split gains most (a node without a split counts as no gain). */
function largestGain(queue: readonly GrowingNode[]): number {
  let best = 0;
  queue.forEach((node, i) => {
    if ((node.split?.gain ?? 0) > (queue[best]?.split?.gain ?? 0)) best = i;
  });
  return best;
}

function sumOver(values: Float64Array, rows: Int32Array): number {
  let sum = 0;
  for (const i of rows) sum += values[i] as number;
  return sum;
}

/** The split of `rows` (histogram given) with the largest gain: each side ≥ minLeafRows; undefined when none gains anything. */
function bestSplit(
  histogram: Histogram,
  offsets: Int32Array,
  cuts: readonly Float64Array[],
  rows: Int32Array,
  gradient: Float64Array,
  hessian: Float64Array,
  settings: BoostingSettings,
): Split | undefined {
  if (rows.length < 2 * settings.minLeafRows) return undefined;
  const { l2, minLeafRows } = settings;
  const { g, h, n } = histogram;
  const totalG = sumOver(gradient, rows);
  const totalH = sumOver(hessian, rows);
  const parentScore = (totalG * totalG) / (totalH + l2);
  let best: Split | undefined;
  let bestGain = 1e-9;
  for (let f = 0; f < cuts.length; f++) {
    const splits = (cuts[f] as Float64Array).length;
    const offset = offsets[f] as number;
    let leftG = 0;
    let leftH = 0;
    let leftN = 0;
    for (let b = 0; b < splits; b++) {
      leftG += g[offset + b] as number;
      leftH += h[offset + b] as number;
      leftN += n[offset + b] as number;
      if (leftN < minLeafRows) continue;
      if (rows.length - leftN < minLeafRows) break;
      const rightG = totalG - leftG;
      const rightH = totalH - leftH;
      const gain = (leftG * leftG) / (leftH + l2) + (rightG * rightG) / (rightH + l2) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        best = { feature: f, bin: b, gain };
      }
    }
  }
  return best;
}

/**
 * The leaf (its number) that a row with tree input `value(feature)` reaches in `tree`; with `splitBins` (one per
 * node), `value` gives bins and is compared with those instead of the thresholds.
 */
export function leafOf(tree: TreeNodes, value: (feature: number) => number, splitBins?: readonly number[]): number {
  let at = 0;
  for (;;) {
    const node = tree[at] as readonly [number, number, number, number];
    const next = value(node[0]) <= (splitBins === undefined ? node[1] : (splitBins[at] as number)) ? node[2] : node[3];
    if (next < 0) return -next - 1;
    at = next;
  }
}
