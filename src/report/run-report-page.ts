import type { BlobStore } from '../store/blob-store.ts';
import { renderAshaRungChart } from './asha-rung-chart.ts';
import { renderChartNote } from './chart-note.ts';
import { renderPrChart, renderRocChart, type CurveSeries } from './curve-charts.ts';
import { formatMetric, formatSignedPercent } from './format-number.ts';
import { escapeHtml } from './html-escape.ts';
import { renderLeaderboardTable, validationScoreOf } from './leaderboard-table.ts';
import { renderLearningCurveChart } from './learning-curve-chart.ts';
import { computeParameterImportance } from './parameter-importance.ts';
import { renderParameterImportanceChart } from './parameter-importance-chart.ts';
import { renderParetoSection } from './pareto-front-chart.ts';
import { loadRunReportData, type RunReportData } from './run-report-data.ts';
import { renderScoreStabilityTable } from './score-stability-table.ts';
import { assignTrialColors } from './series-palette.ts';
import { renderTaskComparisonTable } from './task-comparison-table.ts';
import { renderTaskDiagnosticsSection } from './task-diagnostics-section.ts';
import { renderTaskWeightCharts } from './task-weight-chart.ts';
import { labelTrial } from './trial-label.ts';

/** Options of {@link renderRunReport} and {@link renderRunReportPage}. */
export interface RenderRunReportOptions {
  /** The time printed as "generated". @default new Date() */
  readonly now?: () => Date;
}

/** The ids of the page's sections, in order (anchors of its table of contents). */
export const reportSectionIds = ['summary', 'leaderboard', 'winner-vs-single', 'curves', 'learning-curves', 'asha', 'task-weights', 'task-diagnostics', 'pareto', 'importance'] as const;

/**
 * The run report of SPEC §1 `tandem report` as one self-contained HTML page: no script, no external style, font or
 * image, and a Content-Security-Policy that forbids fetching anything, so it opens offline from a file or a bucket.
 *
 * @throws NotFoundError when the store has no run `runId`; BadInputError for a bad id or unreadable run files.
 */
export async function renderRunReport(store: BlobStore, runId: string, options: RenderRunReportOptions = {}): Promise<string> {
  return renderRunReportPage(await loadRunReportData(store, runId), options);
}

/** The report page for data already read (see {@link loadRunReportData}). */
export function renderRunReportPage(data: RunReportData, { now = () => new Date() }: RenderRunReportOptions = {}): string {
  const colors = assignTrialColors(data.leaderboard.map((row) => row.trialId));
  const { run } = data;
  const titles: Record<(typeof reportSectionIds)[number], string> = {
    summary: 'Summary',
    leaderboard: 'Leaderboard',
    'winner-vs-single': 'Winner vs single',
    curves: 'ROC and PR curves',
    'learning-curves': 'Learning curves',
    asha: 'ASHA rungs',
    'task-weights': 'Task weights',
    'task-diagnostics': 'Task diagnostics',
    pareto: 'Pareto front',
    importance: 'Parameter importance',
  };
  const sections: Record<(typeof reportSectionIds)[number], string> = {
    summary: renderSummary(data, now()),
    leaderboard: renderLeaderboardTable(data.leaderboard, { winnerId: data.winner?.trialId, baselineId: data.baseline?.trialId }),
    'winner-vs-single': renderWinnerVsSingle(data),
    curves: renderCurves(data, colors),
    'learning-curves': renderLearningCurveChart(data, colors),
    asha: renderAshaRungChart(data, colors),
    'task-weights': `<p class="explain">For each task, its loss weight λ in the trial's fixed weighting against the trial's validation combined score.</p><div class="charts">${renderTaskWeightCharts(data, colors)}</div>`,
    'task-diagnostics': renderTaskDiagnosticsSection(data),
    pareto: `<p class="explain">A trial is on the front when no other trial has a validation AUC at least as high on every selection task and higher on one.</p>${renderParetoSection(data, colors)}`,
    importance: renderImportance(data),
  };
  const body = reportSectionIds
    .map((id) => `<section id="${id}"><h2>${escapeHtml(titles[id])}</h2>${sections[id]}</section>`)
    .join('\n');
  const nav = reportSectionIds.map((id) => `<a href="#${id}">${escapeHtml(titles[id])}</a>`).join(' · ');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // Nothing may be fetched: the report must read the same offline, from a file or a bucket.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Tandem run report · ${escapeHtml(run.runId)}</title>`,
    `<style>${PAGE_STYLE}</style></head><body>`,
    `<header><h1>Tandem run report <code>${escapeHtml(run.runId)}</code></h1><nav>${nav}</nav></header>`,
    `<main>${body}</main>`,
    '</body></html>',
    '',
  ].join('\n');
}

