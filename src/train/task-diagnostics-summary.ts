import type { EpochRecord } from './training-state.ts';

/** The loss weight each task carried after one epoch (the weighting strategy's effective λ). */
export interface TaskWeightSnapshot {
  readonly epoch: number;
  readonly weights: Readonly<Record<string, number>>;
}

/** Cosines of the task gradients on the shared parameters after one epoch, per pair `"a|b"`. */
export interface GradientCosineSnapshot {
  readonly epoch: number;
  readonly pairs: Readonly<Record<string, number>>;
}

/** How the tasks relate: through the shared parameters during training, and in their labels. */
export interface TaskDiagnostics {
  /** One entry per epoch that measured it; empty when the architecture shares nothing (`single`). */
  readonly gradientCosine: readonly GradientCosineSnapshot[];
  /** Pearson correlation of the task labels over the training rows labelled for both, per pair `"a|b"`. */
  readonly labelCorrelation: Readonly<Record<string, number>>;
}

/** What `train --json`, metrics.json and leaderboard rows carry about the tasks besides their metrics. */
export interface TaskDiagnosticsSummary {
  /** One entry per epoch. */
  readonly taskWeightHistory: readonly TaskWeightSnapshot[];
  readonly diagnostics: TaskDiagnostics;
}

/** A stored result that may carry a summary, a training history, or both (older files have neither summary field). */
export interface TaskDiagnosticsSource {
  readonly taskWeightHistory?: readonly TaskWeightSnapshot[];
  readonly diagnostics?: Partial<TaskDiagnostics>;
  readonly history?: readonly EpochRecord[];
}

/**
 * The task diagnostics of a training run: each epoch's effective task weights and gradient cosines from its history,
 * plus the label correlation measured on the training split. Epochs that recorded neither (histories from before
 * the weighting strategies) are left out; non-finite values are dropped so that the JSON holds numbers only.
 */
export function summarizeTaskDiagnostics(history: readonly EpochRecord[], labelCorrelation: Readonly<Record<string, number>>): TaskDiagnosticsSummary {
  return {
    taskWeightHistory: history.flatMap((record) => (record.taskWeights === undefined ? [] : [{ epoch: record.epoch, weights: finiteEntries(record.taskWeights) }])),
    diagnostics: {
      gradientCosine: history.flatMap((record) => (record.gradientCosine === undefined ? [] : [{ epoch: record.epoch, pairs: finiteEntries(record.gradientCosine) }])),
      labelCorrelation: finiteEntries(labelCorrelation),
    },
  };
}

/**
 * The task diagnostics a stored result carries, or — for files written before they were recorded — those its
 * training history allows (no label correlation then); undefined when it has neither.
 */
export function readTaskDiagnostics(source: TaskDiagnosticsSource | null | undefined): TaskDiagnosticsSummary | undefined {
  if (source === null || source === undefined) return undefined;
  if (source.taskWeightHistory === undefined && source.diagnostics === undefined) {
    return source.history === undefined ? undefined : summarizeTaskDiagnostics(source.history, {});
  }
  const derived = summarizeTaskDiagnostics(source.history ?? [], {});
  return {
    taskWeightHistory: source.taskWeightHistory ?? derived.taskWeightHistory,
    diagnostics: {
      gradientCosine: source.diagnostics?.gradientCosine ?? derived.diagnostics.gradientCosine,
      labelCorrelation: source.diagnostics?.labelCorrelation ?? {},
    },
  };
}

function finiteEntries(values: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => Number.isFinite(value)));
}
