import type * as tf from '@tensorflow/tfjs';
import { applyDenseStack, applyTaskOutput, type ArchitectureBuilder } from '../architecture.ts';

/** Hard parameter sharing: one bottom MLP shared by all tasks, then a small tower per task. */
export const buildSharedBottom: ArchitectureBuilder = (context) => {
  const shared = applyDenseStack(context, context.input, context.params.sharedUnits, 'shared');
  const outputs: Record<string, tf.SymbolicTensor> = {};
  for (const task of context.tasks) {
    const tower = applyDenseStack(context, shared, context.params.towerUnits, `${task.name}_tower`);
    outputs[task.name] = applyTaskOutput(context, tower, task);
  }
  return outputs;
};
