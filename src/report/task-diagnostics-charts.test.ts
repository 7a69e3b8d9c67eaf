import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelSchema } from '../config/schema.ts';
import type { LeaderboardRow, RunRecord } from '../search/run-record.ts';
import type { TrialMetricsFile } from '../search/trial-metrics-file.ts';
import { renderEffectiveWeightChart } from './effective-weight-chart.ts';
import { renderGradientCosineChart } from './gradient-cosine-chart.ts';
import { renderLabelCorrelationTable } from './label-correlation-table.ts';
import type { RunReportData } from './run-report-data.ts';
import { renderTaskDiagnosticsSection } from './task-diagnostics-section.ts';

const lines = (svg: string): number => (svg.match(/<path d="M/g) ?? []).length;

const weights = [
  { epoch: 1, weights: { churn: 1, spend: 1 } },
  { epoch: 2, weights: { churn: 1.3, spend: 0.7 } },
  { epoch: 3, weights: { churn: 1.6, spend: 0.4 } },
];
const cosines = [
  { epoch: 1, pairs: { 'churn|spend': 0.4, 'churn|xsell': 0.1, 'spend|xsell': -0.2 } },
  { epoch: 2, pairs: { 'churn|spend': 0.2, 'churn|xsell': -0.1, 'spend|xsell': -0.3 } },
];

describe('task diagnostics charts', () => {
  it('draws one effective-weight line per task with a dot per epoch', () => {
    const svg = renderEffectiveWeightChart(weights, 't004 (winner)');
    assert.match(svg, /^<svg class="chart" data-chart="effective-weights"/);
    assert.equal(lines(svg), 2);
    assert.equal((svg.match(/<circle [^>]*r="2.5"/g) ?? []).length, 6);
    assert.match(svg, /churn: epoch 3, λ 1\.600/);
    assert.match(svg, />spend</, 'the legend names the task');
    assert.match(svg, /Effective task weights · t004 \(winner\)/);
  });

  it('draws one gradient-cosine line per task pair and a zero line', () => {
    const svg = renderGradientCosineChart(cosines, { trialLabel: 't004', arch: 'shared-bottom' });
    assert.match(svg, /^<svg class="chart" data-chart="gradient-cosine"/);
    assert.equal((svg.match(/<path d="M[^"]*" fill="none" stroke="#/g) ?? []).length, 3, 'one line per pair');
    assert.match(svg, /<path class="reference zero-line" d="M[^"]+"><title>zero: orthogonal gradients<\/title>/);
    assert.match(svg, /spend · xsell: epoch 2, cosine -0\.300/);
  });

  it('says why instead of drawing when there is no data', () => {
    assert.match(renderEffectiveWeightChart([], 't001'), /^<p class="note">No effective task weights: t001/);
    assert.match(renderGradientCosineChart([], { trialLabel: 't000', arch: 'single' }), /^<p class="note">No gradient cosines for t000: the single architecture shares no parameters/);
    assert.match(renderGradientCosineChart([{ epoch: 1, pairs: {} }], { trialLabel: 't002', arch: 'mmoe' }), /^<p class="note">No gradient cosines for t002/);
    assert.match(renderLabelCorrelationTable({}), /^<p class="note">No label correlation/);
  });

  it('lists label correlations per pair, strongest first', () => {
    const html = renderLabelCorrelationTable({ 'churn|spend': 0.12, 'churn|xsell': -0.5 });
    assert.match(html, /data-table="label-correlation"/);
    assert.deepEqual([...html.matchAll(/data-pair="([^"]+)"/g)].map((m) => m[1]), ['churn|xsell', 'churn|spend']);
    assert.match(html, /<td>churn<\/td><td>xsell<\/td><td class="num">−0\.500<\/td>/);
  });
});

describe('task diagnostics section', () => {
  const row = (extra: Partial<LeaderboardRow>): LeaderboardRow => ({
    trialId: 't004',
    config: { ...modelSchema.parse({}), arch: 'shared-bottom' },
    sample: {},
    metrics: null,
    status: 'completed',
    epochs: 3,
    rung: 0,
    rungScores: [],
    modelId: 'm',
    attempts: 1,
    baseline: false,
    ...extra,
  });
  const dataOf = (winner: LeaderboardRow | undefined, files: [string, Partial<TrialMetricsFile>][] = []): RunReportData => ({
    run: { runId: 'r', rungs: [], paretoFront: [], bestTrialId: winner?.trialId ?? null } as unknown as RunRecord,
    leaderboard: winner === undefined ? [] : [winner],
    trialMetrics: new Map(files as [string, TrialMetricsFile][]),
    tasks: [],
    winner,
    baseline: undefined,
    datasetRows: null,
    backends: [],
  });

  it('charts the winner from its leaderboard row, with the label correlation table', () => {
    const html = renderTaskDiagnosticsSection(dataOf(row({ taskWeightHistory: weights, diagnostics: { gradientCosine: cosines, labelCorrelation: { 'churn|spend': 0.2 } } })));
    assert.match(html, /data-chart="effective-weights"/);
    assert.match(html, /data-chart="gradient-cosine"/);
    assert.match(html, /data-pair="churn\|spend"/);
  });

  it('falls back to the history of an older metrics.json, and notes what is missing', () => {
    const history = [{ epoch: 1, trainLoss: 1, validationScore: 0.5, seconds: 0, taskWeights: { churn: 1, spend: 1 } }];
    const html = renderTaskDiagnosticsSection(dataOf(row({ config: { ...modelSchema.parse({}), arch: 'single' } }), [['t004', { history }]]));
    assert.match(html, /data-chart="effective-weights"/);
    assert.match(html, /the single architecture shares no parameters/);
    assert.match(html, /No label correlation/);
    assert.match(renderTaskDiagnosticsSection(dataOf(row({}))), /has no training history with task diagnostics/);
    assert.match(renderTaskDiagnosticsSection(dataOf(undefined)), /No winner has been selected yet/);
  });
});
