import type { ModelConfig } from '../config/schema.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJson, readJsonIfExists, writeJson } from '../store/json-object.ts';
import { readTaskDiagnostics } from '../train/task-diagnostics-summary.ts';
import { computeRungs, findAshaPromotion } from './asha.ts';
import { runKey, trialFolder } from './run-keys.ts';
import type { LeaderboardRow } from './run-record.ts';
import { sampleToModelConfig } from './sample-to-model-config.ts';
import { createRandomSampler } from './samplers/random-sampler.ts';
import type { Sampler } from './samplers/sampler.ts';
import { createTpeSampler } from './samplers/tpe-sampler.ts';
import type { Sample } from './search-space.ts';
import { applySearchOutcome } from './search-outcome.ts';
import { createStoredRun, type SearchSettings, type StoredRun, type TrialDefaults, type TrialLogEvent } from './stored-run.ts';
import type { TrialMetricsFile } from './trial-metrics-file.ts';
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

interface Job {
  readonly trialId: string;
  readonly rung: number;
  readonly untilEpoch: number;
}

type Row = { -readonly [K in keyof LeaderboardRow]: LeaderboardRow[K] } & { job: Job | null; finished: boolean };

const maxAttempts = 2;

/**
 * The AutoML search (SPEC §6): a `single` baseline trial plus `trials` sampled ones (random or TPE), or ASHA
 * (successive halving over epochs, trials resumed from their checkpoints when promoted), run `parallel` at a time
 * through `launch`. A trial that crashes is retried once, then recorded as failed; the search goes on. Every event
 * rewrites leaderboard.json, run.json and trial-log.json, so a killed search can be resumed with `resumeRunId`
 * without retraining the trials that had finished. With `budgetMinutes`, no trial starts after the budget. When
 * `signal` aborts, the search stops its trials and returns the run as `interrupted` (no winner chosen).
 */
