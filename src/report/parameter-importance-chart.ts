import { renderChart } from './chart-frame.ts';
import { renderChartNote } from './chart-note.ts';
import { formatSigned } from './format-number.ts';
import { escapeHtml } from './html-escape.ts';
import type { ParameterImportance } from './parameter-importance.ts';
import { formatCoordinate as fc } from './svg-path.ts';

const kindColor = { numeric: '#4e79a7', categorical: '#f28e2b' } as const;

/**
 * Parameter importance as horizontal bars, most important on top: |Spearman ρ| of each parameter with the
 * validation score, coloured by kind (numeric / categorical). `data-chart="parameter-importance"`; parameters
 * without a measure are listed under the chart; a note when none has one.
 */
export function renderParameterImportanceChart(importances: readonly ParameterImportance[]): string {
  const measured = importances.filter((entry) => entry.importance !== null);
  const unmeasured = importances.filter((entry) => entry.importance === null);
  const skipped =
    unmeasured.length === 0
      ? ''
      : renderChartNote(`Not measured (fewer than 3 scored trials, or the parameter or the score did not vary): ${unmeasured.map((entry) => entry.param).join(', ')}.`);
  if (measured.length === 0) return renderChartNote('No parameter importance: too few scored trials with varied parameters.') + skipped;
  const longest = Math.max(...measured.map((entry) => entry.param.length));
  const count = measured.length;
  return (
    renderChart({
      name: 'parameter-importance',
      title: 'Parameter importance · |Spearman ρ| with validation score',
      description: `Absolute Spearman rank correlation between each of ${count} searched parameters and the validation combined score, largest first.`,
      x: { label: '|Spearman ρ| with validation combined score', domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1].map((value) => ({ value, label: String(value) })) },
      y: { label: 'searched parameter', domain: [-0.5, count - 0.5], ticks: measured.map((entry, i) => ({ value: count - 1 - i, label: entry.param })) },
      marginLeft: Math.min(220, 20 + longest * 6.8),
      plotHeight: Math.max(80, count * 26),
      legend: [
        { label: 'numeric (value vs score)', color: kindColor.numeric, mark: 'bar' },
        { label: 'categorical (mean-score rank vs score)', color: kindColor.categorical, mark: 'bar' },
      ],
      marks: (plot) =>
        measured
          .map((entry, i) => {
            const center = plot.y(count - 1 - i);
            const barHeight = Math.abs(plot.y(0) - plot.y(1)) * 0.62;
            const width = Math.max(plot.x(entry.importance as number) - plot.x(0), 1);
            return `<rect x="${fc(plot.x(0))}" y="${fc(center - barHeight / 2)}" width="${fc(width)}" height="${fc(barHeight)}" fill="${kindColor[entry.kind]}"><title>${escapeHtml(entry.param)}: ρ ${formatSigned(entry.correlation, 3)} over ${entry.trials} trials (${entry.kind})</title></rect>`;
          })
          .join(''),
    }) + skipped
  );
}
