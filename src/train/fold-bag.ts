import type { LabelledRow } from '../data/labelled-row.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { fitPreprocessor } from '../features/preprocessor.ts';
import type { ModelEnsembleInfo } from '../model/model-card.ts';
import { createSeededRandom, shuffleInPlace } from '../random/seeded-random.ts';
import { disposeEnsemble, ensembleInputs, evaluateEnsemble, type EvaluatedEnsemble, type TrainedModelResult } from './ensemble-candidate.ts';
import { predictRows } from './predict-network.ts';
import type { FittedInputsCache } from './fitted-inputs-cache.ts';
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
  const pool: readonly LabelledRow[] = [...splits.train, ...splits.validation];
  const foldOf = assignFolds(pool.length, params.bagFolds, params.seed);
  let copies: FoldCopies | undefined;
  let ensemble: EvaluatedEnsemble | undefined;
  const dispose = (): void => disposeEnsemble(copies?.members ?? [], ensemble);
  try {
    copies = await trainFoldCopies(args, foldOf, { setting: 'model.bagFolds' });
    const { members } = copies;
    // The validation split's rows sit after the training rows in the pool.
    const outOfFold = poolRowsOf(copies.outOfFold, splits.train.length, splits.validation.length);
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

/** A candidate's fold copies and, per output, every pooled row's prediction by the copy that did not train on it. */
export interface FoldCopies {
  /** Copy i: trained on every fold but i, early-stopped on fold i. */
  readonly members: readonly TrainedCandidate[];
  /** Per output `[pool rows × units]`, pool = training then validation rows. */
  readonly outOfFold: Readonly<Record<string, Float32Array>>;
}

/**
 * Trains one copy of `args`' candidate per fold of the pooled training + validation rows (`foldOf`, from
 * {@link assignFolds}; copy i with seed seed + i) and predicts each fold's rows with the copy that left them out.
 * `setting` names what asked for the folds, for errors. `foldInputsCache(i)`, when given, is where copy i's fitted inputs are kept and found again (one cache per fold:
 * a cache's owner fixes the rows it fits on), so candidates sharing a features section fit each fold's trees once.
 * On failure every copy trained so far is freed.
 */
export async function trainFoldCopies(
  args: TrainCandidateArgs,
  foldOf: Int32Array,
  { setting, foldInputsCache }: { readonly setting: string; readonly foldInputsCache?: (fold: number) => FittedInputsCache },
): Promise<FoldCopies> {
  const pool: readonly LabelledRow[] = [...args.splits.train, ...args.splits.validation];
  const folds = foldCount(foldOf);
  checkFoldColumns(pool, foldOf, folds, setting, args);
  const members: TrainedCandidate[] = [];
  try {
    const outOfFold: Record<string, Float32Array> = {};
    for (let fold = 0; fold < folds; fold++) {
      const inputsCache = foldInputsCache?.(fold);
      const copy = await trainFoldCopy(args, foldOf, fold, inputsCache);
      members.push(copy.member);
      placeHeldPredictions(outOfFold, copy.predictions, copy.heldRows, pool.length);
    }
    // Every fold empty (fewer pooled rows than folds): outputs no fold predicted have one unit per row.
    for (const name of members[0]?.network.outputNames ?? []) outOfFold[name] ??= new Float32Array(pool.length);
    return { members, outOfFold };
  } catch (error) {
    disposeEnsemble(members, undefined);
    throw error;
  }
}

/** One fold copy: the candidate trained on every pooled row outside `fold`, and its predictions of that fold's rows. */
export interface FoldCopy {
  /** Trained on every fold but this one, early-stopped on it. */
  readonly member: TrainedCandidate;
  /** The pooled rows (training then validation rows) of the fold, in order. */
  readonly heldRows: readonly number[];
  /** Per output `[heldRows × units]`: the copy's predictions of those rows. */
  readonly predictions: Readonly<Record<string, Float32Array>>;
}

/**
 * Copy `fold` of `args`' candidate over the pooled training + validation rows (folds from {@link assignFolds}): trained
 * with seed seed + fold on the other folds, early-stopped on this one, then predicting it. What a fold bag, the
 * cross-fitted closing and a fold-copy trial job (`TrialSpec.fold`) each train, one copy at a time.
 */
export async function trainFoldCopy(args: TrainCandidateArgs, foldOf: Int32Array, fold: number, inputsCache?: FittedInputsCache): Promise<FoldCopy> {
  const { splits, params } = args;
  const pool: readonly LabelledRow[] = [...splits.train, ...splits.validation];
  const train = pool.filter((_, row) => foldOf[row] !== fold);
  const heldRows = pool.map((_, row) => row).filter((row) => foldOf[row] === fold);
  const held = heldRows.map((row) => pool[row] as LabelledRow);
  const member = await trainCandidate({ ...args, splits: { train, validation: held, test: splits.test }, params: { ...params, seed: params.seed + fold }, ...(inputsCache === undefined ? {} : { inputsCache }) });
  try {
    const predictions = held.length === 0 ? {} : await predictRows(member.network.serving, held, member.preprocessor, member.network.outputNames);
    return { member, heldRows, predictions };
  } catch (error) {
    disposeEnsemble([member], undefined);
    throw error;
  }
}

/** The number of folds of an assignment (the largest fold number + 1). */
function foldCount(foldOf: Int32Array): number {
  return foldOf.reduce((most, fold) => Math.max(most, fold + 1), 0);
}

/** Writes a fold's predictions (`[heldRows × units]` per output) into per-output pooled arrays `[poolRows × units]`. */
export function placeHeldPredictions(outOfFold: Record<string, Float32Array>, predictions: Readonly<Record<string, Float32Array>>, heldRows: readonly number[], poolRows: number): void {
  for (const [name, values] of Object.entries(predictions)) {
    const units = values.length / Math.max(1, heldRows.length);
    const column = (outOfFold[name] ??= new Float32Array(poolRows * units));
    heldRows.forEach((row, i) => column.set(values.subarray(i * units, (i + 1) * units), row * units));
  }
}

/** Rows `[start, start + count)` of per-output pooled predictions (the units of a row kept together). */
export function poolRowsOf(predictions: Readonly<Record<string, Float32Array>>, start: number, count: number, poolRows = start + count): Record<string, Float32Array> {
  return Object.fromEntries(
    Object.entries(predictions).map(([name, values]) => {
      const units = values.length / Math.max(1, poolRows);
      return [name, values.slice(start * units, (start + count) * units)];
    }),
  );
}

/**
 * Fails before any training when the folds would give their copies different feature columns — a column's kind is
 * inferred from the rows it is fitted on, and a column with no value in a copy's rows is dropped — since such copies
 * cannot be served as one model. Fitting the column inputs alone (no trees) costs little next to one training.
 */
export function checkFoldColumns(pool: readonly LabelledRow[], foldOf: Int32Array, folds: number, setting: string, { featureColumns, features, source }: TrainCandidateArgs): void {
  const kindsOf = (fold: number): Map<string, string> =>
    new Map(fitPreprocessor(pool.filter((_, row) => foldOf[row] !== fold), featureColumns, features, source === undefined ? {} : { source }).columns.map((column) => [column.name, column.kind]));
  const first = kindsOf(0);
  for (let fold = 1; fold < folds; fold++) {
    const kinds = kindsOf(fold);
    const name = featureColumns.find((column) => first.get(column) !== kinds.get(column));
    if (name === undefined) continue;
    const describe = (kind: string | undefined): string => kind ?? 'without a value (dropped)';
    throw new BadInputError(
      `${setting}=${String(folds)}: column "${name}" is ${describe(first.get(name))} in the rows of fold copy 0 but ${describe(kinds.get(name))} in those of fold copy ${String(fold)} (a column's kind is inferred from the rows it is fitted on), so the copies cannot be averaged as one model: fill or clean the column, leave it out of the features, or set ${setting} to 1`,
      { details: [{ path: `features.${name}`, issue: 'differs between fold copies' }] },
    );
  }
}
