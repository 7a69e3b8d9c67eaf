/** Ten colours that stay apart for most colour vision (Tableau 10); series beyond ten reuse them in order. */
export const seriesPalette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;

/** The colour of the `index`-th series (0-based), cycling through {@link seriesPalette}. */
export function seriesColor(index: number): string {
  const size = seriesPalette.length;
  return seriesPalette[((index % size) + size) % size] as string;
}

/**
 * One colour per trial, by the trial's position in the leaderboard file (sampling order), so that a trial has the same
 * colour in every chart of a report.
 */
export function assignTrialColors(trialIds: readonly string[]): ReadonlyMap<string, string> {
  return new Map(trialIds.map((trialId, i) => [trialId, seriesColor(i)]));
}
