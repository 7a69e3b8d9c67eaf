import type { TaskWeightSnapshot } from '../train/task-diagnostics-summary.ts';
import { renderChart, type LegendEntry } from './chart-frame.ts';
import { computeNiceDomain } from './chart-scale.ts';
import { renderChartNote } from './chart-note.ts';
import { epochAxis } from './epoch-axis.ts';
import { escapeHtml } from './html-escape.ts';
import { seriesColor } from './series-palette.ts';
import { buildLinePath, formatCoordinate as fc } from './svg-path.ts';

/**
 * Effective task weights over training: the loss weight λ each task carried after every epoch (what the weighting
 * strategy made of it; flat lines for `fixed`), one line per task with a dot per epoch. `data-chart="effective-weights"`;
 * a note instead when the trial recorded no weights.
 */
export function renderEffectiveWeightChart(history: readonly TaskWeightSnapshot[], trialLabel: string): string {
  const snapshots = history.filter((snapshot) => Number.isFinite(snapshot.epoch) && Object.keys(snapshot.weights).length > 0);
  if (snapshots.length === 0) return renderChartNote(`No effective task weights: ${trialLabel} recorded none per epoch (trained before they were recorded).`);
  const tasks = [...new Set(snapshots.flatMap((snapshot) => Object.keys(snapshot.weights)))];
  const series = tasks.map((task, i) => ({
    task,
    color: seriesColor(i),
    points: snapshots.flatMap((snapshot) => {
      const weight = snapshot.weights[task];
      return weight === undefined ? [] : [{ epoch: snapshot.epoch, weight }];
    }),
  }));
  const x = epochAxis(snapshots.map((snapshot) => snapshot.epoch));
  const legend: LegendEntry[] = series.map((s) => ({ label: s.task, color: s.color }));
  return renderChart({
    name: 'effective-weights',
    title: `Effective task weights · ${trialLabel}`,
    description: `The loss weight of each of ${tasks.length} tasks (${tasks.join(', ')}) after each of ${snapshots.length} epochs of ${trialLabel}.`,
    x,
    y: { label: 'loss weight λ', domain: computeNiceDomain(series.flatMap((s) => s.points.map((p) => p.weight)), { include: [0] }) },
    legend,
    width: 480,
    plotHeight: 240,
    marks: (plot) =>
      series
        .map((s) => {
          const d = buildLinePath(s.points.map((p) => [plot.x(p.epoch), plot.y(p.weight)]));
          const dots = s.points
            .map((p) => `<circle cx="${fc(plot.x(p.epoch))}" cy="${fc(plot.y(p.weight))}" r="2.5" fill="${escapeHtml(s.color)}"><title>${escapeHtml(s.task)}: epoch ${p.epoch}, λ ${p.weight.toFixed(3)}</title></circle>`)
            .join('');
          return `<path d="${d}" fill="none" stroke="${escapeHtml(s.color)}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"><title>${escapeHtml(s.task)}</title></path>${dots}`;
        })
        .join(''),
  });
}
