/** A file of a run's folder (SPEC §8). */
export type RunFile = 'run.json' | 'leaderboard.json' | 'trial-log.json' | 'report.html';

/** The store key of a run file, `runs/<runId>/<file>`. */
export function runKey(runId: string, file: RunFile): string {
  return `runs/${runId}/${file}`;
}

/** The store folder of a trial, `runs/<runId>/trials/<trialId>` (config.json, metrics.json, its checkpoint). */
export function trialFolder(runId: string, trialId: string): string {
  return `runs/${runId}/trials/${trialId}`;
}

/** The store folder of a run's fitted inputs, `runs/<runId>/inputs` (preprocessors with tree leaves its trials share). */
export function fittedInputsFolder(runId: string): string {
  return `runs/${runId}/inputs`;
}

/** The store folder of fold copy `index` of `folds` of a trial, `runs/<runId>/trials/<trialId>/folds-<folds>/<index>`. */
export function foldCopyFolder(runId: string, trialId: string, folds: number, index: number): string {
  return `${trialFolder(runId, trialId)}/folds-${String(folds)}/${String(index)}`;
}

/** Where fold `index` of `folds`' fitted inputs are kept, shared by every trial's copy of that fold. */
export function foldInputsFolder(runId: string, folds: number, index: number): string {
  return `${fittedInputsFolder(runId)}/folds-${String(folds)}-${String(index)}`;
}
