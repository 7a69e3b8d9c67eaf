import type { RawRow } from '../data/labelled-row.ts';
import { transformRows } from '../features/preprocessor.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import { predictionsOfBatch, scoreBatch } from './scored-batch.ts';
import { createServingForward, type ServingForward } from './serving-forward.ts';

/** One customer's scores (SPEC §7); served tasks only (auxiliary tasks are left out). */
export interface CustomerPrediction {
  readonly id: string;
  /** Probability (binary), value in label units (regression) or the predicted class's probability (multiclass). */
  readonly scores: Record<string, number>;
  /** Score at or above the task's threshold; always true for a multiclass task (its decision is `classes[task]`). */
  readonly decisions: Record<string, boolean>;
  /** 1..10, 10 the top tenth of the held-out score distribution. */
  readonly deciles: Record<string, number>;
  /** Only when the model serves a multiclass task: per multiclass task, the predicted (argmax) class. */
  readonly classes?: Record<string, string>;
  /** Only when the model serves a multiclass task: per multiclass task, every class's probability (they sum to 1). */
  readonly probabilities?: Record<string, Record<string, number>>;
  readonly segment: string;
}

/** Options of {@link scoreRows}. */
export interface ScoreRowsOptions {
  /** A row without an `idColumn` value gets `fallbackIds[i]`, else its 1-based position. */
  readonly fallbackIds?: readonly string[];
  /**
   * The model's forward pass; pass one made once (createServingForward) when scoring the same model many times.
   * @default createServingForward(model), made for this call
   */
  readonly forward?: ServingForward;
}

/**
 * Scores rows with a loaded model: the same preprocessor and serving graph for `score` and the API, so both give
 * the same numbers. A row's id is its `idColumn` value, else `fallbackIds[i]`, else its 1-based position.
 * A multiclass task's output `[rows, classes]` becomes the argmax class (`classes`), its probability (`scores`,
 * ranked into `deciles`) and all class probabilities (`probabilities`): see scoreBatch, which `score` streams through.
 */
export async function scoreRows(
  model: LoadedModel,
  rows: readonly RawRow[],
  { fallbackIds, forward = createServingForward(model) }: ScoreRowsOptions = {},
): Promise<CustomerPrediction[]> {
  const x = transformRows(model.preprocessor, rows);
  const outputs = await forward.predict(x, rows.length);
  const idColumn = model.card.idColumn;
  const idCells = idColumn === null ? undefined : rows.map((row) => row[idColumn] ?? null);
  return predictionsOfBatch(scoreBatch(model, outputs, rows.length, { idCells, fallbackId: (i) => fallbackIds?.[i] ?? String(i + 1) }));
}
