import { applyDenseStack, applyTowers, type ArchitectureBuilder } from '../architecture.ts';

/** Hard parameter sharing: one bottom MLP shared by all tasks, then a small tower per task. */
export const buildSharedBottom: ArchitectureBuilder = (context) => {
  const shared = applyDenseStack(context, context.input, context.params.sharedUnits, 'shared');
  return { outputs: applyTowers(context, () => shared), shared: [shared] };
};
