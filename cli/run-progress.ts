import type { WorkflowStateEvent } from '../workflows/run-locally.ts';
import type { CommandContext } from './command.ts';

/** What a trial's worker left when it ended well: its metrics file's gist. */
export interface TrialOutcome {
  /** `completed`: all its epochs (or stopped early); `paused`: reached its ASHA rung, may be promoted. */
  readonly state: 'completed' | 'paused';
  readonly epochsDone: number;
  readonly validationScore: number | null;
}

/** The narrator of a local `tandem run`: state transitions, trial results and a progress line, on stderr. */
export interface RunProgress {
  /** The plan step created the run. */
  onRun(run: { readonly runId: string; readonly trials: number }): void;
  onState(event: WorkflowStateEvent): void;
  trialStarted(trialId: string, arch: string, untilEpoch: number): void;
  trialFinished(trialId: string, outcome: TrialOutcome): void;
  trialFailed(trialId: string, error: string, interrupted: boolean): void;
  /** Ends the progress line (TTY) and stops its clock. */
  done(): void;
}

/** The Map's catch state of a trial that failed for good (workflowStateNames.trialFailed and its Distributed twin). */
const trialFailedStates = new Set(['TrialFailed', 'TrialFailedDistributed']);

/** States that decide and pass on (Choice, Pass): one line when entered, no duration. */
const instantTypes = new Set(['Choice', 'Pass', 'Succeed', 'Fail', 'Wait']);

/**
 * Creates the narrator of a local `tandem run`. Lines: the run id (first, when the plan step creates it), each
 * top-level state entered and succeeded or failed (with its duration; a rung's Map with its trial count), each
 * trial started and ended (id, architecture, validation combined score, status, duration), and after each trial
 * the progress: trial jobs done / planned so far (ASHA adds each rung's jobs as the rung starts), elapsed time and
 * an estimate of the time left from the throughput so far. On a terminal the progress is one line at the bottom,
 * rewritten (and ticking each second); otherwise a plain `progress:` line after each trial.
 */
export function createRunProgress(
  { log, interactive, writeProgress }: Pick<CommandContext, 'log' | 'interactive' | 'writeProgress'>,
  now: () => number = () => Date.now(),
): RunProgress {
  const startedAt = now();
  let planned = 0;
  let done = 0;
  let runId: string | undefined;
  let firstTrialAt: number | undefined;
  const trials = new Map<string, { arch: string; startedAt: number }>();
  let drawn = false;
  let ticker: NodeJS.Timeout | undefined;

  const progressLine = (): string => {
    const elapsed = (now() - startedAt) / 1000;
    const trialSeconds = firstTrialAt === undefined ? 0 : (now() - firstTrialAt) / 1000;
    const left = done > 0 && planned > done ? `, about ${formatSeconds(((planned - done) * trialSeconds) / done)} left` : '';
    return `trials ${done}/${planned} done, ${formatSeconds(elapsed)} elapsed${left}${runId === undefined ? '' : ` (run ${runId})`}`;
  };
  const redraw = (): void => {
    if (!interactive || planned === 0) return;
    writeProgress(`\r${progressLine()}\x1b[K`);
    drawn = true;
  };
  const say = (line: string): void => {
    if (drawn) writeProgress('\r\x1b[K');
    drawn = false;
    log(line);
    redraw();
  };
  // On a terminal `say` has redrawn the progress line already.
  const progress = (): void => {
    if (interactive) redraw();
    else log(`progress: ${progressLine()}`);
  };

  return {
    onRun: (run) => {
      runId = run.runId;
      say(`run ${run.runId}: a first rung of ${run.trials} trials (the fixed ones — the single baseline, and as configured the default recipe and the linear model — then the sampled)`);
      if (interactive) ticker ??= setInterval(redraw, 1000).unref();
    },
    onState: (event) => {
      // Inside a rung's Map the trial lines tell the story; a trial caught after its retry is done, as failed.
      if (event.index !== undefined) {
        if (event.kind === 'entered' && trialFailedStates.has(event.state)) {
          done++;
          progress();
        }
        return;
      }
      if (event.kind === 'entered') {
        if (event.items !== undefined) planned += event.items;
        say(`state ${event.state} entered${event.items === undefined ? '' : `: ${event.items} trial${event.items === 1 ? '' : 's'}`}`);
      } else if (event.kind === 'succeeded') {
        if (!instantTypes.has(event.type)) say(`state ${event.state} succeeded in ${formatSeconds(event.seconds ?? 0)}`);
      } else if (event.kind === 'failed') {
        say(`state ${event.state} failed after ${formatSeconds(event.seconds ?? 0)}${event.error === undefined ? '' : `: ${event.error}`}`);
      } else {
        say(`state ${event.state} ${event.kind === 'retried' ? 'retried' : 'failed; caught'}`);
      }
    },
    trialStarted: (trialId, arch, untilEpoch) => {
      firstTrialAt ??= now();
      trials.set(trialId, { arch, startedAt: now() });
      say(`${trialId} started: ${arch}, to epoch ${untilEpoch}`);
    },
    trialFinished: (trialId, outcome) => {
      done++;
      const trial = trials.get(trialId);
      const status = outcome.state === 'completed' ? 'completed' : 'paused at its rung';
      const score = outcome.validationScore === null ? 'n/a' : outcome.validationScore.toFixed(4);
      say(`${trialId} ${status}: ${trial?.arch ?? '?'}, validation combined score ${score}, ${outcome.epochsDone} epoch${outcome.epochsDone === 1 ? '' : 's'}${trial === undefined ? '' : ` in ${formatSeconds((now() - trial.startedAt) / 1000)}`}`);
      if (!interactive) progress();
    },
    trialFailed: (trialId, error, interrupted) => {
      const trial = trials.get(trialId);
      say(interrupted ? `${trialId} interrupted: ${trial?.arch ?? '?'}` : `${trialId} failed: ${trial?.arch ?? '?'}: ${error}`);
    },
    done: () => {
      clearInterval(ticker);
      if (drawn) writeProgress('\n');
      drawn = false;
    },
  };
}

/** `42s`, `3m05s`, `1h02m`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
