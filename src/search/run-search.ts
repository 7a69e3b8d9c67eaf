import { NotFoundError } from '../errors/not-found-error.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readRunFiles, readTrialMetrics, writeRunFiles } from './run-files.ts';
import type { LeaderboardRow } from './run-record.ts';
import { closeSearchWithEnsemble, ensembleTrialId } from './search-ensemble.ts';
import { createSearchSampler } from './search-sampler.ts';
import { withClosingOverrides, type ClosingOverrides } from './search-settings.ts';
import { createStoredRun, type SearchSettings, type StoredRun, type TrialDefaults, type TrialLogEvent } from './stored-run.ts';
import {
  countSampledTrials,
  firstTrialJob,
  isTrialFinished,
  launchTrial,
  nextAshaJob,
  pendingFixedTrial,
  planNewTrial,
  recordTrialFailure,
  recordTrialResult,
  trialEvent,
  type SearchRow,
  type TrialJob,
} from './trial-plan.ts';
import { trialSpecOf, type TrialSpec } from './trial-spec.ts';

/**
 * Starts a trial somewhere (a child process locally, a Batch job on AWS) and resolves when it is done. When `signal`
 * aborts, it stops the trial promptly and rejects.
 */
export type TrialLauncher = (spec: TrialSpec, onStart: (pid: number) => void, signal?: AbortSignal) => Promise<void>;

/** Arguments of {@link runSearch}. */
export interface RunSearchArgs {
  readonly store: BlobStore;
  /** A new search: its settings and defaults. Absent with `resumeRunId`. */
  readonly start?: { readonly settings: SearchSettings; readonly defaults: TrialDefaults };
  /** Continue this stopped run: finished trials are kept, unfinished ones run again from their checkpoints. */
  readonly resumeRunId?: string;
  /** Overrides the stored `parallel` on resume. */
  readonly parallel?: number;
  /**
   * On resume: how the run closes from now on (`ensembleTopK`, `ensembleFolds`), stored with it. A finished run is
   * closed again this way without retraining a trial.
   */
  readonly closing?: ClosingOverrides;
  readonly launch: TrialLauncher;
  readonly log?: (line: string) => void;
  readonly onLaunch?: (trialId: string, pid: number) => void;
  /** Called once the run exists in the store (its id known), before any trial starts. */
  readonly onRun?: (run: StoredRun) => void;
  /**
   * Stops the search: no trial starts after it aborts, running ones are stopped through `launch` and recorded as
   * `interrupted` (not failed; `resumeRunId` trains them again), and the run is left `interrupted`.
   */
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
}

/** What `search --json` prints (SPEC §1). */
export interface SearchResult {
  readonly run: StoredRun;
  readonly leaderboard: readonly LeaderboardRow[];
}

type Row = SearchRow & { job: TrialJob | null };

const maxAttempts = 2;

/**
 * The AutoML search (SPEC §6): a `single` baseline trial plus `trials` sampled ones (random or TPE), or ASHA
 * (successive halving over epochs, trials resumed from their checkpoints when promoted), run `parallel` at a time
 * through `launch`. A trial that crashes is retried once, then recorded as failed; the search goes on. Every event
 * rewrites leaderboard.json, run.json and trial-log.json, so a killed search can be resumed with `resumeRunId`
 * without retraining the trials that had finished. With `budgetMinutes`, no trial (nor fold copy of the closing) starts
 * after the budget. When
 * `signal` aborts, the search stops its trials and returns the run as `interrupted` (no winner chosen).
 */
