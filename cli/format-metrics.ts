import type { SplitMetrics } from '../src/metrics/evaluation.ts';

const fixed = (value: number | null | undefined, digits = 4): string => (value === null || value === undefined ? 'n/a' : value.toFixed(digits));

/** A plain-text table of per-task metrics for people (the `--json` output carries everything). */
export function formatSplitMetrics(title: string, metrics: SplitMetrics): string {
  const rows = Object.entries(metrics.tasks).map(([task, m]) =>
    m.type === 'binary'
      ? [task, 'binary', fixed(m.auc), fixed(m.prAuc), fixed(m.f1), `threshold ${fixed(m.threshold, 3)}`]
      : [task, 'regression', fixed(m.auc), '', fixed(m.f1), `rmse ${fixed(m.rmse)} r2 ${fixed(m.r2)}`],
  );
  const header = ['task', 'type', 'auc', 'pr-auc', 'f1', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [`${title} (combined score ${fixed(metrics.combinedScore)})`, `  ${line(header)}`, ...rows.map((r) => `  ${line(r)}`)].join('\n');
}
