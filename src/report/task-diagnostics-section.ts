import { readTaskDiagnostics } from '../train/task-diagnostics-summary.ts';
import { renderChartNote } from './chart-note.ts';
import { renderEffectiveWeightChart } from './effective-weight-chart.ts';
import { renderGradientCosineChart } from './gradient-cosine-chart.ts';
import { renderLabelCorrelationTable } from './label-correlation-table.ts';
import type { RunReportData } from './run-report-data.ts';
import { labelTrial } from './trial-label.ts';

/**
 * The winner's task diagnostics: its effective task weights and gradient cosines per epoch, and the label
 * correlation of the training split. Read from the trial's metrics.json (its history, for files that predate the
 * summary), else from its leaderboard row; a note when there is no winner or nothing recorded.
 */
export function renderTaskDiagnosticsSection(data: RunReportData): string {
  const { winner } = data;
  if (winner === undefined) return renderChartNote('No winner has been selected yet, so there are no task diagnostics to show.');
  const summary = readTaskDiagnostics(data.trialMetrics.get(winner.trialId)) ?? readTaskDiagnostics(winner);
  if (summary === undefined) return renderChartNote(`The winner ${winner.trialId} has no training history with task diagnostics.`);
  const label = labelTrial(winner, { winnerId: winner.trialId, baselineId: data.baseline?.trialId });
  const explain =
    '<p class="explain">How the winner\'s tasks got along. The effective weight is the loss weight λ each task carried after every epoch ' +
    '(constant for fixed weighting; learned or adapted by the other strategies). The gradient cosine compares two tasks\' gradients on the ' +
    'shared parameters on a fixed batch after every epoch: above zero they pull the same way, below zero they conflict. The label ' +
    'correlation is the Pearson r of two tasks\' labels over the training rows labelled for both.</p>';
  return [
    explain,
    '<div class="charts">',
    renderEffectiveWeightChart(summary.taskWeightHistory, label),
    renderGradientCosineChart(summary.diagnostics.gradientCosine, { trialLabel: label, arch: winner.config?.arch }),
    '</div>',
    '<h3>Label correlation (training split)</h3>',
    renderLabelCorrelationTable(summary.diagnostics.labelCorrelation),
  ].join('');
}
