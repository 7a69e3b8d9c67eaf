import type * as tf from '@tensorflow/tfjs';
import { applyHiddenLayer, applyTowers, type ArchitectureBuilder } from '../architecture.ts';
import { CrossStitchUnit } from '../layers/cross-stitch-unit.ts';

/**
 * Cross-stitch networks (Misra et al. 2016): one column per task, a hidden layer for each width of sharedUnits,
 * reading the input `[batch, inputWidth]`; after every layer a cross-stitch unit (`stitch{i}`, a learned K×K α
 * initialised from `crossStitch.selfWeight`) mixes the K columns `[batch, units]`. Each task's tower reads its own
 * column. The stitched outputs, which read every column, are the shared representations; with one task there is
 * nothing to stitch and the column is a plain MLP.
 */
export const buildCrossStitch: ArchitectureBuilder = (context) => {
  const { tasks, params } = context;
  const shared: tf.SymbolicTensor[] = [];
  let columns = tasks.map(() => context.input);
  params.sharedUnits.forEach((width, i) => {
    const dense = tasks.map((task, k) => applyHiddenLayer(context, columns[k] as tf.SymbolicTensor, width, `${task.name}_column`, i));
    if (tasks.length === 1) {
      columns = dense;
      return;
    }
    const unit = context.layer(`stitch${i}`, () => new CrossStitchUnit({ name: `stitch${i}`, columns: tasks.length, selfWeight: params.crossStitch.selfWeight }));
    columns = unit.apply(dense) as tf.SymbolicTensor[];
    shared.push(...columns);
  });
  const byTask = new Map(tasks.map((task, k) => [task.name, columns[k] as tf.SymbolicTensor]));
  return { outputs: applyTowers(context, (task) => byTask.get(task.name) as tf.SymbolicTensor), shared };
};
