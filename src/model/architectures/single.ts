import { applyDenseStack, applyTowers, type ArchitectureBuilder } from '../architecture.ts';

/** No sharing: an independent bottom and tower per task in one graph (the baseline every search compares to). */
export const buildSingle: ArchitectureBuilder = (context) => ({
  outputs: applyTowers(context, (task) => applyDenseStack(context, context.input, context.params.sharedUnits, `${task.name}_bottom`)),
  shared: [],
});
