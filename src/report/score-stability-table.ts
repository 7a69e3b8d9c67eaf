import { computePsi, psiWarningThreshold } from '../metrics/population-stability.ts';
import type { StabilityBaseline } from '../model/stability-baseline.ts';
import { renderChartNote } from './chart-note.ts';
import { formatMetric } from './format-number.ts';
import { escapeHtml } from './html-escape.ts';

/** A PSI in words: under 0.1 stable, up to 0.2 moderate, above it shifted. */
export function describePsi(psi: number): string {
  return psi < 0.1 ? 'stable' : psi <= psiWarningThreshold ? 'moderate shift' : 'shifted';
}

/**
 * A small table of the winner's population stability: per served task, the PSI of its test-split scores against
 * its training-split scores over the held-out deciles (`models/<id>/stability.json`). A note instead when the
 * winner's model has no stability file (saved before it existed, or deleted).
 */
export function renderScoreStabilityTable(stability: StabilityBaseline | undefined): string {
  if (stability === undefined) return renderChartNote("The winner's model has no stability.json (saved before score stability was recorded), so there is no PSI to show.");
  const rows = Object.entries(stability.scores).map(([task, bins]) => {
    const psi = computePsi(bins.train, bins.test);
    return `<tr><td>${escapeHtml(task)}</td><td class="num">${psi === null ? '—' : formatMetric(psi)}</td><td>${psi === null ? 'no rows' : describePsi(psi)}</td></tr>`;
  });
  return (
    `<p class="explain">Population stability index (PSI) of the winner's scores, test split against training split, over the held-out deciles: ` +
    `under 0.1 stable, above ${psiWarningThreshold} the score distribution differs (a split or overfitting problem). <code>tandem score --json</code> reports the same index for every scored batch.</p>` +
    `<table data-table="score-stability"><thead><tr><th>task</th><th class="num">PSI train → test</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}
