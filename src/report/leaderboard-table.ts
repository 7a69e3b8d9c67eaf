import type { ModelConfig } from '../config/schema.ts';
import type { LeaderboardRow } from '../search/run-record.ts';
import { formatMetric, formatParamValue, formatSignedPercent } from './format-number.ts';
import { escapeHtml } from './html-escape.ts';

/** A row's validation combined score, or null. */
export function validationScoreOf(row: LeaderboardRow): number | null {
  return row.metrics?.validation.combinedScore ?? null;
}

/**
 * Leaderboard rows best first: the winner, then by validation combined score (higher first, missing scores after),
 * failed trials last; ties keep the file's order.
 */
export function orderLeaderboard(rows: readonly LeaderboardRow[], winnerId: string | undefined): LeaderboardRow[] {
  const key = (row: LeaderboardRow): [number, number] => [
    row.trialId === winnerId ? 0 : row.status === 'failed' ? 2 : 1,
    -(validationScoreOf(row) ?? -Infinity),
  ];
  return rows
    .map((row, index) => ({ row, index, key: key(row) }))
    .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.index - b.index)
    .map((entry) => entry.row);
}

/** The hyperparameters worth a glance, in one line: task weights (fixed weighting), widths, dropout, lr, l2, batch. */
export function summarizeParams(config: Partial<ModelConfig> | undefined): string {
  if (config === undefined || config === null) return '';
  const parts: string[] = [];
  const weights = Object.entries(config.taskWeights ?? {});
  if (config.weighting === 'fixed' && weights.length > 0) parts.push(`λ ${weights.map(([task, w]) => `${task} ${w.toFixed(2)}`).join(' · ')}`);
  if (config.sharedUnits !== undefined) parts.push(`${config.arch === 'single' ? 'per-task' : 'shared'} ${config.sharedUnits.join('×')}`);
  if (config.towerUnits !== undefined) parts.push(`tower ${config.towerUnits.length === 0 ? 'none' : config.towerUnits.join('×')}`);
  for (const key of ['dropout', 'learningRate', 'l2', 'batchSize'] as const) {
    const value = config[key];
    if (value !== undefined) parts.push(`${key === 'learningRate' ? 'lr' : key === 'batchSize' ? 'batch' : key} ${formatParamValue(value)}`);
  }
  return parts.join('; ');
}

const COLUMNS = ['#', 'trial', 'status', 'arch', 'weighting', 'key parameters', 'validation combined', 'test combined', 'Δm vs single (test)', 'epochs', 'rung'];

/**
 * The leaderboard as an HTML table, best first (see {@link orderLeaderboard}); the winner starred, the baseline and
 * the default recipe tagged, a failed trial followed by a row with its error. Each trial row carries `data-trial`.
 */
export function renderLeaderboardTable(rows: readonly LeaderboardRow[], { winnerId, baselineId }: { winnerId?: string | undefined; baselineId?: string | undefined }): string {
  if (rows.length === 0) return '<p class="note">The leaderboard is empty: no trial has been recorded yet.</p>';
  const body = orderLeaderboard(rows, winnerId)
    .map((row, i) => {
      const tags = [
        row.trialId === winnerId ? '<span class="tag winner">★ winner</span>' : '',
        row.trialId === baselineId ? '<span class="tag baseline">single baseline</span>' : '',
        row.defaultRecipe === true ? '<span class="tag baseline">default recipe</span>' : '',
        row.linear === true ? '<span class="tag baseline">linear</span>' : '',
      ].join(' ');
      const config = row.config as Partial<ModelConfig> | undefined;
      const cells = [
        `<td class="num">${i + 1}</td>`,
        `<td>${escapeHtml(row.trialId)} ${tags}</td>`,
        `<td><span class="status ${escapeHtml(row.status)}">${escapeHtml(row.status)}</span>${row.attempts > 1 ? ` <span class="muted">(${row.attempts} launches)</span>` : ''}</td>`,
        `<td class="nowrap">${escapeHtml(config?.arch ?? '')}</td>`,
        `<td>${escapeHtml(config?.weighting ?? '')}</td>`,
        `<td class="params">${escapeHtml(summarizeParams(config))}</td>`,
        `<td class="num">${formatMetric(validationScoreOf(row))}</td>`,
        `<td class="num">${formatMetric(row.metrics?.test.combinedScore)}</td>`,
        `<td class="num">${row.trialId === baselineId ? '—' : formatSignedPercent(row.metrics?.test.deltaM)}</td>`,
        `<td class="num">${row.epochs}</td>`,
        `<td class="num">${row.rung < 0 ? '—' : row.rung}</td>`,
      ];
      const error = row.status === 'failed' || row.error !== undefined
        ? `<tr class="error-row"><td></td><td colspan="${COLUMNS.length - 1}">error: ${escapeHtml(row.error ?? 'no error recorded')}</td></tr>`
        : '';
      return `<tr data-trial="${escapeHtml(row.trialId)}" class="${row.trialId === winnerId ? 'winner' : ''}">${cells.join('')}</tr>${error}`;
    })
    .join('');
  return `<table class="leaderboard"><thead><tr>${COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}
