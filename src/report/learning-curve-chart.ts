import { renderChart, type LegendEntry } from './chart-frame.ts';
import { computeNiceDomain, computeNiceTicks } from './chart-scale.ts';
import { renderChartNote } from './chart-note.ts';
import { escapeHtml } from './html-escape.ts';
import type { RunReportData } from './run-report-data.ts';
import { buildLinePath, formatCoordinate as fc } from './svg-path.ts';
import { labelTrial } from './trial-label.ts';

/**
 * Learning curves: the validation combined score after each epoch, one line per trial that has a training history
 * (the winner drawn thicker, the `single` baseline dashed), a dot at each trial's best epoch and ASHA's rungs as
 * vertical guides. `data-chart="learning-curves"`; a note when no trial has a history.
 */
export function renderLearningCurveChart(data: RunReportData, colors: ReadonlyMap<string, string>): string {
  const winnerId = data.winner?.trialId;
  const baselineId = data.baseline?.trialId;
  const series = data.leaderboard.flatMap((row) => {
    const file = data.trialMetrics.get(row.trialId);
    const history = (file?.history ?? []).filter((record) => Number.isFinite(record.epoch));
    if (history.length === 0) return [];
    return [{ row, history, bestEpoch: file?.bestEpoch, color: colors.get(row.trialId) ?? '#555', label: labelTrial(row, { winnerId, baselineId }) }];
  });
  if (series.length === 0) return renderChartNote('No learning curves: no trial has a training history (metrics.json) yet.');
  const maxEpoch = Math.max(2, ...series.flatMap((s) => s.history.map((record) => record.epoch)));
  const epochTicks = computeNiceTicks(1, maxEpoch, Math.min(maxEpoch - 1, 8)).filter(Number.isInteger);
  const scores = series.flatMap((s) => s.history.map((record) => record.validationScore));
  // Draw the winner last so that it sits on top of the others.
  const ordered = [...series].sort((a, b) => Number(a.row.trialId === winnerId) - Number(b.row.trialId === winnerId));
  const legend: LegendEntry[] = series.map((s) => ({ label: s.label, color: s.color, mark: s.row.trialId === baselineId ? 'dashed' : 'line' }));
  return renderChart({
    name: 'learning-curves',
    title: 'Learning curves · validation combined score by epoch',
    description: `Validation combined score after each epoch for ${series.length} trials; dots mark each trial's best epoch${
      data.run.rungs.length > 0 ? `, vertical lines the ASHA rungs at ${data.run.rungs.join(', ')} epochs` : ''
    }.`,
    x: { label: 'epoch', domain: [1, maxEpoch], ticks: epochTicks.map((value) => ({ value, label: String(value) })) },
    y: { label: 'validation combined score', domain: computeNiceDomain(scores) },
    legend,
    marks: (plot) => {
      const rungs = data.run.rungs
        .filter((epoch) => epoch >= 1 && epoch <= maxEpoch)
        .map((epoch) => `<line class="guide" x1="${fc(plot.x(epoch))}" x2="${fc(plot.x(epoch))}" y1="${plot.top}" y2="${plot.bottom}"><title>ASHA rung at ${epoch} epochs</title></line>`)
        .join('');
      const lines = ordered.map((s) => {
        const d = buildLinePath(s.history.map((record) => (record.validationScore === null ? null : [plot.x(record.epoch), plot.y(record.validationScore)])));
        const width = s.row.trialId === winnerId ? 3.5 : 1.8;
        const dash = s.row.trialId === baselineId ? ' stroke-dasharray="6 4"' : '';
        const best = s.history.find((record) => record.epoch === s.bestEpoch && record.validationScore !== null);
        const dot =
          best === undefined || best.validationScore === null
            ? ''
            : `<circle cx="${fc(plot.x(best.epoch))}" cy="${fc(plot.y(best.validationScore))}" r="3.5" fill="${escapeHtml(s.color)}"><title>${escapeHtml(s.label)}: best epoch ${best.epoch}, score ${best.validationScore.toFixed(4)}</title></circle>`;
        return `<path d="${d}" fill="none" stroke="${escapeHtml(s.color)}" stroke-width="${width}" stroke-linejoin="round" stroke-linecap="round"${dash}><title>${escapeHtml(s.label)}</title></path>${dot}`;
      });
      return rungs + lines.join('');
    },
  });
}
