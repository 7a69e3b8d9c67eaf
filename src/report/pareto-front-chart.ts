import { computeParetoFront, type ParetoPoint } from '../search/pareto-front.ts';
import { renderChart } from './chart-frame.ts';
import { computeNiceDomain } from './chart-scale.ts';
import { renderChartNote } from './chart-note.ts';
import { formatMetric } from './format-number.ts';
import { escapeHtml } from './html-escape.ts';
import type { RunReportData } from './run-report-data.ts';
import { buildStepPath, formatCoordinate as fc } from './svg-path.ts';

/** Per-task validation AUCs of every trial that has metrics (with `completedOnly`, of the completed ones). */
function validationAucPoints(data: RunReportData, { completedOnly = false }: { completedOnly?: boolean } = {}): ParetoPoint[] {
  return data.leaderboard.flatMap((row) => {
    if (row.metrics === null || row.metrics === undefined || (completedOnly && row.status !== 'completed')) return [];
    const aucs: Record<string, number> = {};
    for (const [task, metrics] of Object.entries(row.metrics.validation.tasks)) if (metrics.auc !== null) aucs[task] = metrics.auc;
    return [{ trialId: row.trialId, aucs }];
  });
}

/**
 * The run's recorded front, or (for runs that did not record one) the front of the completed trials computed from the
 * leaderboard, as the search computes it.
 */
export function resolveParetoFront(data: RunReportData): ParetoPoint[] {
  if (data.run.paretoFront.length > 0) return [...data.run.paretoFront];
  const tasks = data.tasks.filter((task) => !task.auxiliary).map((task) => task.name);
  return tasks.length === 0 ? [] : computeParetoFront(validationAucPoints(data, { completedOnly: true }), tasks);
}

/**
 * The Pareto front over per-task validation AUC: a scatter of every trial on the first two selection tasks, trials
 * on the front (over all tasks) drawn large and labelled, trials that did not complete (pruned: not eligible) as
 * rings, the front of the completed trials on the two plotted tasks as a staircase; then a
 * table listing the front with every task's AUC. `data-chart="pareto-front"`; with one task, only the list.
 */
export function renderParetoSection(data: RunReportData, colors: ReadonlyMap<string, string>): string {
  const tasks = data.tasks.filter((task) => !task.auxiliary).map((task) => task.name);
  const front = resolveParetoFront(data);
  const onFront = new Set(front.map((point) => point.trialId));
  const points = validationAucPoints(data);
  const [taskX, taskY] = tasks;
  let chart: string;
  if (taskX === undefined || taskY === undefined) {
    chart = renderChartNote(`A Pareto front needs two selection tasks; this run has ${tasks.length}, so the front is simply the best trial on it.`);
  } else {
    const plotted = points.filter((p) => Number.isFinite(p.aucs[taskX]) && Number.isFinite(p.aucs[taskY]));
    if (plotted.length === 0) chart = renderChartNote(`No trial has validation AUCs for both ${taskX} and ${taskY}.`);
    else {
      // The staircase is drawn over the trials the front is taken from (completed ones), not over pruned ones.
      const completed = new Set(validationAucPoints(data, { completedOnly: true }).map((p) => p.trialId));
      const candidates = plotted.filter((p) => completed.has(p.trialId));
      const twoTaskFront = computeParetoFront(candidates.length > 0 ? candidates : plotted, [taskX, taskY]).sort((a, b) => (a.aucs[taskX] as number) - (b.aucs[taskX] as number));
      chart = renderChart({
        name: 'pareto-front',
        title: `Pareto front · validation AUC of ${taskX} vs ${taskY}`,
        description: `Validation AUC of ${taskX} against ${taskY} for ${plotted.length} trials; large labelled dots are on the Pareto front over all ${tasks.length} tasks, the staircase is the front of these two tasks.`,
        x: { label: `validation AUC · ${taskX}`, domain: computeNiceDomain(plotted.map((p) => p.aucs[taskX])) },
        y: { label: `validation AUC · ${taskY}`, domain: computeNiceDomain(plotted.map((p) => p.aucs[taskY])) },
        legend: [
          { label: `on the front (all ${tasks.length} tasks)`, color: '#444', mark: 'dot' },
          { label: 'dominated', color: '#aaa', mark: 'dot' },
          { label: 'not completed (pruned, running)', color: '#aaa', mark: 'ring' },
          { label: `front of ${taskX} × ${taskY}`, color: '#444', mark: 'dashed' },
        ],
        marks: (plot) => {
          const staircase = buildStepPath(twoTaskFront.map((p) => [plot.x(p.aucs[taskX] as number), plot.y(p.aucs[taskY] as number)]));
          const dots = [...plotted]
            .sort((a, b) => Number(onFront.has(a.trialId)) - Number(onFront.has(b.trialId)))
            .map((p) => {
              const cx = fc(plot.x(p.aucs[taskX] as number));
              const cy = fc(plot.y(p.aucs[taskY] as number));
              const front = onFront.has(p.trialId);
              const color = front ? (colors.get(p.trialId) ?? '#444') : '#aaa';
              const label = front ? `<text class="point-label" x="${cx}" y="${cy}" dx="8" dy="-6">${escapeHtml(p.trialId)}</text>` : '';
              const auc = tasks.map((task) => `${task} ${formatMetric(p.aucs[task], 3)}`).join(', ');
              const what = front ? ' (on the front)' : completed.has(p.trialId) ? ' (dominated)' : ' (not completed)';
              const paint = front || completed.has(p.trialId) ? `fill="${escapeHtml(color)}" stroke="#fff"` : `fill="#fff" stroke="${color}" stroke-width="1.5"`;
              return `<circle cx="${cx}" cy="${cy}" r="${front ? 6.5 : 4}" ${paint}><title>${escapeHtml(p.trialId)}${what}: ${escapeHtml(auc)}</title></circle>${label}`;
            })
            .join('');
          return `<path d="${staircase}" fill="none" stroke="#444" stroke-width="1.5" stroke-dasharray="5 3"/>${dots}`;
        },
      });
    }
  }
  const list =
    front.length === 0
      ? renderChartNote('The front is empty: no trial has a validation AUC on every selection task.')
      : `<table class="front"><thead><tr><th>trial</th>${tasks.map((task) => `<th class="num">AUC ${escapeHtml(task)}</th>`).join('')}</tr></thead><tbody>${front
          .map((p) => `<tr><td>${escapeHtml(p.trialId)}${p.trialId === data.winner?.trialId ? ' ★' : ''}</td>${tasks.map((task) => `<td class="num">${formatMetric(p.aucs[task])}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`;
  return `${chart}<h3>Trials on the front</h3>${list}`;
}
