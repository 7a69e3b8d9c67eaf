import { selectionSchema, type SelectionConfig } from '../../src/config/schema.ts';
import { loadDataset } from '../../src/data/load-dataset.ts';
import { loadModel } from '../../src/model/model-artifacts.ts';
import { readChampion, writeChampionPointer } from '../../src/registry/champion.ts';
import { evaluateModelOnRows } from '../../src/registry/evaluate-on-rows.ts';
import { decidePromotion } from '../../src/registry/promotion-rules.ts';
import { runKey } from '../../src/search/run-keys.ts';
import type { StoredRun } from '../../src/search/stored-run.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { readJsonIfExists } from '../../src/store/json-object.ts';
import type { PromoteOutput, SelectOutput } from '../workflow-state.ts';

/**
 * The workflow's promote step (SPEC §6 champion/challenger): the run's winner replaces the champion only when it
 * beats it on the winner's test rows by `selection.minGain` with no task's AUC dropping more than
 * `selection.maxTaskDrop`; without a champion it is promoted. Call `selectBackend` before (TensorFlow.js scoring).
 */
export async function promoteChampion(store: BlobStore, input: SelectOutput): Promise<PromoteOutput> {
  const current = await readChampion(store);
  const keep = (reason: string): PromoteOutput => ({ ...input, championId: current?.modelId ?? null, promoted: false, reason });
  if (input.bestModelId === null) return keep('no trial met every selection floor with a saved model');
  if (current?.modelId === input.bestModelId) return keep(`${input.bestModelId} is already the champion`);
  const run = await readJsonIfExists<StoredRun>(store, runKey(input.runId, 'run.json'));
  const selection: SelectionConfig = run?.defaults.selection ?? selectionSchema.parse({});
  let reason = 'no champion yet';
  if (current !== undefined) {
    const challenger = await loadModel(store, input.bestModelId);
    const champion = await loadModel(store, current.modelId);
    try {
      const { splits } = await loadDataset(store, challenger.card.datasetId);
      const [challengerMetrics, championMetrics] = await Promise.all([evaluateModelOnRows(challenger, splits.test, selection), evaluateModelOnRows(champion, splits.test, selection)]);
      const decision = decidePromotion(challengerMetrics, championMetrics, selection);
      if (!decision.promote) return keep(decision.reason);
      reason = decision.reason;
    } finally {
      challenger.network.dispose();
      champion.network.dispose();
    }
  }
  const pointer = await writeChampionPointer(store, { modelId: input.bestModelId, reason: `run ${input.runId}: ${reason}` });
  return { ...input, championId: pointer.modelId, promoted: true, reason };
}
