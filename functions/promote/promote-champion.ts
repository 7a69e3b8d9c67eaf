import { selectionSchema, type SelectionConfig } from '../../src/config/schema.ts';
import { SchemaMismatchError } from '../../src/errors/schema-mismatch-error.ts';
import { readChampion, readModelCard } from '../../src/registry/champion.ts';
import { promoteChallenger } from '../../src/registry/promote-challenger.ts';
import { runKey } from '../../src/search/run-keys.ts';
import type { StoredRun } from '../../src/search/stored-run.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { readJsonIfExists } from '../../src/store/json-object.ts';
import type { PromoteOutput, SelectOutput } from '../workflow-state.ts';

/**
 * The workflow's promote step (SPEC §6 champion/challenger, §8 one champion per project): the run's winner replaces
 * the champion of the run's project (the config's `name`) only when it has the champion's tasks and feature schema
 * and beats it on the winner's test rows by `selection.minGain` with no task's AUC dropping more than
 * `selection.maxTaskDrop`; without a champion it is promoted. A winner of another schema is not promoted (the reason
 * names each difference; a person accepts the change with `tandem promote --allow-schema-change`). Other projects'
 * champions are never touched. Call `selectBackend` before (TensorFlow.js scoring).
 */
export async function promoteChampion(store: BlobStore, input: SelectOutput): Promise<PromoteOutput> {
  const run = await readJsonIfExists<StoredRun>(store, runKey(input.runId, 'run.json'));
  // The run records its project; a winner's card names it too (a run written before the name was kept).
  const project = run?.defaults.name ?? (input.bestModelId === null ? undefined : (await readModelCard(store, input.bestModelId)).name);
  const current = project === undefined ? undefined : await readChampion(store, project);
  const keep = (reason: string): PromoteOutput => ({ ...input, championId: current?.modelId ?? null, promoted: false, reason });
  if (input.bestModelId === null || project === undefined) return keep('no trial met every selection floor with a saved model');
  const selection: SelectionConfig = run?.defaults.selection ?? selectionSchema.parse({});
  try {
    const outcome = await promoteChallenger(store, { project, modelId: input.bestModelId, selection, reasonPrefix: `run ${input.runId}: ` });
    return { ...input, championId: outcome.championId, promoted: outcome.promoted, reason: outcome.reason };
  } catch (error) {
    if (error instanceof SchemaMismatchError) return keep(`kept the champion: ${error.differences.join('; ')} (tandem promote --allow-schema-change accepts the change)`);
    throw error;
  }
}
