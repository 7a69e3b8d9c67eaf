import { renderChart, type LegendEntry } from './chart-frame.ts';
import { computeNiceDomain } from './chart-scale.ts';
import { renderChartNote } from './chart-note.ts';
import { escapeHtml } from './html-escape.ts';
import type { RunReportData } from './run-report-data.ts';
import { buildLinePath, formatCoordinate as fc } from './svg-path.ts';
import { labelTrial } from './trial-label.ts';

/**
 * ASHA rungs: each trial's validation combined score at every rung it completed, joined by a line. A filled dot is
 * a rung the trial went on from (promoted) or finished at; a hollow ring is where ASHA pruned it. A trial with fewer
 * scores than rungs up to its `rung` (the `single` baseline, trained straight to the top) is drawn ending at that rung.
 * `data-chart="asha-rungs"`; a note for runs without rungs (random, tpe) or without rung scores.
 */
export function renderAshaRungChart(data: RunReportData, colors: ReadonlyMap<string, string>): string {
  const { rungs, strategy } = data.run;
  if (rungs.length === 0) return renderChartNote(`No ASHA rungs: this run used the ${strategy ?? 'unknown'} strategy, so every trial trained its full epochs.`);
  const winnerId = data.winner?.trialId;
  const baselineId = data.baseline?.trialId;
  const series = data.leaderboard
    .filter((row) => row.rungScores.some((score) => score !== null))
    .map((row) => ({ row, color: colors.get(row.trialId) ?? '#555', label: labelTrial(row, { winnerId, baselineId }) }));
  if (series.length === 0) return renderChartNote('No trial has completed a rung yet.');
  const scores = series.flatMap((s) => s.row.rungScores);
  const pad = rungs.length === 1 ? 0.5 : 0.25;
  const legend: LegendEntry[] = [
    { label: 'promoted / finished', color: '#444', mark: 'dot' },
    { label: 'pruned here', color: '#444', mark: 'ring' },
    ...series.map((s) => ({ label: s.label, color: s.color, mark: 'line' as const })),
  ];
  const pruned = series.filter((s) => s.row.status === 'pruned').length;
  return renderChart({
    name: 'asha-rungs',
    title: 'ASHA rungs · validation combined score at each rung',
    description: `Score of ${series.length} trials at each of ${rungs.length} rungs (${rungs.join(', ')} epochs); ${pruned} trials were pruned, shown as hollow rings where they stopped.`,
    x: { label: 'rung (epochs trained)', domain: [-pad, rungs.length - 1 + pad], ticks: rungs.map((epochs, k) => ({ value: k, label: `rung ${k} · ${epochs} ep` })) },
    y: { label: 'validation combined score', domain: computeNiceDomain(scores) },
    legend,
    marks: (plot) =>
      series
        .map(({ row, color, label }) => {
          const points = row.rungScores.slice(0, rungs.length);
          // A trial that skipped the lower rungs (the baseline trains straight to the top) records fewer scores
          // than its rung: its scores end at `row.rung`.
          const offset = Math.max(0, Math.min(row.rung, rungs.length - 1) - (points.length - 1));
          const line = buildLinePath(points.map((score, i) => (score === null ? null : [plot.x(i + offset), plot.y(score)])));
          const last = points.length - 1 + offset;
          const dots = points.map((score, i) => {
            const k = i + offset;
            if (score === null) return '';
            const prunedHere = k === last && row.status === 'pruned';
            const fill = prunedHere ? '#fff' : escapeHtml(color);
            const what = prunedHere ? 'pruned' : k < last ? 'promoted' : row.status === 'completed' ? 'finished' : row.status;
            return `<circle cx="${fc(plot.x(k))}" cy="${fc(plot.y(score))}" r="${row.trialId === winnerId ? 5.5 : 4.5}" fill="${fill}" stroke="${escapeHtml(color)}" stroke-width="2"><title>${escapeHtml(label)}: rung ${k} (${rungs[k]} epochs) score ${score.toFixed(4)}, ${what}</title></circle>`;
          });
          return `<path d="${line}" fill="none" stroke="${escapeHtml(color)}" stroke-width="${row.trialId === winnerId ? 3 : 1.6}" stroke-linecap="round"><title>${escapeHtml(label)}</title></path>${dots.join('')}`;
        })
        .join(''),
  });
}
