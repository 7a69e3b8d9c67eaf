import type * as tf from '@tensorflow/tfjs';
import { applyDenseStack, applyTaskOutput, type ArchitectureBuilder } from '../architecture.ts';

/** No sharing: an independent bottom and tower per task in one graph (the baseline every search compares to). */
export const buildSingle: ArchitectureBuilder = (context) => {
  const outputs: Record<string, tf.SymbolicTensor> = {};
  for (const task of context.tasks) {
    const bottom = applyDenseStack(context, context.input, context.params.sharedUnits, `${task.name}_bottom`);
    const tower = applyDenseStack(context, bottom, context.params.towerUnits, `${task.name}_tower`);
    outputs[task.name] = applyTaskOutput(context, tower, task);
  }
  return outputs;
};
