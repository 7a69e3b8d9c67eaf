import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { readChampion, writeChampionPointer } from '../../src/registry/champion.ts';
import type { Command } from '../command.ts';

/** `tandem promote`: make a model the champion the API serves. */
export const promoteCommand: Command = {
  name: 'promote',
  summary: 'make a model the champion (models/champion.json, replaced atomically)',
  help: 'Example: npm run --silent tandem -- promote --model telco-20261128T120931Z-cf411f\nUndo with: tandem rollback',
  flags: {
    model: { type: 'string', valueName: 'ID', description: 'the model to promote' },
    reason: { type: 'string', valueName: 'TEXT', description: 'why (kept in the pointer; default: "promoted by hand")' },
  },
  async run(context) {
    const modelId = context.flags.model;
    if (typeof modelId !== 'string') throw new BadInputError('promote needs --model ID', { value: '--model' });
    const store = await context.store();
    const before = await readChampion(store);
    const reason = typeof context.flags.reason === 'string' ? context.flags.reason : 'promoted by hand';
    if (before?.modelId === modelId) {
      const json = { championId: modelId, previousId: before.previousId, promoted: false, reason: `${modelId} is already the champion` };
      return { json, text: json.reason };
    }
    const pointer = await writeChampionPointer(store, { modelId, reason });
    const json = { championId: pointer.modelId, previousId: pointer.previousId, promoted: true, reason: pointer.reason };
    return { json, text: `champion is now ${pointer.modelId}${pointer.previousId === null ? '' : ` (was ${pointer.previousId})`}` };
  },
};
