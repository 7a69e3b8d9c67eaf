import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildSmallRun, type SmallRun } from '../../test/helpers/build-small-run.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { SplitMetrics } from '../metrics/evaluation.ts';
import type { LeaderboardRow, RunRecord } from '../search/run-record.ts';
import { FileStore } from '../store/file-store.ts';
import { writeJson } from '../store/json-object.ts';
import { renderRunReport, reportSectionIds } from './run-report-page.ts';
import { writeRunReport } from './write-run-report.ts';

/** The `data-chart` names of a page, in order. */
const chartsOf = (html: string): string[] => [...html.matchAll(/<svg [^>]*data-chart="([^"]+)"/g)].map((m) => m[1] as string);

/** The markup of one chart. */
const chartMarkup = (html: string, name: string): string => {
  const start = html.indexOf(`data-chart="${name}"`);
  assert.ok(start >= 0, `chart ${name} missing`);
  return html.slice(start, html.indexOf('</svg>', start));
};

describe('run report page', () => {
  let dir: string;
  let store: FileStore;
  let small: SmallRun;
  let html: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-report-'));
    store = new FileStore(dir);
    small = await buildSmallRun(store);
    html = await renderRunReport(store, small.runId, { now: () => new Date('2026-11-28T13:00:00Z') });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is one self-contained page: no script, no external reference, nothing fetchable', () => {
    assert.match(html, /^<!doctype html>/);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /https?:\/\//i);
    assert.doesNotMatch(html, /<link|<img|<iframe|@import|url\(/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  });

  it('has every section, and a summary naming the run, dataset, strategy, best trial, epochs and backend', () => {
    for (const id of reportSectionIds) assert.match(html, new RegExp(`<section id="${id}">`));
    const summary = html.slice(html.indexOf('<section id="summary">'), html.indexOf('<section id="leaderboard">'));
    for (const text of [small.runId, small.run.datasetId, 'asha', 'rungs at 2, 4, 6 epochs', `${small.run.bestTrialId} · shared-bottom`, '>24<', 'wasm', 'planned: 5 sampled + the single baseline', '3 completed, 2 pruned, 1 failed']) {
      assert.ok(summary.includes(text) || (text === 'wasm' && /cpu|tensorflow/.test(summary)), `summary lacks ${text}`);
    }
  });

  it('lists every trial in the leaderboard, the winner first and the failed one with its error', () => {
    const rows = [...html.matchAll(/<tr data-trial="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual([...rows].sort(), small.leaderboard.map((row) => row.trialId).sort());
    assert.equal(rows[0], small.run.bestTrialId);
    assert.equal(rows.at(-1), 't005');
    assert.match(html, /error: worker exited with signal SIGKILL/);
    assert.match(html, /single baseline/);
  });

  it('compares the winner with the single baseline per task on auc, pr-auc, f1 and rmse', () => {
    const section = html.slice(html.indexOf('<section id="winner-vs-single">'), html.indexOf('<section id="curves">'));
    assert.match(section, new RegExp(`${small.run.bestTrialId as string} \\(winner\\)`));
    assert.match(section, /t000 \(single\)/);
    for (const task of ['churn', 'security_xsell', 'spend']) assert.match(section, new RegExp(`>${task}<`));
    for (const metric of ['auc', 'pr-auc', 'f1', 'rmse']) assert.match(section, new RegExp(`<td>${metric}</td>`));
    const winner = small.leaderboard.find((row) => row.trialId === small.run.bestTrialId) as LeaderboardRow;
    const base = small.leaderboard.find((row) => row.baseline) as LeaderboardRow;
    const diff = (winner.metrics?.test.tasks.spend?.auc as number) - (base.metrics?.test.tasks.spend?.auc as number);
    assert.match(section, new RegExp(`${diff > 0 ? '\\+' : '−'}${Math.abs(diff).toFixed(4)}`), 'the spend auc difference');
    assert.match(section, /Δm vs single/);
    // The winner's model carries stability.json: one training-vs-test score PSI per task.
    const stability = section.slice(section.indexOf('data-table="score-stability"'));
    for (const task of ['churn', 'security_xsell', 'spend']) assert.match(stability, new RegExp(`<tr><td>${task}</td><td class="num">\\d+\\.\\d{4}</td>`));
  });

  it('draws every chart: curves per task, learning curves, rungs, task weights, Pareto front, importance', () => {
    const charts = chartsOf(html);
    assert.equal(new Set(charts).size, charts.length, 'chart names are unique');
    const expected = ['learning-curves', 'asha-rungs', 'effective-weights', 'gradient-cosine', 'pareto-front', 'parameter-importance'];
    for (const task of ['churn', 'security_xsell', 'spend']) expected.push(`roc-${task}`, `pr-${task}`, `task-weight-${task}`);
    assert.deepEqual([...charts].sort(), expected.sort());
    for (const name of charts) {
      const svg = chartMarkup(html, name);
      assert.match(svg, /aria-label="[^"]+"/);
      assert.match(svg, /<title>[^<]+<\/title>/);
      assert.match(svg, /<g class="axis x-axis">.*<text[^>]*>[^<]+<\/text>/);
      assert.match(svg, /<g class="marks">.*(<path d="M|<circle|<rect)/);
    }
  });

  it('draws the data it is given: one learning curve per trained trial, pruned trials as rings, a dot per fixed-weight trial', () => {
    const learning = chartMarkup(html, 'learning-curves');
    assert.equal((learning.match(/<path d="M/g) ?? []).length, 5, 'five trials trained');
    assert.match(learning, /stroke-dasharray="6 4"><title>t000 \(single baseline\)/);
    const asha = chartMarkup(html, 'asha-rungs');
    assert.equal((asha.match(/fill="#fff"/g) ?? []).length, 2 + 1, 'two pruned rings plus the legend ring');
    assert.match(asha, /t002: rung 1 \(4 epochs\) score [\d.]+, pruned/);
    assert.match(asha, /t000 \(single baseline\): rung 2 \(6 epochs\)/);
    const weights = chartMarkup(html, 'task-weight-churn');
    assert.equal((weights.match(/<circle [^>]*r="5"/g) ?? []).length, 5);
    assert.match(weights, /t001( \(winner\))?: λ 1\.500/);
    const pareto = html.slice(html.indexOf('<section id="pareto">'), html.indexOf('<section id="importance">'));
    for (const point of small.run.paretoFront) assert.match(pareto, new RegExp(`<tr><td>${point.trialId}`));
    assert.match(html, /absolute Spearman rank correlation/);
    assert.match(chartMarkup(html, 'parameter-importance'), />learningRate</);
    assert.equal((chartMarkup(html, 'effective-weights').match(/<path d="M/g) ?? []).length, 3, 'the winner: one weight line per task');
    assert.match(html, /<table data-table="label-correlation">.*data-pair="churn\|security_xsell"/);
  });

  it('writes runs/<runId>/report.html and returns where', async () => {
    const written = await writeRunReport(store, small.runId);
    assert.equal(written.key, `runs/${small.runId}/report.html`);
    assert.equal(written.uri, path.join(dir, 'runs', small.runId, 'report.html'));
    assert.equal(await readFile(written.uri, 'utf8'), written.html);
  });

  it('refuses a missing run and a bad run id', async () => {
    await assert.rejects(renderRunReport(store, 'no-such-run'), (error: unknown) => error instanceof NotFoundError && /no-such-run/.test(error.message));
    await assert.rejects(renderRunReport(store, '../etc'), BadInputError);
  });

  it('degrades gracefully: no baseline, one task, no ASHA, no trial files, null metrics', async () => {
    const oneTask = (split: SplitMetrics): SplitMetrics => ({ tasks: { churn: split.tasks.churn! }, combinedScore: split.combinedScore, deltaM: null });
    const rows = small.leaderboard.map((row, i) => ({
      ...row,
      baseline: false,
      rungScores: [],
      rung: 0,
      status: i === 2 ? ('failed' as const) : row.status,
      metrics: row.metrics === null || i === 2 ? null : { validation: oneTask(row.metrics.validation), test: oneTask(row.metrics.test) },
    }));
    const run: RunRecord = { ...small.run, runId: 'plain', datasetId: 'gone', strategy: 'random', rungs: [], baselineTrialId: null, paretoFront: [] };
    await writeJson(store, 'runs/plain/run.json', run);
    await writeJson(store, 'runs/plain/leaderboard.json', rows);
    const page = await renderRunReport(store, 'plain');
    for (const note of ['no single baseline', 'No ASHA rungs: this run used the random strategy', 'needs two selection tasks', 'has no metrics.json', 'No learning curves', 'has no training history with task diagnostics']) {
      assert.ok(page.includes(note), `missing note: ${note}`);
    }
    assert.deepEqual(chartsOf(page).sort(), ['parameter-importance', 'task-weight-churn']);
    assert.equal((page.match(/<tr data-trial="/g) ?? []).length, rows.length);

    await writeJson(store, 'runs/bare/run.json', { runId: 'bare', strategy: 'tpe', bestTrialId: null });
    const bare = await renderRunReport(store, 'bare');
    assert.match(bare, /The leaderboard is empty/);
    assert.match(bare, /No winner has been selected yet/);
    assert.deepEqual(chartsOf(bare), []);
  });
});