export async function runSearch(args: RunSearchArgs): Promise<SearchResult> {
  const { store, launch, log = () => undefined, now = () => new Date(), signal } = args;
  const startedAt = now().getTime();
  const loaded = await loadOrCreateRun(args, now);
  let run: StoredRun = loaded.run;
  const { settings, defaults } = run;
  const parallel = args.parallel ?? settings.parallel;
  const rows = new Map(loaded.rows.map((row) => [row.trialId, row]));
  const events = loaded.events;
  const rungs = settings.strategy === 'asha' ? computeRungs(settings.asha) : [];
  const taskNames = defaults.tasks.filter((task) => !task.auxiliary).map((task) => task.name);
  const sampler: Sampler =
    settings.strategy === 'tpe' ? createTpeSampler(settings.seed + rows.size, { startupTrials: settings.startupTrials }) : createRandomSampler(settings.seed + rows.size);
  const deadline = settings.budgetMinutes === undefined ? Infinity : startedAt + settings.budgetMinutes * 60_000;
  // Jobs that were running when the search stopped, or that crashed once: run (again) before anything new.
  const retries: Job[] = [...rows.values()].flatMap((row) => (row.job === null ? [] : [row.job]));
  const running = new Map<string, Promise<void>>();
  // Launches of each trial's current job: a crash is retried once per job (a promotion is a new job).
  const jobAttempts = new Map<string, number>(
    [...rows.values()].flatMap((row) => (row.job === null ? [] : [[row.trialId, lastJobAttempts(events, row.job)] as const])),
  );

  // Writes go one after another, so the last status written is the last one asked for.
  let writing = Promise.resolve();
  const persist = (status: StoredRun['status']): Promise<void> => {
    writing = writing.then(async () => {
      run = { ...run, status, updatedAt: now().toISOString(), totalEpochs: [...rows.values()].reduce((sum, row) => sum + row.epochs, 0) };
      const leaderboard = [...rows.values()].map(publicRow);
      await writeJson(store, runKey(run.runId, 'leaderboard.json'), leaderboard);
      await writeJson(store, runKey(run.runId, 'trial-log.json'), events);
      await writeJson(store, runKey(run.runId, 'run.json'), run);
    });
    return writing;
  };
  const stopping = (): boolean => signal?.aborted === true;
  const record = (job: Job, event: TrialLogEvent['event'], attempt: number, error?: string): void => {
    events.push({ at: now().toISOString(), trialId: job.trialId, event, attempt, rung: job.rung, untilEpoch: job.untilEpoch, ...(error === undefined ? {} : { error }) });
  };

  const newTrial = (baseline: boolean): Job => {
    const trialId = `t${String(rows.size).padStart(3, '0')}`;
    const sample: Sample = baseline ? { arch: 'single' } : sampler.sample(settings.space, history(rows));
    const sampled = baseline ? { ...defaults.params, arch: 'single' as const } : sampleToModelConfig(sample, defaults.params, taskNames);
    const params: ModelConfig = settings.strategy === 'asha' ? { ...sampled, epochs: settings.asha.maxEpochs } : sampled;
    const rung = baseline || settings.strategy !== 'asha' ? rungs.length - 1 : 0;
    const job: Job = { trialId, rung: Math.max(rung, 0), untilEpoch: settings.strategy === 'asha' && !baseline ? (rungs[0] as number) : params.epochs };
    rows.set(trialId, {
      trialId,
      config: params,
      sample,
      metrics: null,
      taskWeightHistory: [],
      diagnostics: { gradientCosine: [], labelCorrelation: {} },
      status: 'queued',
      epochs: 0,
      rung: -1,
      rungScores: [],
      modelId: null,
      attempts: 0,
      baseline,
      job,
      finished: false,
    });
    return job;
  };

  const nextJob = (): Job | undefined => {
    const retry = retries.shift();
    if (retry !== undefined) return retry;
    if (now().getTime() >= deadline) return undefined;
    if (![...rows.values()].some((row) => row.baseline)) return newTrial(true);
    const sampled = [...rows.values()].filter((row) => !row.baseline).length;
    if (settings.strategy === 'asha') {
      const promotion = findAshaPromotion(
        [...rows.values()].filter((row) => !row.baseline).map((row) => ({ trialId: row.trialId, rungScores: row.rungScores, busy: row.job !== null, finished: row.finished })),
        rungs.length,
        settings.asha.eta,
        { finishing: sampled >= settings.trials },
      );
      if (promotion !== undefined) {
        const job = { trialId: promotion.trialId, rung: promotion.toRung, untilEpoch: rungs[promotion.toRung] as number };
        (rows.get(promotion.trialId) as Row).job = job;
        return job;
      }
    }
    return sampled < settings.trials ? newTrial(false) : undefined;
  };

  const startJob = (job: Job): void => {
    const row = rows.get(job.trialId) as Row;
    row.attempts += 1;
    row.status = 'running';
    row.job = job;
    const attempt = (jobAttempts.get(job.trialId) ?? 0) + 1;
    jobAttempts.set(job.trialId, attempt);
    record(job, 'launched', attempt);
    const spec: TrialSpec = trialSpecOf(run, row, job.untilEpoch);
    log(`${job.trialId} started (rung ${job.rung}, to epoch ${job.untilEpoch}, attempt ${attempt})`);
    const done = launch(spec, (pid) => args.onLaunch?.(job.trialId, pid), signal)
      .then(async () => {
        const result = await readJson<TrialMetricsFile>(store, `${trialFolder(run.runId, job.trialId)}/metrics.json`);
        row.metrics = result.metrics;
        const summary = readTaskDiagnostics(result);
        if (summary !== undefined) {
          row.taskWeightHistory = summary.taskWeightHistory;
          row.diagnostics = summary.diagnostics;
        }
        row.epochs = result.epochsDone;
        row.rung = job.rung;
        row.rungScores = [...row.rungScores.slice(0, job.rung), result.metrics.validation.combinedScore];
        row.modelId = result.modelId;
        row.finished = result.state === 'completed';
        row.status = row.finished ? 'completed' : 'running';
        row.job = null;
        jobAttempts.delete(job.trialId);
        record(job, 'finished', attempt);
        log(`${job.trialId} ${row.finished ? 'completed' : `reached rung ${job.rung}`}: validation score ${result.metrics.validation.combinedScore?.toFixed(4) ?? 'n/a'} after ${result.epochsDone} epochs`);
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (stopping()) {
          // Stopped with the search: not the trial's fault. The job stays pending, for --resume.
          record(job, 'interrupted', attempt);
          jobAttempts.set(job.trialId, attempt - 1);
          row.status = 'interrupted';
          log(`${job.trialId} interrupted`);
          return;
        }
        record(job, 'failed', attempt, message);
        if (attempt < maxAttempts) {
          log(`${job.trialId} failed (${message}); retrying once`);
          retries.push(job);
          row.error = message;
        } else {
          log(`${job.trialId} failed again (${message}); recorded as failed`);
          row.status = 'failed';
          row.error = message;
          row.finished = true;
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
    return { run, leaderboard: [...rows.values()].map(publicRow) };
  }

  const outcome = applySearchOutcome([...rows.values()], defaults, now().getTime() >= deadline);
  for (const row of rows.values()) {
    const updated = outcome.rows.get(row.trialId);
    if (updated !== undefined) Object.assign(row, updated);
  }
  run = { ...run, bestTrialId: outcome.bestTrialId, baselineTrialId: outcome.baselineTrialId, paretoFront: outcome.paretoFront };
  await persist(outcome.stoppedByBudget ? 'stopped' : 'completed');
  return { run, leaderboard: [...rows.values()].map(publicRow) };
}

/** How often the pending job already failed (a search killed mid-trial is not the trial's failure). */
function lastJobAttempts(events: readonly TrialLogEvent[], job: Job): number {
  let count = 0;
  for (const event of events) {
    if (event.trialId !== job.trialId) continue;
    if (event.event === 'finished') count = 0;
    else if (event.event === 'failed' && event.rung === job.rung) count++;
  }
  return count;
}

/** The sampler's view: every sampled trial with a score so far (the latest rung's). */
function history(rows: ReadonlyMap<string, Row>): { sample: Sample; score: number | null }[] {
  return [...rows.values()].filter((row) => !row.baseline && row.rungScores.length > 0).map((row) => ({ sample: row.sample as Sample, score: row.rungScores.at(-1) ?? null }));
}

function publicRow({ job: _job, finished: _finished, ...row }: Row): LeaderboardRow {
  return row;
}

async function loadOrCreateRun(args: RunSearchArgs, now: () => Date): Promise<{ run: StoredRun; rows: Row[]; events: TrialLogEvent[] }> {
  if (args.resumeRunId !== undefined) {
    const run = await readJsonIfExists<StoredRun>(args.store, runKey(args.resumeRunId, 'run.json'));
    if (run === undefined) throw new NotFoundError(`no run "${args.resumeRunId}" in ${args.store.uri} to resume`, { value: args.resumeRunId });
    const leaderboard = (await readJsonIfExists<(LeaderboardRow & { job?: Job | null })[]>(args.store, runKey(run.runId, 'leaderboard.json'))) ?? [];
    const events = (await readJsonIfExists<TrialLogEvent[]>(args.store, runKey(run.runId, 'trial-log.json'))) ?? [];
    const rows = leaderboard.map((row): Row => {
      const finished = row.status === 'completed' || row.status === 'failed' || row.status === 'pruned';
      // A trial whose last event is a launch, an interruption (or a first failure) was cut off: run that job again,
      // from its checkpoint.
      const last = [...events].reverse().find((event) => event.trialId === row.trialId);
      const interrupted = !finished && last !== undefined && (last.event === 'launched' || last.event === 'interrupted' || (last.event === 'failed' && last.attempt < maxAttempts));
      const job = interrupted ? { trialId: row.trialId, rung: last.rung, untilEpoch: last.untilEpoch } : null;
      return { ...row, status: finished ? row.status : 'running', job, finished };
    });
    return { run, rows, events };
  }
  if (args.start === undefined) throw new Error('runSearch needs start settings or a run to resume');
  return { run: createStoredRun(args.start.settings, args.start.defaults, now()), rows: [], events: [] };
}
