import { selectionSchema } from '../../src/config/schema.ts';
import { loadDataset } from '../../src/data/load-dataset.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { loadModel, type LoadedModel } from '../../src/model/model-artifacts.ts';
import { readChampion, writeChampionPointer } from '../../src/registry/champion.ts';
import { evaluateModelOnRows } from '../../src/registry/evaluate-on-rows.ts';
import { decidePromotion } from '../../src/registry/promotion-rules.ts';
import type { Command } from '../command.ts';

/** `tandem promote`: the champion/challenger rules of SPEC §6, then the champion pointer. */
export const promoteCommand: Command = {
  name: 'promote',
  summary: 'make a model the champion if it beats the current one on the same test rows (models/champion.json)',
  help: [
    'Both models are scored on the challenger\'s test rows. The challenger wins when its combined score is higher by',
    'selection.minGain (default 0.002) and no task\'s AUC drops by more than selection.maxTaskDrop (default 0.01);',
    'otherwise the champion stays and the reason names the task or the gain. --force skips the rules. Undo: tandem rollback',
  ].join('\n'),
  flags: {
    model: { type: 'string', valueName: 'ID', description: 'the challenger' },
    reason: { type: 'string', valueName: 'TEXT', description: 'why (kept in the pointer)' },
    force: { type: 'boolean', description: 'promote without the champion/challenger rules' },
  },
  async run(context) {
    const modelId = context.flags.model;
    if (typeof modelId !== 'string') throw new BadInputError('promote needs --model ID', { value: '--model' });
    const store = await context.store();
    const selection = (await context.optionalConfig())?.selection ?? selectionSchema.parse({});
    const current = await readChampion(store);
    if (current?.modelId === modelId) {
      const json = { championId: modelId, previousId: current.previousId, promoted: false, reason: `${modelId} is already the champion` };
      return { json, text: json.reason };
    }
    let decision: ReturnType<typeof decidePromotion> | undefined;
    if (current !== undefined && context.flags.force !== true) {
      await selectBackend(context.env.backend);
      const challenger = await loadModel(store, modelId);
      const champion = await loadModel(store, current.modelId);
      try {
        decision = await compareOnChallengerRows(store, challenger, champion, selection);
      } finally {
        challenger.network.dispose();
        champion.network.dispose();
      }
      if (!decision.promote) {
        const json = { championId: current.modelId, previousId: current.previousId, promoted: false, reason: decision.reason, comparison: decision };
        return { json, text: decision.reason };
      }
    }
    const reason = typeof context.flags.reason === 'string' ? context.flags.reason : context.flags.force === true ? 'promoted by hand (--force)' : (decision?.reason ?? 'no champion yet');
    const pointer = await writeChampionPointer(store, { modelId, reason });
    const json = { championId: pointer.modelId, previousId: pointer.previousId, promoted: true, reason: pointer.reason, ...(decision === undefined ? {} : { comparison: decision }) };
    return { json, text: `champion is now ${pointer.modelId}${pointer.previousId === null ? '' : ` (was ${pointer.previousId})`}: ${pointer.reason}` };
  },
};

async function compareOnChallengerRows(
  store: Parameters<typeof loadDataset>[0],
  challenger: LoadedModel,
  champion: LoadedModel,
  selection: ReturnType<typeof selectionSchema.parse>,
): Promise<ReturnType<typeof decidePromotion>> {
  const { splits } = await loadDataset(store, challenger.card.datasetId);
  const [challengerMetrics, championMetrics] = await Promise.all([evaluateModelOnRows(challenger, splits.test, selection), evaluateModelOnRows(champion, splits.test, selection)]);
  return decidePromotion(challengerMetrics, championMetrics, selection);
}
