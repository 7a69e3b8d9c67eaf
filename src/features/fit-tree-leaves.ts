import type { FeaturesConfig, TaskSpec } from '../config/schema.ts';
import type { LabelledRow } from '../data/labelled-row.ts';
import { inputWidth, transformRows, treeInputs, withTreeLeaves, type Preprocessor } from './preprocessor.ts';
import { fitTreeLeafEncoding, mayHaveTrees, type TreeTarget } from './tree-leaf-encoding.ts';

/** Boosting settings not in the config: scikit-learn's HistGradientBoosting's learning rate, XGBoost's λ. */
const boosting = { learningRate: 0.1, minLeafRows: 20, l2: 1, maxRows: 20_000 } as const;

/**
 * `base` with boosted-tree leaf inputs (`features.treeLeaves` trees of `features.treeDepth` per binary or regression
 * task) fitted on the training rows' labels and column inputs; `base` itself when `treeLeaves` is 0 or no task can
 * have trees (multiclass tasks get none).
 */
export function fitTreeLeaves(base: Preprocessor, train: readonly LabelledRow[], tasks: readonly TaskSpec[], config: FeaturesConfig): Preprocessor {
  if (config.treeLeaves === 0) return base;
  const targets: TreeTarget[] = tasks
    .filter((task) => task.type !== 'multiclass')
    .map((task) => ({ task: task.name, loss: task.type === 'binary' ? 'logistic' : 'squared', labels: Float32Array.from(train, (row) => row.labels[task.name] ?? Number.NaN) }));
  // Small tables skip the encoding below: no task of theirs could get trees.
  if (!targets.some((target) => mayHaveTrees(target.labels))) return base;
  const x = transformRows(base, train.map((row) => row.features));
  const encoding = fitTreeLeafEncoding(treeInputs(base), x, inputWidth(base), targets, { ...boosting, trees: config.treeLeaves, depth: config.treeDepth });
  return encoding.leaves === 0 ? base : withTreeLeaves(base, encoding);
}
