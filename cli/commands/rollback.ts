import { rollbackChampion } from '../../src/registry/champion.ts';
import { championProject, projectFlag } from '../champion-project.ts';
import type { Command } from '../command.ts';

/** `tandem rollback`: restore the previous champion of one project. */
export const rollbackCommand: Command = {
  name: 'rollback',
  summary: 'restore the previous champion of a project (the config\'s name, or --project NAME)',
  help: 'Only that project\'s pointer (champions/<name>.json) moves; without a config or --project, the store must hold one project.',
  flags: {
    project: projectFlag,
    reason: { type: 'string', valueName: 'TEXT', description: 'why (kept in the pointer)' },
  },
  async run(context) {
    const store = await context.store();
    const project = await championProject(context, store);
    const pointer = await rollbackChampion(store, { project, ...(typeof context.flags.reason === 'string' ? { reason: context.flags.reason } : {}) });
    const json = { project, championId: pointer.modelId, previousId: pointer.previousId, promoted: true, reason: pointer.reason };
    return { json, text: `rolled back: champion of ${project} is now ${pointer.modelId}` };
  },
};
