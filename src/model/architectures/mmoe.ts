import type * as tf from '@tensorflow/tfjs';
import { applyDenseStack, applyTowers, type ArchitectureBuilder } from '../architecture.ts';
import { MixtureOfExperts } from '../layers/mixture-of-experts.ts';

/**
 * Multi-gate mixture of experts (Ma et al. 2018): `mmoe.experts` expert MLPs (the widths of sharedUnits) read the
 * input `[batch, inputWidth]`; each task has a softmax gate `[batch, experts]` on the input and a tower on its gated
 * sum of the experts `[batch, sharedUnits.at(-1)]`. The experts are the shared representations.
 */
export const buildMmoe: ArchitectureBuilder = (context) => {
  const count = context.params.mmoe.experts;
  const experts = Array.from({ length: count }, (_, e) => applyDenseStack(context, context.input, context.params.sharedUnits, `expert${e}`));
  const outputs = applyTowers(context, (task) => {
    const gate = context.dense(`${task.name}_gate`, count, 'softmax').apply(context.input) as tf.SymbolicTensor;
    const mixture = context.layer(`${task.name}_mixture`, () => new MixtureOfExperts({ name: `${task.name}_mixture`, experts: count }));
    return mixture.apply([gate, ...experts]) as tf.SymbolicTensor;
  });
  return { outputs, shared: experts };
};
