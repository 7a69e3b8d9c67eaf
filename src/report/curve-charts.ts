import type { TaskCurves } from '../train/train-candidate.ts';
import { renderChart, type LegendEntry } from './chart-frame.ts';
import { renderChartNote } from './chart-note.ts';
import { escapeHtml } from './html-escape.ts';
import { buildLinePath, type PixelPoint } from './svg-path.ts';

/** One model's curves of a task, as a chart series. */
export interface CurveSeries {
  /** Legend text, e.g. "t004 (winner)". */
  readonly label: string;
  readonly color: string;
  /** Dashed (the `single` baseline) or solid (the winner). */
  readonly dashed: boolean;
  readonly curves: TaskCurves | undefined;
  /** Test AUC of the task, shown in the ROC legend. */
  readonly auc?: number | null;
  /** Test average precision of the task, shown in the PR legend. */
  readonly prAuc?: number | null;
}

const unitTicks = [0, 0.2, 0.4, 0.6, 0.8, 1].map((value) => ({ value, label: value.toFixed(1) }));

/**
 * The test-split ROC curve of a task for each series (false positive rate → true positive rate), with the chance
 * diagonal. `data-chart="roc-<task>"`; a note instead when no series has a ROC curve (one class in the test rows).
 */
export function renderRocChart(task: string, series: readonly CurveSeries[]): string {
  const drawn = series.filter((s) => s.curves?.roc != null && s.curves.roc.fpr.length > 0);
  if (drawn.length === 0) return renderChartNote(`No ROC curve for ${task}: its test rows hold one class only, or no trial has test curves.`);
  return renderChart({
    name: `roc-${task}`,
    title: `ROC curve · ${task} (test)`,
    description: `True positive rate against false positive rate on the test rows of ${task} for ${drawn.map((s) => s.label).join(' and ')}; the dotted diagonal is chance.`,
    x: { label: 'false positive rate', domain: [0, 1], ticks: unitTicks },
    y: { label: 'true positive rate', domain: [0, 1], ticks: unitTicks },
    plotHeight: 260,
    width: 420,
    legend: legendOf(drawn, (s) => (s.auc == null ? '' : ` · AUC ${s.auc.toFixed(3)}`)),
    marks: (plot) => {
      const chance = `<path class="reference" d="${buildLinePath([[plot.x(0), plot.y(0)], [plot.x(1), plot.y(1)]])}"/>`;
      const lines = drawn.map((s) => {
        const roc = s.curves?.roc as { fpr: number[]; tpr: number[] };
        const points: PixelPoint[] = roc.fpr.map((fpr, i) => [plot.x(fpr), plot.y(roc.tpr[i] ?? 0)]);
        return seriesPath(s, buildLinePath(points));
      });
      return chance + lines.join('');
    },
  });
}

/**
 * The test-split precision–recall curve of a task for each series, with the positive rate (`prevalence`) as the
 * chance line when known. `data-chart="pr-<task>"`; a note instead when no series has a PR curve.
 */
export function renderPrChart(task: string, series: readonly CurveSeries[], prevalence: number | null): string {
  const drawn = series.filter((s) => s.curves?.pr != null && s.curves.pr.recall.length > 0);
  if (drawn.length === 0) return renderChartNote(`No precision–recall curve for ${task}: its test rows have no positive, or no trial has test curves.`);
  return renderChart({
    name: `pr-${task}`,
    title: `Precision–recall curve · ${task} (test)`,
    description: `Precision against recall on the test rows of ${task} for ${drawn.map((s) => s.label).join(' and ')}${
      prevalence === null ? '' : `; the dotted line is the positive rate ${prevalence.toFixed(3)} (chance)`
    }.`,
    x: { label: 'recall', domain: [0, 1], ticks: unitTicks },
    y: { label: 'precision', domain: [0, 1], ticks: unitTicks },
    plotHeight: 260,
    width: 420,
    legend: legendOf(drawn, (s) => (s.prAuc == null ? '' : ` · AP ${s.prAuc.toFixed(3)}`)),
    marks: (plot) => {
      const chance = prevalence === null ? '' : `<path class="reference" d="${buildLinePath([[plot.x(0), plot.y(prevalence)], [plot.x(1), plot.y(prevalence)]])}"/>`;
      const lines = drawn.map((s) => {
        const pr = s.curves?.pr as { recall: number[]; precision: number[] };
        const points: PixelPoint[] = pr.recall.map((recall, i) => [plot.x(recall), plot.y(pr.precision[i] ?? 0)]);
        return seriesPath(s, buildLinePath(points));
      });
      return chance + lines.join('');
    },
  });
}

function seriesPath(series: CurveSeries, d: string): string {
  const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
  return `<path d="${d}" fill="none" stroke="${escapeHtml(series.color)}" stroke-width="2.5"${dash}><title>${escapeHtml(series.label)}</title></path>`;
}

function legendOf(series: readonly CurveSeries[], suffix: (series: CurveSeries) => string): LegendEntry[] {
  return series.map((s) => ({ label: `${s.label}${suffix(s)}`, color: s.color, mark: s.dashed ? 'dashed' : 'line' }));
}
