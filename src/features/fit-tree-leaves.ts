import type { FeaturesConfig, TaskSpec } from '../config/schema.ts';
import type { LabelledRow } from '../data/labelled-row.ts';
import { columnInputWidth, inputWidth, transformRows, treeInputs, withTreeLeaves, type Preprocessor } from './preprocessor.ts';
import { fitTreeLeafEncoding, mayHaveTrees, type TreeTarget } from './tree-leaf-encoding.ts';

/**
 * Boosting settings not in the config: scikit-learn's HistGradientBoosting's learning rate and fewest rows per leaf;
 * XGBoost's λ = 1 for depth-wise trees, HistGradientBoosting's λ = 0 for leaf-wise ones (measured on BankChurners,
 * README "Why these defaults").
 */
const boosting = { learningRate: 0.1, minLeafRows: 20, maxRows: 20_000 } as const;
const l2 = { depthWise: 1, leafWise: 0 } as const;

/** {@link fitTreeLeaves}' result: the preprocessor, and the training rows' cross-fitted tree scores (see tree-leaf-encoding.ts). */
export interface TreeLeavesFit {
  readonly preprocessor: Preprocessor;
  /** Per forest with a score input, in order: each training row's value of it (NaN: the forest's own score stands). Empty without score inputs. */
  readonly trainingScores: readonly Float32Array[];
}

/**
 * `base` with boosted-tree leaf inputs (`features.treeLeaves` trees of `features.treeDepth` levels, or of
 * `features.treeMaxLeaves` leaves grown leaf-wise, per binary or regression task) fitted on the training rows' labels and column inputs; `base` itself when `treeLeaves` is 0 or no task can
 * have trees (multiclass tasks get none).
 */
export function fitTreeLeaves(base: Preprocessor, train: readonly LabelledRow[], tasks: readonly TaskSpec[], config: FeaturesConfig): TreeLeavesFit {
  const without = { preprocessor: base, trainingScores: [] };
  if (config.treeLeaves === 0) return without;
  const targets: TreeTarget[] = tasks
    .filter((task) => task.type !== 'multiclass')
    .map((task) => ({ task: task.name, loss: task.type === 'binary' ? 'logistic' : 'squared', labels: Float32Array.from(train, (row) => row.labels[task.name] ?? Number.NaN) }));
  // Small tables skip the encoding below: no task of theirs could get trees.
  if (!targets.some((target) => mayHaveTrees(target.labels))) return without;
  const x = transformRows(base, train.map((row) => row.features));
  const { encoding, trainingScores } = fitTreeLeafEncoding(treeInputs(base), x, inputWidth(base), targets, {
    ...boosting,
    trees: config.treeLeaves,
    depth: config.treeDepth,
    ...(config.treeMaxLeaves === null ? { l2: l2.depthWise } : { maxLeaves: config.treeMaxLeaves, l2: l2.leafWise }),
    scores: config.treeScores,
    leafInputs: config.treeLeafInputs,
  });
  return encoding.forests.length === 0 ? without : { preprocessor: withTreeLeaves(base, encoding), trainingScores };
}

/**
 * Puts the cross-fitted tree scores into the training rows' encoded inputs (`x`: `[rows, width]`, as `transformRows`
 * wrote them), in place of the scores of the forests that were fitted on those very rows; rows the forests did not
 * see (NaN) keep theirs.
 */
export function writeTrainingTreeScores({ preprocessor, trainingScores }: TreeLeavesFit, x: Float32Array): void {
  const width = inputWidth(preprocessor);
  const first = width - trainingScores.length;
  if (trainingScores.length > 0 && first < columnInputWidth(preprocessor)) throw new Error('the tree scores do not fit the preprocessor\'s inputs');
  trainingScores.forEach((scores, i) => {
    for (let r = 0; r < scores.length; r++) if (!Number.isNaN(scores[r] as number)) x[r * width + first + i] = scores[r] as number;
  });
}