export async function runSearch(args: RunSearchArgs): Promise<SearchResult> {
  const { store, launch, log = () => undefined, now = () => new Date(), signal } = args;
  const startedAt = now().getTime();
  const loaded = await loadOrCreateRun(args, now);
  let run: StoredRun = loaded.run;
  const { settings } = run;
  const parallel = args.parallel ?? settings.parallel;
  const rows = new Map(loaded.rows.map((row) => [row.trialId, row]));
  const events = loaded.events;
  const sampler = createSearchSampler(settings, rows.size);
  const deadline = settings.budgetMinutes === undefined ? Infinity : startedAt + settings.budgetMinutes * 60_000;
  // Jobs that were running when the search stopped, or that crashed once: run (again) before anything new.
  const retries: TrialJob[] = [...rows.values()].flatMap((row) => (row.job === null ? [] : [row.job]));
  const running = new Map<string, Promise<void>>();
  // Launches of each trial's current job: a crash is retried once per job (a promotion is a new job).
  const jobAttempts = new Map<string, number>(
    [...rows.values()].flatMap((row) => (row.job === null ? [] : [[row.trialId, lastJobAttempts(events, row.job)] as const])),
  );
  const leaderboard = (): LeaderboardRow[] => [...rows.values()].map(publicRow);

  // Writes go one after another, so the last status written is the last one asked for.
  let writing = Promise.resolve();
  const persist = (status: StoredRun['status']): Promise<void> => {
    writing = writing.then(async () => {
      run = await writeRunFiles(store, { run: { ...run, status }, leaderboard: leaderboard(), events }, now());
    });
    return writing;
  };
  const stopping = (): boolean => signal?.aborted === true;

  const newTrial = (): TrialJob => {
    const { row, job } = planNewTrial(run, leaderboard(), sampler);
    rows.set(row.trialId, { ...row, job });
    return job;
  };

  const nextJob = (): TrialJob | undefined => {
    const retry = retries.shift();
    if (retry !== undefined) return retry;
    if (now().getTime() >= deadline) return undefined;
    if (pendingFixedTrial(run, rows.values()) !== undefined) return newTrial();
    const sampled = countSampledTrials(rows.values());
    if (settings.strategy === 'asha') {
      const job = nextAshaJob(run, rows.values(), (row) => (row as Row).job !== null, sampled >= settings.trials);
      if (job !== undefined) {
        (rows.get(job.trialId) as Row).job = job;
        return job;
      }
    }
    return sampled < settings.trials ? newTrial() : undefined;
  };

  const startJob = (job: TrialJob): void => {
    const row = rows.get(job.trialId) as Row;
    row.job = job;
    const attempt = (jobAttempts.get(job.trialId) ?? 0) + 1;
    jobAttempts.set(job.trialId, attempt);
    events.push(launchTrial(row, job, attempt, now()));
    const spec: TrialSpec = trialSpecOf(run, row, job.untilEpoch);
    log(`${job.trialId} started (rung ${job.rung}, to epoch ${job.untilEpoch}, attempt ${attempt})`);
    const done = launch(spec, (pid) => args.onLaunch?.(job.trialId, pid), signal)
      .then(async () => {
        const result = await readTrialMetrics(store, run.runId, job.trialId);
        recordTrialResult(row, job, result);
        row.job = null;
        jobAttempts.delete(job.trialId);
        events.push(trialEvent(job, 'finished', attempt, now()));
        log(`${job.trialId} ${row.status === 'completed' ? 'completed' : `reached rung ${job.rung}`}: validation score ${result.metrics.validation.combinedScore?.toFixed(4) ?? 'n/a'} after ${result.epochsDone} epochs`);
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (stopping()) {
          // Stopped with the search: not the trial's fault. The job stays pending, for --resume.
          events.push(trialEvent(job, 'interrupted', attempt, now()));
          jobAttempts.set(job.trialId, attempt - 1);
          row.status = 'interrupted';
          log(`${job.trialId} interrupted`);
          return;
        }
        events.push(trialEvent(job, 'failed', attempt, now(), message));
        if (attempt < maxAttempts) {
          log(`${job.trialId} failed (${message}); retrying once`);
          retries.push(job);
          row.error = message;
        } else {
          log(`${job.trialId} failed again (${message}); recorded as failed`);
          recordTrialFailure(row, message);
          row.job = null;
        }
      })
      .then(() => persist(stopping() ? 'interrupted' : 'running'))
      .finally(() => running.delete(job.trialId));
    running.set(job.trialId, done);
  };

  await persist('running');
  args.onRun?.(run);
  for (;;) {
    while (running.size < parallel && !stopping()) {
      const job = nextJob();
      if (job === undefined) break;
      startJob(job);
    }
    if (running.size === 0) break;
    await persist(stopping() ? 'interrupted' : 'running');
    // Jobs may have ended while that was written (a race of none would never settle).
    if (running.size > 0) await Promise.race(running.values());
  }
  if (stopping()) {
    await persist('interrupted');
    return { run, leaderboard: leaderboard() };
  }

  await writing;
  // search.ensembleTopK: the best trials' average may become the winner (one saved model); closeSearch when off.
  // Fold copies (search.ensembleFolds) run as trial jobs, through the same launcher and as many at once as trials did.
  const trainCopy = (spec: TrialSpec): Promise<void> => launch(spec, (pid) => args.onLaunch?.(spec.trialId, pid), signal);
  let closed: Awaited<ReturnType<typeof closeSearchWithEnsemble>>;
  try {
    closed = await closeSearchWithEnsemble(store, run, leaderboard(), now().getTime() >= deadline, { log, trainCopy, parallel, deadline, ...(signal === undefined ? {} : { signal }) });
  } catch (error) {
    if (!stopping()) throw error;
    // Stopped while fold copies trained: the copies that finished stay in the store, and --resume closes again with them.
    log('closing interrupted');
    await persist('interrupted');
    return { run, leaderboard: leaderboard() };
  }
  if (closed.run.ensemble !== undefined) {
    const { ensemble } = closed.run;
    const copies = ensemble.folds === undefined ? '' : ` (${String(ensemble.folds)} fold copies each, weighed out of fold)`;
    log(`ensemble of ${ensemble.members.map((member) => member.id).join(', ')}${copies}: validation ${ensemble.validationCombinedScore.toFixed(4)} vs best ${ensemble.bestMemberValidationCombinedScore.toFixed(4)}${ensemble.kept ? `, selected as ${ensemble.modelId}` : ', not kept'}`);
  }
  run = await writeRunFiles(store, { run: closed.run, leaderboard: closed.leaderboard, events }, now());
  return { run, leaderboard: closed.leaderboard };
}

