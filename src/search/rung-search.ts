import type { BlobStore } from '../store/blob-store.ts';
import { readTrialMetrics, type RunFiles } from './run-files.ts';
import { createSearchSampler } from './search-sampler.ts';
import type { StoredRun, TrialLogEvent } from './stored-run.ts';
import { countSampledTrials, isFixedTrial, launchTrial, pendingFixedTrial, nextAshaJob, planNewTrial, recordTrialFailure, recordTrialResult, trialEvent, type SearchRow, type TrialJob } from './trial-plan.ts';
import { trialSpecOf, type TrialSpec } from './trial-spec.ts';

/**
 * A search driven rung by rung (the workflow's Map trains a rung's trials at once, then a step decides the next
 * rung), built from the same pieces as `runSearch`: {@link planNewTrial}, {@link launchTrial},
 * {@link recordTrialResult}, {@link nextAshaJob} and the run files. Rows are mutable copies of the leaderboard's.
 */
export interface RungSearch {
  readonly run: StoredRun;
  readonly rows: Map<string, SearchRow>;
  readonly events: TrialLogEvent[];
}

/** How one trial of a rung ended: trained (its metrics.json is in the store) or failed for good with `error`. */
export interface RungTrialOutcome {
  readonly trialId: string;
  /** The epoch the rung trained it to. */
  readonly untilEpoch: number;
  readonly error?: string;
}

/** A rung search over a run's stored files. */
export function openRungSearch({ run, leaderboard, events }: RunFiles): RungSearch {
  return { run, rows: new Map(leaderboard.map((row) => [row.trialId, { ...row }])), events: [...events] };
}

/** The files to write for a rung search's current state (with `writeRunFiles`). */
export function rungSearchFiles(search: RungSearch): RunFiles {
  return { run: search.run, leaderboard: [...search.rows.values()], events: search.events };
}

/**
 * The first rung of a new run: the fixed trials (the `single` baseline, the default recipe) plus `settings.trials`
 * sampled trials, planned in the order and
 * with the sampler `tandem search` uses (so the same seed gives the same trials), all launched at once. Trials of one
 * rung train together, so every draw sees an empty history (TPE samples like its startup phase). Returns the search
 * and each trial's spec for this rung.
 */
export function planFirstRung(run: StoredRun, at: Date): { search: RungSearch; specs: TrialSpec[] } {
  const search: RungSearch = { run, rows: new Map(), events: [] };
  const sampler = createSearchSampler(run.settings, 0);
  const specs: TrialSpec[] = [];
  while (pendingFixedTrial(run, search.rows.values()) !== undefined || countSampledTrials(search.rows.values()) < run.settings.trials) {
    const { row, job } = planNewTrial(run, [...search.rows.values()], sampler);
    search.rows.set(row.trialId, row);
    specs.push(launch(search, job, at));
  }
  return { search, specs };
}

/**
 * Records each trial of the rung that just ran: a trained one from its metrics.json (the baseline, which trains all
 * its epochs in one job, lands on the top rung), a failed one as `failed` with its error. Every trial must be in the
 * run (the caller checks the event).
 */
export async function recordRungResults(store: BlobStore, search: RungSearch, rung: number, outcomes: readonly RungTrialOutcome[], at: Date): Promise<void> {
  const topRung = Math.max(search.run.rungs.length - 1, 0);
  for (const outcome of outcomes) {
    const row = search.rows.get(outcome.trialId) as SearchRow;
    const job: TrialJob = { trialId: row.trialId, rung: isFixedTrial(row) ? topRung : rung, untilEpoch: outcome.untilEpoch };
    const attempt = lastLaunchAttempt(search.events, row.trialId);
    if (outcome.error !== undefined) {
      recordTrialFailure(row, outcome.error);
      search.events.push(trialEvent(job, 'failed', attempt, at, outcome.error));
      continue;
    }
    recordTrialResult(row, job, await readTrialMetrics(store, search.run.runId, row.trialId));
    search.events.push(trialEvent(job, 'finished', attempt, at));
  }
}

/**
 * The next rung, once every trial of the last one has finished: with ASHA the best 1/η of each rung (at least one)
 * go on to the next rung's epochs, launched now; other strategies have one rung. Returns their specs (none: done).
 */
export function planNextRung(search: RungSearch, at: Date): TrialSpec[] {
  const specs: TrialSpec[] = [];
  if (search.run.strategy !== 'asha') return specs;
  const busy = new Set<string>();
  for (;;) {
    const job = nextAshaJob(search.run, search.rows.values(), (row) => busy.has(row.trialId), true);
    if (job === undefined) return specs;
    busy.add(job.trialId);
    specs.push(launch(search, job, at));
  }
}

/** Launches `job` (its first attempt: the Map's Retry makes the second without the steps knowing) and returns its spec. */
function launch(search: RungSearch, job: TrialJob, at: Date): TrialSpec {
  const row = search.rows.get(job.trialId) as SearchRow;
  search.events.push(launchTrial(row, job, 1, at));
  return trialSpecOf(search.run, row, job.untilEpoch);
}

function lastLaunchAttempt(events: readonly TrialLogEvent[], trialId: string): number {
  return [...events].reverse().find((event) => event.trialId === trialId && event.event === 'launched')?.attempt ?? 1;
}
