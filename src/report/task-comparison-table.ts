import type { SplitMetrics } from '../metrics/evaluation.ts';
import type { TaskMetrics } from '../metrics/task-metrics.ts';
import { formatMetric, formatSigned, formatSignedPercent } from './format-number.ts';
import { escapeHtml } from './html-escape.ts';
import type { ReportTask } from './run-report-data.ts';

/** A metric of the comparison table and whether a higher value is better. */
interface ComparedMetric {
  readonly key: 'auc' | 'prAuc' | 'f1' | 'rmse' | 'accuracy';
  readonly label: string;
  readonly higherIsBetter: boolean;
}

const METRICS: Readonly<Record<ReportTask['type'], readonly ComparedMetric[]>> = {
  binary: [
    { key: 'auc', label: 'auc', higherIsBetter: true },
    { key: 'prAuc', label: 'pr-auc', higherIsBetter: true },
    { key: 'f1', label: 'f1', higherIsBetter: true },
  ],
  multiclass: [
    { key: 'auc', label: 'macro auc', higherIsBetter: true },
    { key: 'f1', label: 'macro f1', higherIsBetter: true },
    { key: 'accuracy', label: 'accuracy', higherIsBetter: true },
  ],
  regression: [
    { key: 'auc', label: 'auc', higherIsBetter: true },
    { key: 'f1', label: 'f1', higherIsBetter: true },
    { key: 'rmse', label: 'rmse', higherIsBetter: false },
  ],
};

function readMetric(metrics: TaskMetrics | undefined, key: ComparedMetric['key']): number | null {
  if (metrics === undefined) return null;
  if (key === 'prAuc') return metrics.type === 'binary' ? metrics.prAuc : null;
  if (key === 'rmse') return metrics.type === 'regression' ? metrics.rmse : null;
  if (key === 'accuracy') return metrics.type === 'multiclass' ? metrics.accuracy : null;
  return metrics[key];
}

/** One model's split metrics and its name in the table head. */
export interface ComparedModel {
  readonly label: string;
  readonly metrics: SplitMetrics | undefined;
}

/**
 * Per-task metrics of the winner against the `single` baseline on one split: auc, pr-auc and f1 for binary tasks,
 * auc, f1 and rmse for regression, macro auc, macro f1 and accuracy for multiclass, the difference (winner − baseline) marked better or worse by the metric's
 * direction, then the combined score and the winner's Δm. Without a baseline, the winner's column alone.
 */
export function renderTaskComparisonTable(tasks: readonly ReportTask[], winner: ComparedModel, baseline: ComparedModel | undefined): string {
  const head = ['task', 'metric', winner.label, ...(baseline === undefined ? [] : [baseline.label, 'difference'])];
  const rows: string[] = [];
  for (const task of tasks) {
    const compared = METRICS[task.type] ?? [];
    compared.forEach((metric, i) => {
      const value = readMetric(winner.metrics?.tasks[task.name], metric.key);
      const cells = [
        i === 0 ? `<th scope="row" rowspan="${compared.length}">${escapeHtml(task.name)}${task.auxiliary ? ' <span class="muted">(auxiliary)</span>' : ''}</th>` : '',
        `<td>${metric.label}</td>`,
        `<td class="num">${formatMetric(value)}</td>`,
      ];
      if (baseline !== undefined) {
        const base = readMetric(baseline.metrics?.tasks[task.name], metric.key);
        const diff = value === null || base === null ? null : value - base;
        const verdict = diff === null || Math.abs(diff) < 1e-12 ? '' : (diff > 0) === metric.higherIsBetter ? 'better' : 'worse';
        cells.push(`<td class="num">${formatMetric(base)}</td>`, `<td class="num ${verdict}">${formatSigned(diff)}</td>`);
      }
      rows.push(`<tr>${cells.join('')}</tr>`);
    });
  }
  const winnerScore = winner.metrics?.combinedScore ?? null;
  const baseScore = baseline?.metrics?.combinedScore ?? null;
  const scoreDiff = winnerScore === null || baseScore === null ? null : winnerScore - baseScore;
  const summary = [
    `<tr class="summary"><th scope="row" colspan="2">combined score</th><td class="num">${formatMetric(winnerScore)}</td>${
      baseline === undefined ? '' : `<td class="num">${formatMetric(baseScore)}</td><td class="num ${scoreDiff === null || scoreDiff === 0 ? '' : scoreDiff > 0 ? 'better' : 'worse'}">${formatSigned(scoreDiff)}</td>`
    }</tr>`,
    `<tr class="summary"><th scope="row" colspan="2">Δm vs single</th><td class="num">${formatSignedPercent(winner.metrics?.deltaM)}</td>${baseline === undefined ? '' : '<td class="num">—</td><td></td>'}</tr>`,
  ];
  return `<table class="comparison"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}${summary.join('')}</tbody></table>`;
}
