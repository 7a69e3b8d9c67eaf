import { renderChart } from './chart-frame.ts';
import { computeNiceDomain } from './chart-scale.ts';
import { renderChartNote } from './chart-note.ts';
import { escapeHtml } from './html-escape.ts';
import type { RunReportData } from './run-report-data.ts';
import { formatCoordinate as fc } from './svg-path.ts';
import { labelTrial } from './trial-label.ts';

/**
 * Task weight vs score, one chart per selection task: the task's loss weight λ (1 when the trial did not set it)
 * against the validation combined score, one dot per trial trained with `weighting: fixed`; the winner ringed.
 * `data-chart="task-weight-<task>"`; one note when no such trial has a score.
 */
export function renderTaskWeightCharts(data: RunReportData, colors: ReadonlyMap<string, string>): string {
  const winnerId = data.winner?.trialId;
  const baselineId = data.baseline?.trialId;
  const trials = data.leaderboard.flatMap((row) => {
    const score = row.metrics?.validation.combinedScore;
    if (row.config?.weighting !== 'fixed' || score === null || score === undefined) return [];
    return [{ row, score, color: colors.get(row.trialId) ?? '#555', label: labelTrial(row, { winnerId, baselineId }) }];
  });
  const tasks = data.tasks.filter((task) => !task.auxiliary);
  if (trials.length === 0 || tasks.length === 0) return renderChartNote('No task-weight chart: no scored trial used fixed task weights.');
  const scoreDomain = computeNiceDomain(trials.map((t) => t.score));
  return tasks
    .map((task) => {
      const points = trials.map((t) => ({ ...t, weight: t.row.config.taskWeights?.[task.name] ?? 1 }));
      return renderChart({
        name: `task-weight-${task.name}`,
        title: `λ ${task.name} vs validation combined score`,
        description: `One dot per trial with fixed weighting (${points.length}): the loss weight of ${task.name} against the trial's validation combined score; the winner is ringed.`,
        x: { label: `λ ${task.name} (loss weight)`, domain: computeNiceDomain(points.map((p) => p.weight), { include: [0] }) },
        y: { label: 'validation combined score', domain: scoreDomain },
        width: 420,
        plotHeight: 220,
        marks: (plot) =>
          points
            .map((p) => {
              const cx = fc(plot.x(p.weight));
              const cy = fc(plot.y(p.score));
              const ring = p.row.trialId === winnerId ? `<circle cx="${cx}" cy="${cy}" r="9" fill="none" stroke="#222" stroke-width="1.5"/>` : '';
              return `${ring}<circle cx="${cx}" cy="${cy}" r="5" fill="${escapeHtml(p.color)}" fill-opacity="0.85" stroke="#fff"><title>${escapeHtml(p.label)}: λ ${p.weight.toFixed(3)}, score ${p.score.toFixed(4)}</title></circle>`;
            })
            .join(''),
      });
    })
    .join('');
}
