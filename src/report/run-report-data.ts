import type { TaskSpec } from '../config/schema.ts';
import type { DatasetManifest } from '../data/labelled-row.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { StabilityBaseline } from '../model/stability-baseline.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { LeaderboardRow, RunRecord } from '../search/run-record.ts';
import { trialFolder } from '../search/run-keys.ts';
import type { TrialMetricsFile } from '../search/trial-metrics-file.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJsonIfExists } from '../store/json-object.ts';

/** A task as the report shows it. */
export interface ReportTask {
  readonly name: string;
  readonly type: TaskSpec['type'];
  /** Auxiliary tasks are listed but take no part in selection, the Pareto front or task-weight charts. */
  readonly auxiliary: boolean;
}

/** Everything a run report is drawn from, read from the store once. */
export interface RunReportData {
  readonly run: RunRecord;
  /** Rows in the order leaderboard.json lists them (sampling order). */
  readonly leaderboard: readonly LeaderboardRow[];
  /** `trials/<trialId>/metrics.json` of each trial that has one (failed trials usually have none). */
  readonly trialMetrics: ReadonlyMap<string, TrialMetricsFile>;
  /** The dataset's tasks in config order; inferred from the trials' metrics when the dataset manifest is gone. */
  readonly tasks: readonly ReportTask[];
  /** The selected trial (`run.bestTrialId`), if any. */
  readonly winner: LeaderboardRow | undefined;
  /** The `single` baseline Δm compares to, if the run has one. */
  readonly baseline: LeaderboardRow | undefined;
  /** Rows per split of the dataset, when its manifest is readable. */
  readonly datasetRows: DatasetManifest['rows'] | null;
  /** The TensorFlow.js backends the trials ran on. */
  readonly backends: readonly string[];
  /** The winner's model's `stability.json` (training-population distributions), when it has one. */
  readonly winnerStability?: StabilityBaseline;
}

const plainRunId = /^[A-Za-z0-9_][\w.-]*$/;

/** The store folder of a run (SPEC §8). */
export function runFolder(runId: string): string {
  return `runs/${runId}`;
}

/**
 * Reads a run for its report: `run.json` (required), `leaderboard.json`, every trial's `metrics.json` and the
 * dataset manifest. Missing optional pieces leave gaps rather than errors: no leaderboard is an empty one, a trial
 * without metrics.json has no curves, a deleted dataset leaves the task list to the trials' metrics.
 *
 * @throws BadInputError when `runId` is not a plain id or a file is not the JSON the search writes.
 * @throws NotFoundError when the store has no such run.
 */
export async function loadRunReportData(store: BlobStore, runId: string): Promise<RunReportData> {
  if (!plainRunId.test(runId)) throw new BadInputError(`invalid run id "${runId}": letters, digits, _ . - only`, { value: runId });
  const folder = runFolder(runId);
  const stored = await readJsonIfExists<RunRecord>(store, `${folder}/run.json`);
  if (stored === undefined) throw new NotFoundError(`no run "${runId}" in ${store.uri} (no ${folder}/run.json)`, { value: runId });
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
    throw new BadInputError(`${folder}/run.json in ${store.uri} is not a run record`, { value: `${folder}/run.json` });
  }
  // Arrays a half-written or older record may lack; the report treats them as empty.
  const run: RunRecord = { ...stored, runId: stored.runId ?? runId, rungs: stored.rungs ?? [], paretoFront: stored.paretoFront ?? [] };
  const rows = (await readJsonIfExists<unknown>(store, `${folder}/leaderboard.json`)) ?? [];
  if (!Array.isArray(rows)) throw new BadInputError(`${folder}/leaderboard.json in ${store.uri} is not a list of trials`, { value: `${folder}/leaderboard.json` });
  const leaderboard = (rows as LeaderboardRow[]).map((row) => ({ ...row, rungScores: row.rungScores ?? [], sample: row.sample ?? {} }));

  const metricsFiles = await Promise.all(
    leaderboard.map((row) => readJsonIfExists<TrialMetricsFile>(store, `${trialFolder(runId, row.trialId)}/metrics.json`)),
  );
  const trialMetrics = new Map<string, TrialMetricsFile>();
  leaderboard.forEach((row, i) => {
    const file = metricsFiles[i];
    if (file !== undefined) trialMetrics.set(row.trialId, file);
  });
  const manifest = typeof run.datasetId === 'string' && plainRunId.test(run.datasetId)
    ? await readJsonIfExists<DatasetManifest>(store, `datasets/${run.datasetId}/manifest.json`)
    : undefined;

  const byId = new Map(leaderboard.map((row) => [row.trialId, row]));
  const winner = run.bestTrialId === null || run.bestTrialId === undefined ? undefined : byId.get(run.bestTrialId);
  const baseline =
    (run.baselineTrialId === null || run.baselineTrialId === undefined ? undefined : byId.get(run.baselineTrialId)) ??
    leaderboard.find((row) => row.baseline);
  const winnerModelId = winner?.modelId;
  const winnerStability =
    typeof winnerModelId === 'string' && plainRunId.test(winnerModelId) ? await readJsonIfExists<StabilityBaseline>(store, `models/${winnerModelId}/stability.json`) : undefined;
  return {
    run,
    leaderboard,
    trialMetrics,
    ...(winnerStability === undefined ? {} : { winnerStability }),
    tasks: manifest?.tasks?.map((task) => ({ name: task.name, type: task.type, auxiliary: task.auxiliary === true })) ?? inferTasks(leaderboard, trialMetrics),
    winner,
    baseline,
    datasetRows: manifest?.rows ?? null,
    backends: [...new Set([...trialMetrics.values()].map((file) => file.backend).filter((name) => typeof name === 'string'))].sort(),
  };
}

/** Task names and types from whatever metrics the trials have, in first-seen order. */
function inferTasks(leaderboard: readonly LeaderboardRow[], trialMetrics: ReadonlyMap<string, TrialMetricsFile>): ReportTask[] {
  const tasks = new Map<string, ReportTask>();
  const splits = [
    ...leaderboard.flatMap((row) => (row.metrics === null || row.metrics === undefined ? [] : [row.metrics.validation])),
    ...[...trialMetrics.values()].map((file) => file.metrics.validation),
  ];
  for (const split of splits) {
    for (const [name, metrics] of Object.entries(split.tasks)) {
      if (!tasks.has(name)) tasks.set(name, { name, type: metrics.type, auxiliary: false });
    }
  }
  return [...tasks.values()];
}
