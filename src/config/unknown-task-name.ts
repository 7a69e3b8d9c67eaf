/**
 * The issue for a task name that is not one of `taskNames` (a misspelt key of `selection.weights`, `model.taskWeights`
 * or `--task-weights`): it lists the real tasks and suggests the closest one when it is a likely typo.
 * `"chrun" is not a task (tasks: churn, spend); did you mean "churn"?`
 */
export function unknownTaskIssue(name: string, taskNames: readonly string[]): string {
  const suggestion = closestName(name, taskNames);
  const known = taskNames.length === 0 ? 'none' : taskNames.join(', ');
  return `"${name}" is not a task (tasks: ${known})${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`;
}

/**
 * The candidate nearest to `name` by edit distance (insertions, deletions, substitutions and swaps of neighbours,
 * ignoring case), when it is close enough to be a typo: at most a third of the longer name's length, and at least 1.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(name.length, best.length) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** Optimal string alignment distance: Levenshtein plus the swap of two neighbouring letters (`chrun` → `churn`: 1). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      let value = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = value;
    }
  }
  return (d[rows - 1] as number[])[cols - 1] as number;
}
