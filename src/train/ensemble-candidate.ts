import type * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config/schema.ts';
import { TandemError } from '../errors/tandem-error.ts';
import { joinPreprocessors, partInputRanges, type Preprocessor } from '../features/preprocessor.ts';
import { buildEnsembleNetwork, type EnsembleOutputWeights } from '../model/ensemble-network.ts';
import type { ModelEnsembleInfo } from '../model/model-card.ts';
import { evaluateServingNetwork, trainCandidate, type EvaluateServingNetworkArgs, type ServingEvaluation, type TrainCandidateArgs, type TrainedCandidate } from './train-candidate.ts';

/** An ensemble's serving graph and its evaluation. The caller disposes `serving`. */
export interface EvaluatedEnsemble extends ServingEvaluation {
  readonly serving: tf.LayersModel;
}

/**
 * Averages member serving graphs into one ({@link buildEnsembleNetwork}; `outputWeights` per task, equal by default) and measures it exactly as a single model is
 * measured ({@link evaluateServingNetwork}: validation thresholds, validation and test metrics, deciles, stability).
 * The members share `preprocessor` (each split encoded with it a chunk at a time), or, with `inputRanges`, each reads its range
 * of a joined one's inputs (`joinPreprocessors`, `partInputRanges`).
 */
export async function evaluateEnsemble(
  members: readonly tf.LayersModel[],
  args: Omit<EvaluateServingNetworkArgs, 'serving'>,
  outputWeights: EnsembleOutputWeights = {},
  inputRanges?: readonly { readonly start: number; readonly size: number }[],
): Promise<EvaluatedEnsemble> {
  const serving = await buildEnsembleNetwork(members, outputWeights, inputRanges);
  try {
    return { serving, ...(await evaluateServingNetwork({ ...args, serving })) };
  } catch (error) {
    serving.dispose();
    throw error;
  }
}

/**
 * The ensemble's preprocessor: the members' own when they share it; otherwise their distinct ones joined
 * ({@link joinPreprocessors}), and per member the range of the joined inputs it reads.
 */
export function ensembleInputs(preprocessors: readonly Preprocessor[]): { preprocessor: Preprocessor; ranges?: { start: number; size: number }[] } {
  const keys = preprocessors.map((preprocessor) => JSON.stringify(preprocessor));
  const distinct = [...new Set(keys)];
  if (distinct.length === 1) return { preprocessor: preprocessors[0] as Preprocessor };
  const preprocessor = joinPreprocessors(distinct.map((key) => preprocessors[keys.indexOf(key)] as Preprocessor));
  const partRanges = partInputRanges(preprocessor);
  return { preprocessor, ranges: keys.map((key) => partRanges[distinct.indexOf(key)] as { start: number; size: number }) };
}

/** The ensemble is kept only when its validation combined score is strictly above every member's. */
export function ensembleWins(ensembleScore: number, memberScores: readonly number[]): boolean {
  return Number.isFinite(ensembleScore) && memberScores.every((score) => ensembleScore > score);
}

/** Frees each trained member's graphs and the ensemble's serving graph, once one was built. */
export function disposeEnsemble(members: readonly TrainedCandidate[], ensemble: EvaluatedEnsemble | undefined): void {
  ensemble?.serving.dispose();
  for (const member of members) {
    member.network.training.dispose();
    member.network.serving.dispose();
  }
}

/** What `train` trains ({@link trainSeedEnsemble}, or a fold bag: `trainFoldBag`). Call `dispose` when done: it frees every member and the ensemble. */
export interface TrainedModelResult {
  /** The model to save: the ensemble (its serving graph, metrics, thresholds, deciles) when kept, else the best member. */
  readonly candidate: TrainedCandidate;
  /** The params the saved model stands for: the config's (with ensembleSeeds) for an ensemble, else the best member's seed. */
  readonly params: ModelConfig;
  /** Set when more than one seed was trained: the members' and the ensemble's validation scores, and the decision. */
  readonly ensemble?: ModelEnsembleInfo;
  /** The best member (whose training history the saved model reports). */
  readonly best: TrainedCandidate;
  /** Summed training seconds of every member. */
  readonly seconds: number;
  dispose(): void;
}

/**
 * `model.ensembleSeeds` = k: trains k candidates with seeds seed … seed+k−1 (they differ only in initial weights,
 * dropout masks and batch order; the preprocessor has no randomness), averages their serving graphs into one and
 * keeps that ensemble only when its validation combined score beats every member's. k = 1 is {@link trainCandidate}.
 */
export async function trainSeedEnsemble(args: TrainCandidateArgs): Promise<TrainedModelResult> {
  const members: TrainedCandidate[] = [];
  let ensemble: EvaluatedEnsemble | undefined;
  const dispose = (): void => disposeEnsemble(members, ensemble);
  try {
    for (let i = 0; i < args.params.ensembleSeeds; i++) members.push(await trainCandidate({ ...args, params: { ...args.params, seed: args.params.seed + i } }));
    const memberScores = members.map((member) => member.metrics.validation.combinedScore ?? -Infinity);
    const bestIndex = memberScores.indexOf(Math.max(...memberScores));
    const best = members[bestIndex] as TrainedCandidate;
    const seconds = members.reduce((sum, member) => sum + member.training.seconds, 0);
    const bestParams = { ...args.params, seed: args.params.seed + bestIndex };
    if (members.length === 1) return { candidate: best, params: bestParams, best, seconds, dispose };
    const { preprocessor } = best;
    if (members.some((member) => JSON.stringify(member.preprocessor) !== JSON.stringify(preprocessor))) {
      throw new TandemError('the seed copies fitted different preprocessors, so they cannot be averaged as one model');
    }
    const { splits } = args;
    ensemble = await evaluateEnsemble(
      members.map((member) => member.network.serving),
      {
        outputNames: best.network.outputNames,
        preprocessor,
        tasks: best.tasks,
        splits,
        selection: args.selection,
      },
    );
    const validationCombinedScore = ensemble.metrics.validation.combinedScore ?? -Infinity;
    const kept = ensembleWins(validationCombinedScore, memberScores);
    const info: ModelEnsembleInfo = {
      kind: 'seeds',
      kept,
      members: memberScores.map((score, i) => ({ id: String(args.params.seed + i), seed: args.params.seed + i, validationCombinedScore: score })),
      validationCombinedScore,
      bestMemberValidationCombinedScore: memberScores[bestIndex] as number,
    };
    if (!kept) return { candidate: best, params: bestParams, ensemble: info, best, seconds, dispose };
    const { serving, ...evaluation } = ensemble;
    return { candidate: { ...best, ...evaluation, network: { ...best.network, serving } }, params: args.params, ensemble: info, best, seconds, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}