/** How often the pending job already failed (a search killed mid-trial is not the trial's failure). */
function lastJobAttempts(events: readonly TrialLogEvent[], job: TrialJob): number {
  let count = 0;
  for (const event of events) {
    if (event.trialId !== job.trialId) continue;
    if (event.event === 'finished') count = 0;
    else if (event.event === 'failed' && event.rung === job.rung) count++;
  }
  return count;
}

function publicRow({ job: _job, ...row }: Row): LeaderboardRow {
  return row;
}

async function loadOrCreateRun(args: RunSearchArgs, now: () => Date): Promise<{ run: StoredRun; rows: Row[]; events: TrialLogEvent[] }> {
  if (args.resumeRunId !== undefined) {
    const files = await readRunFiles(args.store, args.resumeRunId);
    if (files === undefined) throw new NotFoundError(`no run "${args.resumeRunId}" in ${args.store.uri} to resume`, { value: args.resumeRunId });
    const { leaderboard } = files;
    const run = args.closing === undefined ? files.run : { ...files.run, settings: withClosingOverrides(files.run.settings, args.closing) };
    const events = [...files.events];
    // A finished run's kept ensemble (say, closed early by its budget) is no trial: the plan must not count it or learn
    // from it, and the closing builds a new one.
    const rows = leaderboard.filter((row) => row.trialId !== ensembleTrialId).map((row): Row => {
      const finished = isTrialFinished(row);
      // A trial whose last event is a launch, an interruption (or a first failure) was cut off: run that job again,
      // from its checkpoint.
      const last = [...events].reverse().find((event) => event.trialId === row.trialId);
      const interrupted = !finished && last !== undefined && (last.event === 'launched' || last.event === 'interrupted' || (last.event === 'failed' && last.attempt < maxAttempts));
      // The leaderboard is written before the trial log: a row with no event yet was killed before its launch.
      const neverLaunched = !finished && last === undefined;
      const job = interrupted ? { trialId: row.trialId, rung: last.rung, untilEpoch: last.untilEpoch } : neverLaunched ? firstTrialJob(run, row) : null;
      return { ...row, status: finished ? row.status : 'running', job };
    });
    return { run, rows, events };
  }
  if (args.start === undefined) throw new Error('runSearch needs start settings or a run to resume');
  return { run: createStoredRun(args.start.settings, args.start.defaults, now()), rows: [], events: [] };
}
