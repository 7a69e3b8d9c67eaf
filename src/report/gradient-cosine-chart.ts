import type { GradientCosineSnapshot } from '../train/task-diagnostics-summary.ts';
import { renderChart, type LegendEntry } from './chart-frame.ts';
import { computeNiceDomain } from './chart-scale.ts';
import { renderChartNote } from './chart-note.ts';
import { epochAxis } from './epoch-axis.ts';
import { escapeHtml } from './html-escape.ts';
import { seriesColor } from './series-palette.ts';
import { buildLinePath, formatCoordinate as fc } from './svg-path.ts';

/** Who the cosines belong to, for titles and the note. */
export interface GradientCosineChartOptions {
  readonly trialLabel: string;
  /** The trial's architecture; `single` explains why there is nothing to draw. */
  readonly arch?: string | undefined;
}

/**
 * Gradient cosines over training: per task pair `"a|b"`, the cosine of the two tasks' gradients on the shared
 * parameters after each epoch, with a line at zero (below it the tasks pull the shared weights apart).
 * `data-chart="gradient-cosine"`; a note instead when the trial measured none (its architecture shares nothing).
 */
export function renderGradientCosineChart(snapshots: readonly GradientCosineSnapshot[], { trialLabel, arch }: GradientCosineChartOptions): string {
  const measured = snapshots.filter((snapshot) => Number.isFinite(snapshot.epoch) && Object.keys(snapshot.pairs).length > 0);
  if (measured.length === 0) {
    const why = arch === 'single' ? 'the single architecture shares no parameters between tasks' : 'its architecture shares no parameters between tasks, or it trained fewer than two tasks';
    return renderChartNote(`No gradient cosines for ${trialLabel}: ${why}.`);
  }
  const pairs = [...new Set(measured.flatMap((snapshot) => Object.keys(snapshot.pairs)))];
  const series = pairs.map((pair, i) => ({
    pair,
    label: pair.split('|').join(' · '),
    color: seriesColor(i),
    points: measured.flatMap((snapshot) => {
      const cosine = snapshot.pairs[pair];
      return cosine === undefined ? [] : [{ epoch: snapshot.epoch, cosine }];
    }),
  }));
  const legend: LegendEntry[] = series.map((s) => ({ label: s.label, color: s.color }));
  return renderChart({
    name: 'gradient-cosine',
    title: `Gradient cosine per task pair · ${trialLabel}`,
    description: `Cosine similarity of the task gradients on the shared parameters after each of ${measured.length} epochs of ${trialLabel}, for ${pairs.length} task pairs; the dotted line is zero (orthogonal gradients), below it the tasks conflict.`,
    x: epochAxis(measured.map((snapshot) => snapshot.epoch)),
    y: { label: 'gradient cosine', domain: computeNiceDomain(series.flatMap((s) => s.points.map((p) => p.cosine)), { include: [0] }) },
    legend,
    width: 480,
    plotHeight: 240,
    marks: (plot) => {
      const zero = `<path class="reference zero-line" d="${buildLinePath([[plot.left, plot.y(0)], [plot.right, plot.y(0)]])}"><title>zero: orthogonal gradients</title></path>`;
      const lines = series.map((s) => {
        const d = buildLinePath(s.points.map((p) => [plot.x(p.epoch), plot.y(p.cosine)]));
        const dots = s.points
          .map((p) => `<circle cx="${fc(plot.x(p.epoch))}" cy="${fc(plot.y(p.cosine))}" r="2.5" fill="${escapeHtml(s.color)}"><title>${escapeHtml(s.label)}: epoch ${p.epoch}, cosine ${p.cosine.toFixed(3)}</title></circle>`)
          .join('');
        return `<path d="${d}" fill="none" stroke="${escapeHtml(s.color)}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"><title>${escapeHtml(s.label)}</title></path>${dots}`;
      });
      return zero + lines.join('');
    },
  });
}
