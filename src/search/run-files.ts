import { NotFoundError } from '../errors/not-found-error.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJson, readJsonIfExists, writeJson } from '../store/json-object.ts';
import { runKey, trialFolder } from './run-keys.ts';
import type { LeaderboardRow } from './run-record.ts';
import type { StoredRun, TrialLogEvent } from './stored-run.ts';
import type { TrialMetricsFile } from './trial-metrics-file.ts';

/** A run's three files (SPEC §8): run.json, leaderboard.json and trial-log.json. */
export interface RunFiles {
  readonly run: StoredRun;
  readonly leaderboard: readonly LeaderboardRow[];
  readonly events: readonly TrialLogEvent[];
}

/**
 * Reads a run's files; undefined when its run.json is not in the store. A missing leaderboard or trial log (a run
 * cut off while it was being created) reads as empty.
 */
export async function readRunFiles(store: BlobStore, runId: string): Promise<RunFiles | undefined> {
  const run = await readJsonIfExists<StoredRun>(store, runKey(runId, 'run.json'));
  if (run === undefined) return undefined;
  const leaderboard = (await readJsonIfExists<LeaderboardRow[]>(store, runKey(runId, 'leaderboard.json'))) ?? [];
  const events = (await readJsonIfExists<TrialLogEvent[]>(store, runKey(runId, 'trial-log.json'))) ?? [];
  return { run, leaderboard, events };
}

/** {@link readRunFiles}, for a run that must exist. @throws NotFoundError naming the run and the store. */
export async function requireRunFiles(store: BlobStore, runId: string): Promise<RunFiles> {
  const files = await readRunFiles(store, runId);
  if (files === undefined) throw new NotFoundError(`no run "${runId}" in ${store.uri}`, { value: runId });
  return files;
}

/**
 * Writes a run's files — the one writer of them, for `tandem search` and every workflow step alike: the leaderboard
 * and the trial log first, run.json last (so a run.json that says `completed` never points at an older leaderboard),
 * with run.json's `updatedAt` set to `at` and `totalEpochs` summed over the leaderboard. Returns the run as written.
 */
export async function writeRunFiles(store: BlobStore, { run, leaderboard, events }: RunFiles, at: Date): Promise<StoredRun> {
  const written: StoredRun = { ...run, updatedAt: at.toISOString(), totalEpochs: leaderboard.reduce((sum, row) => sum + row.epochs, 0) };
  await writeJson(store, runKey(run.runId, 'leaderboard.json'), leaderboard);
  await writeJson(store, runKey(run.runId, 'trial-log.json'), events);
  await writeJson(store, runKey(run.runId, 'run.json'), written);
  return written;
}

/** A trial's `metrics.json`, as its worker left it after training to its rung (or to the end). */
export function readTrialMetrics(store: BlobStore, runId: string, trialId: string): Promise<TrialMetricsFile> {
  return readJson<TrialMetricsFile>(store, `${trialFolder(runId, trialId)}/metrics.json`);
}
