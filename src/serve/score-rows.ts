import type { RawRow } from '../data/labelled-row.ts';
import { transformRows } from '../features/preprocessor.ts';
import { assignDecile } from '../metrics/decile.ts';
import { argmaxOfRow } from '../metrics/multiclass-metrics.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import { assignSegment } from './segment.ts';
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
 * ranked into `deciles`) and all class probabilities (`probabilities`).
 */
export async function scoreRows(
  model: LoadedModel,
  rows: readonly RawRow[],
  { fallbackIds, forward = createServingForward(model) }: ScoreRowsOptions = {},
): Promise<CustomerPrediction[]> {
  const x = transformRows(model.preprocessor, rows);
  const outputs = await forward.predict(x, rows.length);
  const served = model.card.tasks.filter((task) => !task.auxiliary);
  const multiclass = served.some((task) => task.type === 'multiclass');
  const idColumn = model.card.idColumn;
  return rows.map((row, i) => {
    const scores: Record<string, number> = {};
    const decisions: Record<string, boolean> = {};
    const deciles: Record<string, number> = {};
    const classes: Record<string, string> = {};
    const probabilities: Record<string, Record<string, number>> = {};
    for (const task of served) {
      const output = outputs[task.name] as Float32Array;
      let score: number;
      if (task.type === 'multiclass') {
        const names = task.classes ?? [];
        const top = argmaxOfRow(output, i, names.length);
        score = output[i * names.length + top] as number;
        classes[task.name] = names[top] as string;
        probabilities[task.name] = Object.fromEntries(names.map((name, c) => [name, output[i * names.length + c] as number]));
      } else {
        score = output[i] as number;
      }
      scores[task.name] = score;
      decisions[task.name] = task.type === 'multiclass' || score >= task.threshold;
      deciles[task.name] = assignDecile(score, task.decileEdges);
    }
    const idValue = idColumn === null ? undefined : row[idColumn];
    const id = idValue !== undefined && idValue !== null && idValue !== '' ? String(idValue) : (fallbackIds?.[i] ?? String(i + 1));
    const segment = assignSegment({ scores, decisions, deciles, classes }, served, model.card.segments);
    return multiclass ? { id, scores, decisions, deciles, classes, probabilities, segment } : { id, scores, decisions, deciles, segment };
  });
}
