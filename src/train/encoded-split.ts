import type { LabelledRow } from '../data/labelled-row.ts';
import { transformRows, inputWidth, type Preprocessor } from '../features/preprocessor.ts';

/** One split as the network consumes it. */
export interface EncodedSplit {
  readonly rows: number;
  readonly width: number;
  /** Row-major `[rows, width]`. */
  readonly x: Float32Array;
  /** Per task `[rows]`: the label in label units, NaN where the row carries no label. */
  readonly labels: Readonly<Record<string, Float32Array>>;
  readonly ids: readonly string[];
}

/** What judging predictions reads of a split: its labels (not its inputs). */
export type SplitLabels = Pick<EncodedSplit, 'labels'>;

/** Per task `[rows]`: each row's label, NaN where it carries none. */
export function splitLabels(rows: readonly LabelledRow[], taskNames: readonly string[]): SplitLabels {
  return { labels: Object.fromEntries(taskNames.map((task) => [task, Float32Array.from(rows, (row) => row.labels[task] ?? Number.NaN)])) };
}

/** Encodes labelled rows with a fitted preprocessor. */
export function encodeSplit(rows: readonly LabelledRow[], preprocessor: Preprocessor, taskNames: readonly string[]): EncodedSplit {
  return {
    rows: rows.length,
    width: inputWidth(preprocessor),
    x: transformRows(preprocessor, rows.map((row) => row.features)),
    ...splitLabels(rows, taskNames),
    ids: rows.map((row) => row.id),
  };
}

/**
 * The labelled entries of a task: `{predictions, labels}` restricted to rows with a label. `width` is the number of
 * predictions per row (row-major `[rows, width]`, e.g. a multiclass task's class probabilities).
 */
export function selectLabelled(predictions: Float32Array, labels: Float32Array, width = 1): { predictions: Float32Array; labels: Float32Array } {
  let count = 0;
  for (let i = 0; i < labels.length; i++) if (!Number.isNaN(labels[i] as number)) count++;
  const outPredictions = new Float32Array(count * width);
  const outLabels = new Float32Array(count);
  let at = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    if (Number.isNaN(label)) continue;
    if (width === 1) outPredictions[at] = predictions[i] as number;
    else outPredictions.set(predictions.subarray(i * width, (i + 1) * width), at * width);
    outLabels[at++] = label;
  }
  return { predictions: outPredictions, labels: outLabels };
}
