import type { EncodedSplit } from './encoded-split.ts';
import { selectEnsembleWeights, weightedMean } from './ensemble-selection.ts';
import { chooseThresholds, evaluatePredictions } from './evaluate-predictions.ts';
import type { TrainTask } from './train-task.ts';

type Predictions = Readonly<Record<string, Float32Array>>;

/** Arguments of {@link crossValidateEnsembleChoice}. */
export interface EnsembleChoiceArgs {
  /** Each candidate's validation predictions by task (the search's trials). */
  readonly candidates: readonly Predictions[];
  readonly validation: EncodedSplit;
  readonly tasks: readonly TrainTask[];
  readonly maxMembers: number;
  /** `selection.weights`: task weights in the combined score. */
  readonly weights: Readonly<Record<string, number>>;
}

/** Each way of choosing, scored on rows it did not choose on: mean validation combined score over the two halves. */
export interface EnsembleChoiceScores {
  /** Ensemble selection ({@link selectEnsembleWeights}) over the candidates. */
  readonly ensemble: number;
  /** The candidate with the best combined score (how a search picks its winner). */
  readonly single: number;
}

/**
 * Which way of choosing the final model generalises better — the best candidate, or ensemble selection over the
 * candidates — measured by 2-fold cross-validation on the validation rows (alternate rows form the halves): each way
 * chooses on one half (model, weights and F1 thresholds) and is scored on the other, as a saved model is chosen on
 * validation and scored on test. Comparing the two on the rows they chose on would favour the best single candidate:
 * its score is the maximum of many noisy ones (on a few hundred positives the best trial is also the luckiest), while
 * an ensemble's average is steadier.
 */
export function crossValidateEnsembleChoice({ candidates, validation, tasks, maxMembers, weights }: EnsembleChoiceArgs): EnsembleChoiceScores {
  const halves = [0, 1].map((parity) => Array.from({ length: validation.rows }, (_, i) => i).filter((i) => i % 2 === parity));
  let ensemble = 0;
  let single = 0;
  for (const [h, scored] of halves.entries()) {
    const fitted = halves[1 - h] as number[];
    const fitSplit = labelRows(validation, fitted);
    const scoreSplit = labelRows(validation, scored);
    const fitPredictions = candidates.map((candidate) => predictionRows(candidate, fitted, validation.rows));
    const scorePredictions = candidates.map((candidate) => predictionRows(candidate, scored, validation.rows));
    const combined = (predictions: Predictions, split: EncodedSplit, thresholds: Readonly<Record<string, number>>): number =>
      evaluatePredictions(predictions, split, tasks, thresholds, weights).combinedScore ?? Number.NEGATIVE_INFINITY;
    const own = fitPredictions.map((predictions) => combined(predictions, fitSplit, chooseThresholds(predictions, fitSplit, tasks)));
    const best = own.indexOf(Math.max(...own));
    single += combined(scorePredictions[best] as Predictions, scoreSplit, chooseThresholds(fitPredictions[best] as Predictions, fitSplit, tasks)) / halves.length;
    const counts = selectEnsembleWeights({ candidates: fitPredictions, validation: fitSplit, tasks, maxMembers });
    const average = (predictions: readonly Predictions[]): Predictions => Object.assign({}, ...tasks.map((task) => weightedMean(predictions, counts[task.name] as number[], task.name)));
    const fitAverage = average(fitPredictions);
    ensemble += combined(average(scorePredictions), scoreSplit, chooseThresholds(fitAverage, fitSplit, tasks)) / halves.length;
  }
  return { ensemble, single };
}

/** The labels of some rows of a split (what scoring reads; no inputs). */
function labelRows(split: EncodedSplit, rows: readonly number[]): EncodedSplit {
  return {
    rows: rows.length,
    width: 0,
    x: new Float32Array(0),
    labels: Object.fromEntries(Object.entries(split.labels).map(([task, labels]) => [task, Float32Array.from(rows, (r) => labels[r] as number)])),
    ids: rows.map((r) => split.ids[r] as string),
  };
}

/** The predictions of some rows: per task `[rows]`, or `[rows, C]` for a multiclass task. */
function predictionRows(predictions: Predictions, rows: readonly number[], total: number): Predictions {
  return Object.fromEntries(
    Object.entries(predictions).map(([task, values]) => {
      const width = values.length / total;
      const out = new Float32Array(rows.length * width);
      rows.forEach((r, i) => out.set(values.subarray(r * width, (r + 1) * width), i * width));
      return [task, out];
    }),
  );
}
