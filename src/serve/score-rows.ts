import type { RawRow } from '../data/labelled-row.ts';
import { transformRows } from '../features/preprocessor.ts';
import { assignDecile } from '../metrics/decile.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import { predictNetwork } from '../train/predict-network.ts';
import { assignSegment } from './segment.ts';

/** One customer's scores (SPEC §7); served tasks only (auxiliary tasks are left out). */
export interface CustomerPrediction {
  readonly id: string;
  /** Probability (binary) or value in label units (regression). */
  readonly scores: Record<string, number>;
  readonly decisions: Record<string, boolean>;
  /** 1..10, 10 the top tenth of the held-out score distribution. */
  readonly deciles: Record<string, number>;
  readonly segment: string;
}

/**
 * Scores rows with a loaded model: the same preprocessor and serving graph for `score` and the API, so both give
 * the same numbers. A row's id is its `idColumn` value, else `fallbackIds[i]`, else its 1-based position.
 */
export async function scoreRows(model: LoadedModel, rows: readonly RawRow[], fallbackIds?: readonly string[]): Promise<CustomerPrediction[]> {
  const width = model.preprocessor.inputNames.length;
  const x = transformRows(model.preprocessor, rows);
  const outputNames = model.card.tasks.map((task) => task.name);
  const outputs = await predictNetwork(model.network, x, rows.length, width, outputNames);
  const served = model.card.tasks.filter((task) => !task.auxiliary);
  const idColumn = model.card.idColumn;
  return rows.map((row, i) => {
    const scores: Record<string, number> = {};
    const decisions: Record<string, boolean> = {};
    const deciles: Record<string, number> = {};
    for (const task of served) {
      const score = (outputs[task.name] as Float32Array)[i] as number;
      scores[task.name] = score;
      decisions[task.name] = score >= task.threshold;
      deciles[task.name] = assignDecile(score, task.decileEdges);
    }
    const idValue = idColumn === null ? undefined : row[idColumn];
    const id = idValue !== undefined && idValue !== null && idValue !== '' ? String(idValue) : (fallbackIds?.[i] ?? String(i + 1));
    return { id, scores, decisions, deciles, segment: assignSegment(decisions, served) };
  });
}
