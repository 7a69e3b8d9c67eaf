import type { SplitMetrics } from '../src/metrics/evaluation.ts';
import type { TaskDiagnosticsSummary } from '../src/train/task-diagnostics-summary.ts';

const fixed = (value: number | null | undefined, digits = 4): string => (value === null || value === undefined ? 'n/a' : value.toFixed(digits));

/** A plain-text table of per-task metrics for people (the `--json` output carries everything). */
export function formatSplitMetrics(title: string, metrics: SplitMetrics): string {
  const rows = Object.entries(metrics.tasks).map(([task, m]) => {
    switch (m.type) {
      case 'binary':
        return [task, 'binary', fixed(m.auc), fixed(m.prAuc), fixed(m.f1), `threshold ${fixed(m.threshold, 3)}`];
      case 'multiclass':
        // auc and f1 are macro averages over the classes (one-vs-rest auc, argmax f1).
        return [task, `multiclass (${m.classes.length})`, fixed(m.auc), '', fixed(m.f1), `macro; accuracy ${fixed(m.accuracy)}`];
      case 'regression':
        return [task, 'regression', fixed(m.auc), '', fixed(m.f1), `rmse ${fixed(m.rmse)} r2 ${fixed(m.r2)}`];
    }
  });
  const header = ['task', 'type', 'auc', 'pr-auc', 'f1', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [`${title} (combined score ${fixed(metrics.combinedScore)})`, `  ${line(header)}`, ...rows.map((r) => `  ${line(r)}`)].join('\n');
}

/**
 * One line on the tasks' final effective loss weights and, when the architecture shares parameters, the mean cosine
 * of the task gradients at the last epoch that measured it; undefined when training recorded no weights.
 */
export function formatTaskDiagnostics(summary: TaskDiagnosticsSummary): string | undefined {
  const last = summary.taskWeightHistory.at(-1);
  if (last === undefined) return undefined;
  const weights = Object.entries(last.weights).map(([task, weight]) => `${task} ${fixed(weight, 3)}`).join(', ');
  const cosines = Object.values(summary.diagnostics.gradientCosine.at(-1)?.pairs ?? {});
  const cosine = cosines.length === 0 ? '' : `; mean gradient cosine ${fixed(cosines.reduce((sum, value) => sum + value, 0) / cosines.length, 3)}`;
  return `task weights after epoch ${last.epoch}: ${weights}${cosine}`;
}
