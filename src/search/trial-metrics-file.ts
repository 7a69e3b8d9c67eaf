import type { ModelMetrics } from '../metrics/evaluation.ts';
import type { BackendName } from '../model/backend.ts';
import { summarizeTaskDiagnostics, type TaskDiagnostics, type TaskWeightSnapshot } from '../train/task-diagnostics-summary.ts';
import type { TaskCurves, TrainedCandidate } from '../train/train-candidate.ts';
import type { EpochRecord } from '../train/training-state.ts';

/** `runs/<runId>/trials/<trialId>/metrics.json` after a worker ran a trial (to its rung or to the end). */
export interface TrialMetricsFile {
  readonly trialId: string;
  /** `paused`: stopped at `untilEpoch`, more epochs possible; `completed`: all epochs trained or early-stopped. */
  readonly state: 'paused' | 'completed';
  readonly epochsDone: number;
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  readonly metrics: ModelMetrics;
  readonly history: readonly EpochRecord[];
  /** Each epoch's effective task loss weights (absent in files written before it was recorded). */
  readonly taskWeightHistory?: readonly TaskWeightSnapshot[];
  /** Gradient cosines per epoch and label correlation per task pair (absent in older files). */
  readonly diagnostics?: TaskDiagnostics;
  readonly testCurves: Readonly<Record<string, TaskCurves>>;
  /** The saved model, once the trial is completed. */
  readonly modelId: string | null;
  readonly backend: BackendName;
  readonly seconds: number;
}

/** A trained candidate's metrics.json (a trial's, or a fold copy's); `started` is when its worker began (performance.now()). */
export function trialMetricsOf(
  trialId: string,
  candidate: TrainedCandidate,
  { state, modelId, backend, started }: { readonly state: TrialMetricsFile['state']; readonly modelId: string | null; readonly backend: BackendName; readonly started: number },
): TrialMetricsFile {
  const { training } = candidate;
  return {
    trialId,
    state,
    epochsDone: training.history.length,
    bestEpoch: training.bestEpoch,
    stoppedEarly: training.stoppedEarly,
    metrics: candidate.metrics,
    history: training.history,
    ...summarizeTaskDiagnostics(training.history, candidate.labelCorrelation),
    testCurves: candidate.testCurves,
    modelId,
    backend,
    seconds: (performance.now() - started) / 1000,
  };
}
