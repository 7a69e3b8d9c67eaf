import { escapeHtml } from './html-escape.ts';

/** What a report shows instead of a chart that has nothing to draw, saying why. */
export function renderChartNote(text: string): string {
  return `<p class="note">${escapeHtml(text)}</p>`;
}
