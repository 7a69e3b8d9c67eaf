import { applyDenseStack, applyTowers, type ArchitectureBuilder } from '../architecture.ts';
import { applyExpertGate } from '../layers/mixture-of-experts.ts';

/**
 * Multi-gate mixture of experts (Ma et al. 2018): `mmoe.experts` expert MLPs (the widths of sharedUnits) read the
 * input `[batch, inputWidth]`; each task has a softmax gate `[batch, experts]` on the input and a tower on its gated
 * sum of the experts `[batch, sharedUnits.at(-1)]`. The experts are the shared representations.
 */
export const buildMmoe: ArchitectureBuilder = (context) => {
  const count = context.params.mmoe.experts;
  const experts = Array.from({ length: count }, (_, e) => applyDenseStack(context, context.input, context.params.sharedUnits, `expert${e}`));
  const outputs = applyTowers(context, (task) => applyExpertGate(context, context.input, experts, task.name));
  return { outputs, shared: experts };
};
