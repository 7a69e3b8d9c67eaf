import { renderChartNote } from './chart-note.ts';
import { formatSigned } from './format-number.ts';
import { escapeHtml } from './html-escape.ts';

/**
 * The training labels' Pearson correlation per task pair `"a|b"` (rows labelled for both tasks), strongest first:
 * related labels are where sharing parameters is most likely to help. `data-table="label-correlation"`; a note when
 * there is no pair.
 */
export function renderLabelCorrelationTable(correlation: Readonly<Record<string, number>>): string {
  const pairs = Object.entries(correlation)
    .filter(([, r]) => Number.isFinite(r))
    .sort(([, a], [, b]) => Math.abs(b) - Math.abs(a));
  if (pairs.length === 0) return renderChartNote('No label correlation: no pair of tasks has rows labelled for both with varying labels (or the trial predates it).');
  const rows = pairs.map(([pair, r]) => {
    const [a = pair, b = ''] = pair.split('|');
    return `<tr data-pair="${escapeHtml(pair)}"><td>${escapeHtml(a)}</td><td>${escapeHtml(b)}</td><td class="num">${formatSigned(r, 3)}</td></tr>`;
  });
  return `<table data-table="label-correlation"><thead><tr><th>task</th><th>task</th><th class="num">label correlation r</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
