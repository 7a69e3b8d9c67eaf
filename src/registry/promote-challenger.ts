import type { SelectionConfig } from '../config/schema.ts';
import { loadDataset } from '../data/load-dataset.ts';
import { SchemaMismatchError } from '../errors/schema-mismatch-error.ts';
import { loadModel } from '../model/model-artifacts.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { assertModelOfProject, readChampion, readModelCard, writeChampionPointer } from './champion.ts';
import { evaluateModelOnRows } from './evaluate-on-rows.ts';
import { decidePromotion, type PromotionDecision } from './promotion-rules.ts';
import { describeSchemaDifferences } from './schema-compatibility.ts';

/** What {@link promoteChallenger} needs. */
export interface PromoteChallengerOptions {
  /** The project (a config's `name`) whose champion the challenger would replace; its card must carry that name. */
  readonly project: string;
  /** The challenger's model id. */
  readonly modelId: string;
  /** `minGain`, `maxTaskDrop` and the task weights of the combined score. */
  readonly selection: Pick<SelectionConfig, 'minGain' | 'maxTaskDrop' | 'weights'>;
  /** Promote without the champion/challenger rules (never past a schema difference). @default false */
  readonly force?: boolean;
  /**
   * Accept a challenger whose tasks or features differ from the champion's. The two cannot be compared on the same
   * rows then, so the challenger is promoted without the rules; the pointer's reason lists the differences.
   * @default false
   */
  readonly allowSchemaChange?: boolean;
  /** Appended to a SchemaMismatchError's message: how the caller accepts a schema change (e.g. a flag). */
  readonly schemaAdvice?: string;
  /** The reason kept in the pointer instead of the rules' verdict. */
  readonly reason?: string;
  /** Put before the reason in the pointer (e.g. `run <runId>: `). @default '' */
  readonly reasonPrefix?: string;
  readonly now?: Date;
}

/** The outcome of a promotion attempt. */
export interface PromotionOutcome {
  readonly project: string;
  /** The project's champion afterwards (null: still none). */
  readonly championId: string | null;
  readonly previousId: string | null;
  readonly promoted: boolean;
  /** Why: the rules' verdict, the reason given, or why nothing changed. */
  readonly reason: string;
  /** The rules' comparison on the challenger's test rows, when they ran. */
  readonly comparison?: PromotionDecision;
  /** How the schema changed, when `allowSchemaChange` let a different schema through. */
  readonly schemaChanges?: readonly string[];
}

/**
 * SPEC §6 and §8 for one project: a challenger of another schema (tasks by name and type, features by name and kind)
 * is refused with SchemaMismatchError naming each difference, unless `allowSchemaChange`; otherwise, unless `force`,
 * both models are scored on the challenger's test rows and the challenger replaces the champion only when the rules
 * say so (`promoted: false` with the reason when they keep the champion). Without a champion the challenger is
 * promoted. Only `project`'s pointer moves. The TensorFlow.js backend must be selected before (the rules score).
 */
export async function promoteChallenger(store: BlobStore, options: PromoteChallengerOptions): Promise<PromotionOutcome> {
  const { project, modelId, selection, force = false, allowSchemaChange = false, reasonPrefix = '', now = new Date() } = options;
  await assertModelOfProject(store, modelId, project);
  const current = await readChampion(store, project);
  if (current?.modelId === modelId) {
    return { project, championId: modelId, previousId: current.previousId, promoted: false, reason: `${modelId} is already the champion of ${project}` };
  }
  let verdict = 'no champion yet';
  let comparison: PromotionDecision | undefined;
  let schemaChanges: string[] | undefined;
  if (current !== undefined) {
    const [challengerCard, championCard] = await Promise.all([readModelCard(store, modelId), readModelCard(store, current.modelId)]);
    const differences = describeSchemaDifferences(challengerCard, championCard);
    if (differences.length > 0 && !allowSchemaChange) throw new SchemaMismatchError(modelId, current.modelId, differences, options.schemaAdvice);
    if (differences.length > 0) {
      schemaChanges = differences;
      verdict = `schema change accepted by hand: ${differences.join('; ')}`;
    } else if (force) {
      verdict = 'promoted by hand (--force)';
    } else {
      comparison = await compareOnChallengerRows(store, modelId, current.modelId, selection);
      if (!comparison.promote) return { project, championId: current.modelId, previousId: current.previousId, promoted: false, reason: comparison.reason, comparison };
      verdict = comparison.reason;
    }
  }
  const reason = options.reason ?? verdict;
  const pointer = await writeChampionPointer(store, { project, modelId, reason: `${reasonPrefix}${reason}`, now });
  return {
    project,
    championId: pointer.modelId,
    previousId: pointer.previousId,
    promoted: true,
    reason,
    ...(comparison === undefined ? {} : { comparison }),
    ...(schemaChanges === undefined ? {} : { schemaChanges }),
  };
}

async function compareOnChallengerRows(store: BlobStore, challengerId: string, championId: string, selection: PromoteChallengerOptions['selection']): Promise<PromotionDecision> {
  const challenger = await loadModel(store, challengerId);
  try {
    const champion = await loadModel(store, championId);
    try {
      const { splits } = await loadDataset(store, challenger.card.datasetId);
      const [challengerMetrics, championMetrics] = await Promise.all([evaluateModelOnRows(challenger, splits.test, selection), evaluateModelOnRows(champion, splits.test, selection)]);
      return decidePromotion(challengerMetrics, championMetrics, selection);
    } finally {
      champion.network.dispose();
    }
  } finally {
    challenger.network.dispose();
  }
}