function renderSummary(data: RunReportData, generatedAt: Date): string {
  const { run, leaderboard, winner, baseline } = data;
  const counts = ['completed', 'pruned', 'failed', 'interrupted', 'running', 'queued']
    .map((status) => [status, leaderboard.filter((row) => row.status === status).length] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const rows = data.datasetRows;
  const items: [string, string][] = [
    ['run', `${escapeHtml(run.runId)} <span class="muted">(${escapeHtml(run.name ?? '')}, ${escapeHtml(run.status ?? 'unknown')})</span>`],
    ['dataset', `${escapeHtml(run.datasetId ?? 'unknown')}${rows === null ? '' : ` <span class="muted">(${rows.train} train / ${rows.validation} validation / ${rows.test} test rows)</span>`}`],
    ['tasks', escapeHtml(data.tasks.map((task) => `${task.name} (${task.type}${task.auxiliary ? ', auxiliary' : ''})`).join(', ') || 'unknown')],
    ['strategy', `${escapeHtml(run.strategy ?? 'unknown')}${run.rungs.length > 0 ? ` <span class="muted">(rungs at ${run.rungs.join(', ')} epochs)</span>` : ''}; seed ${escapeHtml(String(run.seed ?? 'n/a'))}, ${escapeHtml(String(run.parallel ?? 'n/a'))} in parallel`],
    [
      'trials',
      `${leaderboard.length}${run.trials === undefined ? '' : ` <span class="muted">(planned: ${escapeHtml(String(run.trials))} sampled${baseline === undefined ? '' : ' + the single baseline'}${leaderboard.some((row) => row.defaultRecipe === true) ? ' + the default recipe' : ''}${leaderboard.some((row) => row.linear === true) ? ' + the linear model' : ''})</span>`}${counts === '' ? '' : `: ${counts}`}`,
    ],
    [
      'best trial',
      winner === undefined
        ? 'none selected'
        : `${escapeHtml(winner.trialId)} · ${escapeHtml(winner.config?.arch ?? '')} · validation combined ${formatMetric(validationScoreOf(winner))}, test combined ${formatMetric(winner.metrics?.test.combinedScore)}, Δm vs single ${formatSignedPercent(winner.metrics?.test.deltaM)}${winner.modelId ? ` <span class="muted">(model ${escapeHtml(winner.modelId)})</span>` : ''}`,
    ],
    ['single baseline', baseline === undefined ? 'none in this run (Δm cannot be computed)' : escapeHtml(baseline.trialId)],
    ...(run.ensemble === undefined
      ? []
      : ([
          [
            'ensemble',
            `average of ${escapeHtml(run.ensemble.members.map((member) => member.id).join(', '))}${run.ensemble.folds === undefined ? '' : ` (${String(run.ensemble.folds)} fold copies each, weighed out of fold)`}: validation combined ${formatMetric(run.ensemble.validationCombinedScore)} vs best member ${formatMetric(run.ensemble.bestMemberValidationCombinedScore)}, ${run.ensemble.kept ? 'selected' : 'not kept'}`,
          ],
        ] as [string, string][])),
    ['total epochs', escapeHtml(String(run.totalEpochs ?? leaderboard.reduce((sum, row) => sum + (row.epochs ?? 0), 0)))],
    ['backend', escapeHtml(data.backends.join(', ') || 'unknown')],
    ['created', `${escapeHtml(run.createdAt ?? 'unknown')}; updated ${escapeHtml(run.updatedAt ?? 'unknown')}; report generated ${escapeHtml(generatedAt.toISOString())}`],
  ];
  return `<dl class="summary">${items.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${value}</dd>`).join('')}</dl>`;
}

function renderWinnerVsSingle(data: RunReportData): string {
  const { winner, baseline } = data;
  if (winner === undefined) return renderChartNote('No winner has been selected yet, so there is nothing to compare.');
  const metricsOf = (trialId: string, rowMetrics: typeof winner.metrics) => rowMetrics?.test ?? data.trialMetrics.get(trialId)?.metrics.test;
  const note =
    baseline === undefined
      ? renderChartNote('This run has no single baseline: only the winner is shown.')
      : baseline.trialId === winner.trialId
        ? renderChartNote('The single baseline itself won: the differences are zero.')
        : '';
  const table = renderTaskComparisonTable(
    data.tasks,
    { label: `${winner.trialId} (winner)`, metrics: metricsOf(winner.trialId, winner.metrics) },
    baseline === undefined ? undefined : { label: `${baseline.trialId} (single)`, metrics: metricsOf(baseline.trialId, baseline.metrics) },
  );
  return `<p class="explain">Metrics on the test split (thresholds chosen on validation). For auc, pr-auc and f1 higher is better, for rmse lower; Δm is the mean relative improvement over the single baseline.</p>${note}${table}<h3>Score stability</h3>${renderScoreStabilityTable(data.winnerStability)}`;
}

function renderCurves(data: RunReportData, colors: ReadonlyMap<string, string>): string {
  const { winner, baseline } = data;
  if (winner === undefined) return renderChartNote('No winner has been selected yet, so there are no curves to show.');
  const winnerId = winner.trialId;
  const baselineId = baseline?.trialId;
  const models = [winner, ...(baseline === undefined || baseline.trialId === winnerId ? [] : [baseline])];
  if (!data.trialMetrics.has(winnerId)) return renderChartNote(`The winner ${winnerId} has no metrics.json with test curves.`);
  return data.tasks
    .map((task) => {
      const series: CurveSeries[] = models.map((row) => {
        const metrics = (row.metrics?.test ?? data.trialMetrics.get(row.trialId)?.metrics.test)?.tasks[task.name];
        return {
          label: labelTrial(row, { winnerId, baselineId }),
          color: row.trialId === winnerId ? (colors.get(row.trialId) ?? '#4e79a7') : '#555',
          dashed: row.trialId !== winnerId,
          curves: data.trialMetrics.get(row.trialId)?.testCurves[task.name],
          auc: metrics?.auc ?? null,
          prAuc: metrics?.type === 'binary' ? metrics.prAuc : null,
        };
      });
      const testMetrics = winner.metrics?.test.tasks[task.name];
      const prevalence = testMetrics !== undefined && testMetrics.type !== 'multiclass' && testMetrics.rows > 0 ? testMetrics.positives / testMetrics.rows : null;
      const kind =
        task.type === 'regression'
          ? ` <span class="muted">(regression: of label &gt; ${formatMetric(testMetrics?.type === 'regression' ? testMetrics.positiveAbove : null, 3)})</span>`
          : task.type === 'multiclass'
            ? ' <span class="muted">(multiclass: no single curve; its macro one-vs-rest auc is in the table above)</span>'
            : '';
      return `<h3>${escapeHtml(task.name)}${kind}</h3><div class="charts">${renderRocChart(task.name, series)}${renderPrChart(task.name, series, prevalence)}</div>`;
    })
    .join('');
}

function renderImportance(data: RunReportData): string {
  const scored = data.leaderboard.flatMap((row) => {
    const score = validationScoreOf(row);
    return score === null ? [] : [{ sample: row.sample, score }];
  });
  const explain =
    '<p class="explain">Measure: for each searched parameter, the absolute Spearman rank correlation |ρ| between its sampled value and the ' +
    'validation combined score, over the trials that have a score and in which the parameter was active (pruned trials count with the score of ' +
    'the last rung they reached). A categorical parameter is first turned into numbers by ranking its categories by their mean score. Task ' +
    'weights are split per task. 0 means no monotone relation, 1 a perfectly monotone one; with few trials it is noisy and says nothing about cause.</p>';
  return explain + renderParameterImportanceChart(computeParameterImportance(scored));
}

const PAGE_STYLE = `
:root{color-scheme:light;--fg:#1d2430;--muted:#667085;--line:#d9dee7;--accent:#4e79a7;--good:#2e7d32;--bad:#c62828}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fafbfc}
header{padding:20px 28px 8px;background:#fff;border-bottom:1px solid var(--line)}
h1{font-size:22px;margin:0 0 6px}h1 code{font-size:18px;color:var(--accent)}
h2{font-size:18px;margin:0 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
nav{font-size:13px;color:var(--muted)}nav a{color:var(--accent);text-decoration:none}
main{padding:8px 28px 40px;max-width:1400px}
section{margin:22px 0;padding:16px 18px;background:#fff;border:1px solid var(--line);border-radius:6px}
.muted{color:var(--muted)}.note{color:var(--muted);font-style:italic}.explain{color:#3d4756;max-width:900px}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0}dl.summary dt{font-weight:600}dl.summary dd{margin:0}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border-bottom:1px solid var(--line);padding:4px 9px;text-align:left;vertical-align:top}
th{background:#f3f5f8;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.params{max-width:420px;color:#3d4756}td.nowrap{white-space:nowrap}
tr.winner td{background:#f1f6ee}tr.error-row td{color:var(--bad);font-size:12px;border-top:none}
tr.summary th,tr.summary td{background:#f8f9fb}
.better{color:var(--good)}.worse{color:var(--bad)}
.tag{font-size:11px;padding:1px 6px;border-radius:9px;background:#e8eef7;white-space:nowrap}.tag.winner{background:#e3f1dc}
.status{font-size:12px;padding:1px 6px;border-radius:9px;background:#eef0f3}.status.completed{background:#e3f1dc}.status.pruned{background:#fdf1dc}.status.failed{background:#fbe3e3}.status.interrupted{background:#e6eefb}
.charts{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
svg.chart{display:block;max-width:100%;height:auto;background:#fff;margin:6px 0}
svg.chart text{font-size:11px;fill:#3d4756}svg.chart .chart-title{font-size:13px;font-weight:600;fill:var(--fg)}
svg.chart .axis-label{font-size:12px;fill:var(--fg)}svg.chart .axis line{stroke:#8a94a6}
svg.chart .grid line{stroke:#eef0f4}svg.chart .guide{stroke:#b8c0cc;stroke-dasharray:2 3}
svg.chart .reference{stroke:#9aa3b2;stroke-dasharray:2 3;fill:none}svg.chart .point-label{font-size:11px;font-weight:600}
`;
