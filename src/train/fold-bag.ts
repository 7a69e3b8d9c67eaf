import type { LabelledRow } from '../data/labelled-row.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { fitPreprocessor } from '../features/preprocessor.ts';
import type { ModelEnsembleInfo } from '../model/model-card.ts';
import { createSeededRandom, shuffleInPlace } from '../random/seeded-random.ts';
import { disposeEnsemble, ensembleInputs, evaluateEnsemble, type EvaluatedEnsemble, type TrainedModelResult } from './ensemble-candidate.ts';
import { predictRows } from './predict-network.ts';
import { trainCandidate, type TrainCandidateArgs, type TrainedCandidate } from './train-candidate.ts';

/**
 * Which fold each of `rows` pooled rows falls in: a seeded shuffle dealt round-robin, so the folds differ in size by
 * at most one row and every fold mixes training and validation rows alike.
 */
export function assignFolds(rows: number, folds: number, seed: number): Int32Array {
  const order = shuffleInPlace(Array.from({ length: rows }, (_, i) => i), createSeededRandom(seed));
  const fold = new Int32Array(rows);
  order.forEach((row, position) => {
    fold[row] = position % folds;
  });
  return fold;
}

/**
 * `model.bagFolds` = k (cross-validation bagging, as AutoGluon's `num_bag_folds`): the training and validation rows
 * are pooled and dealt into k folds; member i (seed seed + i) is trained on the other folds and early-stopped on fold
 * i, and the model is the members' average — one graph, their preprocessors (each fitted on its own rows) joined. No
 * labelled row is held back from training, where a single model leaves the validation tenth to early stopping and
 * selection: with 8 folds every task of the shared files scored at or above one model (BankChurners churn 0.9926 →
 * 0.9929, Online Shoppers 0.9287 → 0.9306; README "Where the bar stands", session 13), for 8 times the training. Its
 * validation metrics and thresholds are measured on the validation rows' out-of-fold predictions (each row scored
 * by the member that never trained on it), a fair, slightly pessimistic view of the average, which has seen them
 * all; its test metrics on the average. Costs k trainings. The result has {@link trainSeedEnsemble}'s shape, so
 * `train` saves either alike.
 */
export async function trainFoldBag(args: TrainCandidateArgs): Promise<TrainedModelResult> {
  const { splits, params } = args;
  const k = params.bagFolds;
  const pool: readonly LabelledRow[] = [...splits.train, ...splits.validation];
  const foldOf = assignFolds(pool.length, k, params.seed);
  checkFoldColumns(pool, foldOf, args);
  const members: TrainedCandidate[] = [];
  let ensemble: EvaluatedEnsemble | undefined;
  const dispose = (): void => disposeEnsemble(members, ensemble);
  try {
    const outOfFold: Record<string, Float32Array> = {};
    for (let fold = 0; fold < k; fold++) {
      const train = pool.filter((_, row) => foldOf[row] !== fold);
      const held = pool.filter((_, row) => foldOf[row] === fold);
      const member = await trainCandidate({ ...args, splits: { train, validation: held, test: splits.test }, params: { ...params, seed: params.seed + fold } });
      members.push(member);
      // The validation split's rows in this fold, scored by the one member that did not train on them.
      const validationRows = splits.validation.map((_, row) => row).filter((row) => foldOf[splits.train.length + row] === fold);
      if (validationRows.length === 0) continue;
      const predicted = await predictRows(member.network.serving, validationRows.map((row) => splits.validation[row] as LabelledRow), member.preprocessor, member.network.outputNames);
      for (const [name, values] of Object.entries(predicted)) {
        const units = values.length / validationRows.length;
        const column = (outOfFold[name] ??= new Float32Array(splits.validation.length * units));
        validationRows.forEach((row, i) => column.set(values.subarray(i * units, (i + 1) * units), row * units));
      }
    }
    // No validation rows at all: every output's out-of-fold predictions are empty.
    for (const name of members[0]?.network.outputNames ?? []) outOfFold[name] ??= new Float32Array(0);
    const memberScores = members.map((member) => member.metrics.validation.combinedScore ?? -Infinity);
    const bestIndex = memberScores.indexOf(Math.max(...memberScores));
    const best = members[bestIndex] as TrainedCandidate;
    const seconds = members.reduce((sum, member) => sum + member.training.seconds, 0);
    const inputs = ensembleInputs(members.map((member) => member.preprocessor));
    ensemble = await evaluateEnsemble(
      members.map((member) => member.network.serving),
      { outputNames: best.network.outputNames, preprocessor: inputs.preprocessor, tasks: best.tasks, splits, validationPredictions: outOfFold, selection: args.selection },
      {},
      inputs.ranges,
    );
    const info: ModelEnsembleInfo = {
      kind: 'folds',
      // Asked for explicitly, and no member is judged on the same rows as the bag: there is nothing fair to lose to.
      kept: true,
      members: memberScores.map((score, i) => ({ id: `fold${i}`, seed: params.seed + i, validationCombinedScore: score })),
      validationCombinedScore: ensemble.metrics.validation.combinedScore ?? -Infinity,
      bestMemberValidationCombinedScore: memberScores[bestIndex] as number,
    };
    const { serving, ...evaluation } = ensemble;
    return { candidate: { ...best, ...evaluation, preprocessor: inputs.preprocessor, network: { ...best.network, serving } }, params, ensemble: info, best, seconds, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/**
 * Fails before any training when the folds would give their copies different feature columns — a column's kind is
 * inferred from the rows it is fitted on, and a column with no value in a copy's rows is dropped — since such copies
 * cannot be served as one model. Fitting the column inputs alone (no trees) costs little next to one training.
 */
function checkFoldColumns(pool: readonly LabelledRow[], foldOf: Int32Array, { params, featureColumns, features, source }: TrainCandidateArgs): void {
  const kindsOf = (fold: number): Map<string, string> =>
    new Map(fitPreprocessor(pool.filter((_, row) => foldOf[row] !== fold), featureColumns, features, source === undefined ? {} : { source }).columns.map((column) => [column.name, column.kind]));
  const first = kindsOf(0);
  for (let fold = 1; fold < params.bagFolds; fold++) {
    const kinds = kindsOf(fold);
    const name = featureColumns.find((column) => first.get(column) !== kinds.get(column));
    if (name === undefined) continue;
    const describe = (kind: string | undefined): string => kind ?? 'without a value (dropped)';
    throw new BadInputError(
      `model.bagFolds=${String(params.bagFolds)}: column "${name}" is ${describe(first.get(name))} in the rows of fold copy 0 but ${describe(kinds.get(name))} in those of fold copy ${String(fold)} (a column's kind is inferred from the rows it is fitted on), so the copies cannot be averaged as one model: fill or clean the column, leave it out of the features, or set model.bagFolds to 1`,
      { details: [{ path: `features.${name}`, issue: 'differs between fold copies' }] },
    );
  }
}
