import type { RawValue } from '../data/labelled-row.ts';
import { assignDecile } from '../metrics/decile.ts';
import { argmaxOfRow } from '../metrics/multiclass-metrics.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import type { TaskScoringRule } from '../train/train-candidate.ts';
import type { ScoredTask } from './score-columns.ts';
import type { CustomerPrediction } from './score-rows.ts';
import { assignSegment, type SegmentInput } from './segment.ts';

/** One served task's outputs over a batch, column by column. */
export interface ScoredTaskColumn {
  readonly name: string;
  /** Per row the score (probability, value, or the predicted class's probability). */
  readonly scores: Float64Array;
  /** Per row 1 when the score is at or above the threshold (a multiclass task: always 1). */
  readonly decisions: Uint8Array;
  /** Per row its decile, 1..10. */
  readonly deciles: Uint8Array;
  /** Multiclass only: the class names, the predicted class per row, and row-major `[rows, classes]` probabilities. */
  readonly classes?: readonly string[];
  readonly predicted?: readonly string[];
  readonly probabilities?: Float64Array;
}

/**
 * A batch of customers' scores in columns: what `score` writes, without an object per customer. Holds exactly what
 * the {@link CustomerPrediction}s of the same rows hold (see {@link predictionsOfBatch}, {@link batchOfPredictions}).
 */
export interface ScoredBatch {
  readonly rows: number;
  readonly ids: readonly string[];
  /** Served tasks, in card order. */
  readonly tasks: readonly ScoredTaskColumn[];
  readonly segments: readonly string[];
}

/** Options of {@link scoreBatch}. */
export interface ScoreBatchOptions {
  /** Per row its id cell (the card's id column); a blank one falls back. @default none */
  readonly idCells?: readonly RawValue[];
  /** The id of a row without one. @default its 1-based position in the batch */
  readonly fallbackId?: (row: number) => string;
}

/**
 * Turns a forward pass's outputs over `rows` rows (per task name, as ServingForward gives them) into scores,
 * decisions, deciles, classes and segments: the one place `score` and the API derive them. A multiclass task's
 * output `[rows, classes]` becomes the argmax class, its probability (the score, ranked into the decile) and all
 * class probabilities.
 */
export function scoreBatch(model: LoadedModel, outputs: Readonly<Record<string, Float32Array>>, rows: number, { idCells, fallbackId = (row) => String(row + 1) }: ScoreBatchOptions = {}): ScoredBatch {
  const served = model.card.tasks.filter((task) => !task.auxiliary);
  const tasks = served.map((task) => scoreTask(task, outputs[task.name] as Float32Array, rows));
  const ids = new Array<string>(rows);
  for (let i = 0; i < rows; i++) {
    const idValue = idCells?.[i];
    ids[i] = idValue !== undefined && idValue !== null && idValue !== '' ? String(idValue) : fallbackId(i);
  }
  return { rows, ids, tasks, segments: segmentsOf(tasks, served, model.card.segments, rows) };
}

function scoreTask(task: TaskScoringRule, output: Float32Array, rows: number): ScoredTaskColumn {
  const scores = new Float64Array(rows);
  const decisions = new Uint8Array(rows);
  const deciles = new Uint8Array(rows);
  if (task.type === 'multiclass') {
    const names = task.classes ?? [];
    const width = names.length;
    const predicted = new Array<string>(rows);
    for (let i = 0; i < rows; i++) {
      const top = argmaxOfRow(output, i, width);
      const score = output[i * width + top] as number;
      scores[i] = score;
      decisions[i] = 1;
      deciles[i] = assignDecile(score, task.decileEdges);
      predicted[i] = names[top] as string;
    }
    return { name: task.name, scores, decisions, deciles, classes: names, predicted, probabilities: Float64Array.from(output.subarray(0, rows * width)) };
  }
  for (let i = 0; i < rows; i++) {
    const score = output[i] as number;
    scores[i] = score;
    decisions[i] = score >= task.threshold ? 1 : 0;
    deciles[i] = assignDecile(score, task.decileEdges);
  }
  return { name: task.name, scores, decisions, deciles };
}

