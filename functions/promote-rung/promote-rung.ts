import { findAshaPromotion } from '../../src/search/asha.ts';
import { runKey, trialFolder } from '../../src/search/run-keys.ts';
import type { LeaderboardRow } from '../../src/search/run-record.ts';
import type { StoredRun, TrialLogEvent } from '../../src/search/stored-run.ts';
import type { TrialMetricsFile } from '../../src/search/trial-metrics-file.ts';
import { writeTrialSpecs } from '../../src/search/trial-ref.ts';
import { trialSpecOf, type TrialSpec } from '../../src/search/trial-spec.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import { readJson, writeJson } from '../../src/store/json-object.ts';
import { readTaskDiagnostics } from '../../src/train/task-diagnostics-summary.ts';
import type { RungResults, RungState } from '../workflow-state.ts';
import { WorkflowStepError } from '../workflow-step-error.ts';

type MutableRow = { -readonly [K in keyof LeaderboardRow]: LeaderboardRow[K] };

/**
 * The workflow's promote-rung step: records each trial of the rung that just ran (its metrics.json, or the error the
 * Map's Catch kept — a trial that failed for good is `failed` and the search goes on; see TrialResult for what the
 * Map returns), then picks the next rung's trials with ASHA (the best 1/η of each rung, at least one, since every
 * trial of a rung has finished), writing their specs to the store. Returns the next rung (its trials by reference),
 * or `done` when no trial goes on.
 */
export async function promoteRung(store: BlobStore, input: RungResults, now: () => Date = () => new Date()): Promise<RungState> {
  if (!Array.isArray(input.results)) throw new WorkflowStepError('promote-rung: the event needs the Map\'s "results" array', { value: input });
  const run = await readJson<StoredRun>(store, runKey(input.runId, 'run.json'));
  const rows = new Map((await readJson<MutableRow[]>(store, runKey(run.runId, 'leaderboard.json'))).map((row) => [row.trialId, row]));
  const events = await readJson<TrialLogEvent[]>(store, runKey(run.runId, 'trial-log.json'));
  const at = now().toISOString();
  const topRung = Math.max(run.rungs.length - 1, 0);

  const refs = new Map((Array.isArray(input.trials) ? input.trials : []).map((ref) => [ref.trialId, ref]));
  for (const result of input.results) {
    const trialId = typeof result === 'string' ? result : result.trialId;
    const row = rows.get(trialId);
    if (row === undefined) throw new WorkflowStepError(`promote-rung: trial ${trialId} is not in run ${run.runId}`, { value: trialId });
    // A trained trial comes back as its id alone: its rung's epoch is in its reference, in the state's trials.
    const untilEpoch = typeof result === 'string' ? refs.get(trialId)?.untilEpoch : result.untilEpoch;
    if (untilEpoch === undefined) throw new WorkflowStepError(`promote-rung: trial ${trialId} is not in the rung's trials`, { value: trialId });
    // The baseline trains all its epochs in one job, so it lands on the top rung.
    const rung = row.baseline ? topRung : input.rung;
    const error = typeof result === 'string' ? undefined : result.error;
    if (error !== undefined) {
      const message = `${error.Error}${error.Cause === undefined ? '' : `: ${error.Cause}`}`;
      Object.assign(row, { status: 'failed', error: message });
      events.push({ at, trialId: row.trialId, event: 'failed', attempt: row.attempts, rung, untilEpoch, error: message });
      continue;
    }
    const metrics = await readJson<TrialMetricsFile>(store, `${trialFolder(run.runId, row.trialId)}/metrics.json`);
    Object.assign(row, {
      metrics: metrics.metrics,
      ...readTaskDiagnostics(metrics),
      epochs: metrics.epochsDone,
      rung,
      rungScores: [...row.rungScores.slice(0, rung), metrics.metrics.validation.combinedScore],
      modelId: metrics.modelId,
      status: metrics.state === 'completed' ? 'completed' : 'running',
    });
    events.push({ at, trialId: row.trialId, event: 'finished', attempt: row.attempts, rung, untilEpoch });
  }

  const next: TrialSpec[] = [];
  if (run.strategy === 'asha') {
    const busy = new Set<string>();
    for (;;) {
      const candidates = [...rows.values()]
        .filter((row) => !row.baseline)
        .map((row) => ({ trialId: row.trialId, rungScores: row.rungScores, busy: busy.has(row.trialId), finished: row.status !== 'running' }));
      const promotion = findAshaPromotion(candidates, run.rungs.length, run.settings.asha.eta, { finishing: true });
      if (promotion === undefined) break;
      busy.add(promotion.trialId);
      const row = rows.get(promotion.trialId) as MutableRow;
      row.attempts += 1;
      const spec = trialSpecOf(run, row, run.rungs[promotion.toRung] as number);
      next.push(spec);
      events.push({ at, trialId: row.trialId, event: 'launched', attempt: row.attempts, rung: promotion.toRung, untilEpoch: spec.untilEpoch as number });
    }
  }

  const totalEpochs = [...rows.values()].reduce((sum, row) => sum + row.epochs, 0);
  const nextRefs = await writeTrialSpecs(store, next);
  await writeJson(store, runKey(run.runId, 'leaderboard.json'), [...rows.values()]);
  await writeJson(store, runKey(run.runId, 'trial-log.json'), events);
  await writeJson(store, runKey(run.runId, 'run.json'), { ...run, updatedAt: at, totalEpochs });
  return { runId: run.runId, rung: input.rung + 1, trials: nextRefs, done: nextRefs.length === 0 };
}
