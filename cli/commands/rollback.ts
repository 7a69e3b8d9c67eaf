import { rollbackChampion } from '../../src/registry/champion.ts';
import type { Command } from '../command.ts';

/** `tandem rollback`: restore the previous champion. */
export const rollbackCommand: Command = {
  name: 'rollback',
  summary: 'restore the previous champion',
  flags: {
    reason: { type: 'string', valueName: 'TEXT', description: 'why (kept in the pointer)' },
  },
  async run(context) {
    const store = await context.store();
    const pointer = await rollbackChampion(store, typeof context.flags.reason === 'string' ? { reason: context.flags.reason } : {});
    const json = { championId: pointer.modelId, previousId: pointer.previousId, promoted: true, reason: pointer.reason };
    return { json, text: `rolled back: champion is now ${pointer.modelId}` };
  },
};