/**
 * Each row's segment (assignSegment). Without segment rules a segment depends only on the decisions and predicted
 * classes, so it is computed once per distinct combination; with rules, once per row.
 */
function segmentsOf(tasks: readonly ScoredTaskColumn[], served: readonly TaskScoringRule[], rules: LoadedModel['card']['segments'], rows: number): string[] {
  const scores: Record<string, number> = {};
  const decisions: Record<string, boolean> = {};
  const deciles: Record<string, number> = {};
  const classes: Record<string, string> = {};
  const input: SegmentInput = { scores, decisions, deciles, classes };
  const segments = new Array<string>(rows);
  const cache = rules === undefined ? new Map<string, string>() : undefined;
  for (let i = 0; i < rows; i++) {
    let key = '';
    for (const task of tasks) {
      scores[task.name] = task.scores[i] as number;
      decisions[task.name] = task.decisions[i] === 1;
      deciles[task.name] = task.deciles[i] as number;
      if (task.predicted !== undefined) classes[task.name] = task.predicted[i] as string;
      if (cache !== undefined) key += task.predicted === undefined ? (task.decisions[i] === 1 ? '1' : '0') : `\u0000${task.predicted[i]}\u0000`;
    }
    if (cache === undefined) {
      segments[i] = assignSegment(input, served, rules);
      continue;
    }
    let segment = cache.get(key);
    if (segment === undefined) {
      segment = assignSegment(input, served, rules);
      cache.set(key, segment);
    }
    segments[i] = segment;
  }
  return segments;
}

/** The batch as one {@link CustomerPrediction} per row (the API's shape). */
export function predictionsOfBatch(batch: ScoredBatch): CustomerPrediction[] {
  const multiclass = batch.tasks.some((task) => task.predicted !== undefined);
  const predictions = new Array<CustomerPrediction>(batch.rows);
  for (let i = 0; i < batch.rows; i++) {
    const scores: Record<string, number> = {};
    const decisions: Record<string, boolean> = {};
    const deciles: Record<string, number> = {};
    const classes: Record<string, string> = {};
    const probabilities: Record<string, Record<string, number>> = {};
    for (const task of batch.tasks) {
      scores[task.name] = task.scores[i] as number;
      decisions[task.name] = task.decisions[i] === 1;
      deciles[task.name] = task.deciles[i] as number;
      if (task.predicted !== undefined) {
        const names = task.classes as readonly string[];
        const probs = task.probabilities as Float64Array;
        classes[task.name] = task.predicted[i] as string;
        probabilities[task.name] = Object.fromEntries(names.map((name, c) => [name, probs[i * names.length + c] as number]));
      }
    }
    const id = batch.ids[i] as string;
    const segment = batch.segments[i] as string;
    predictions[i] = multiclass ? { id, scores, decisions, deciles, classes, probabilities, segment } : { id, scores, decisions, deciles, segment };
  }
  return predictions;
}

/** Predictions (for `tasks`, as the score output lays them out) as a batch, so one writer formats both. */
export function batchOfPredictions(predictions: readonly CustomerPrediction[], tasks: readonly ScoredTask[]): ScoredBatch {
  const rows = predictions.length;
  const columns = tasks.map(({ name, classes }): ScoredTaskColumn => {
    const scores = Float64Array.from(predictions, (p) => p.scores[name] as number);
    const decisions = Uint8Array.from(predictions, (p) => (p.decisions[name] === true ? 1 : 0));
    const deciles = Uint8Array.from(predictions, (p) => p.deciles[name] as number);
    if (classes === undefined) return { name, scores, decisions, deciles };
    const probabilities = new Float64Array(rows * classes.length);
    predictions.forEach((p, i) => classes.forEach((label, c) => (probabilities[i * classes.length + c] = p.probabilities?.[name]?.[label] ?? Number.NaN)));
    return { name, scores, decisions, deciles, classes, predicted: predictions.map((p) => p.classes?.[name] as string), probabilities };
  });
  return { rows, ids: predictions.map((p) => p.id), tasks: columns, segments: predictions.map((p) => p.segment) };
}
