import { loadDataset } from '../data/load-dataset.ts';
import type { BackendName } from '../model/backend.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { writeJson } from '../store/json-object.ts';
import { storeFittedInputsCache } from '../train/fitted-inputs-cache.ts';
import { saveCandidateAsModel } from '../train/train-and-save.ts';
import { trainCandidate } from '../train/train-candidate.ts';
import type { EpochRecord } from '../train/training-state.ts';
import { deleteTrainingCheckpoint, loadTrainingCheckpoint, saveTrainingCheckpoint } from '../train/training-checkpoint.ts';
import { disposeTrainingState } from '../train/training-state.ts';
import { runFoldCopy } from './run-fold-copy.ts';
import { fittedInputsFolder, trialFolder } from './run-keys.ts';
import { trialMetricsOf, type TrialMetricsFile } from './trial-metrics-file.ts';
import { candidateArgsOf, type TrialSpec } from './trial-spec.ts';

/**
 * The trial entrypoint shared by `tandem search`'s worker processes and the trainer container: loads the dataset,
 * resumes from the trial's checkpoint if one exists, trains to `untilEpoch`, writes config.json, metrics.json and a
 * new checkpoint, and — once the trial has trained all its epochs or stopped early — saves it as a model. A spec with
 * `fold` trains that fold copy instead ({@link runFoldCopy}).
 */
export async function runTrial(
  store: BlobStore,
  spec: TrialSpec,
  { backend, onEpoch, now = () => new Date() }: { backend: BackendName; onEpoch?: (record: EpochRecord) => void; now?: () => Date },
): Promise<TrialMetricsFile> {
  const { fold } = spec;
  if (fold !== undefined) return runFoldCopy(store, { ...spec, fold }, { backend, now, ...(onEpoch === undefined ? {} : { onEpoch }) });
  const started = performance.now();
  const folder = trialFolder(spec.runId, spec.trialId);
  await writeJson(store, `${folder}/config.json`, spec);
  const dataset = await loadDataset(store, spec.datasetId);
  const { manifest } = dataset;
  const checkpoint = await loadTrainingCheckpoint(store, `${folder}/checkpoint`);
  const untilEpoch = Math.min(spec.untilEpoch ?? spec.params.epochs, spec.params.epochs);
  const candidate = await trainCandidate({
    ...candidateArgsOf(spec, dataset),
    untilEpoch,
    keepState: true,
    inputsCache: storeFittedInputsCache(store, fittedInputsFolder(spec.runId)),
    ...(checkpoint === undefined ? {} : { resume: checkpoint }),
    ...(onEpoch === undefined ? {} : { onEpoch }),
  }).finally(() => disposeTrainingState(checkpoint));
  try {
    const { training } = candidate;
    const completed = training.stoppedEarly || training.history.length >= spec.params.epochs;
    if (training.state !== undefined && !completed) await saveTrainingCheckpoint(store, `${folder}/checkpoint`, training.state);
    if (completed) await deleteTrainingCheckpoint(store, `${folder}/checkpoint`);
    const modelId = completed ? `${spec.runId}-${spec.trialId}` : null;
    if (modelId !== null) {
      await saveCandidateAsModel(store, candidate, {
        modelId,
        name: spec.name,
        manifest,
        params: spec.params,
        backend,
        createdAt: now(),
        ...(spec.segments === undefined ? {} : { segments: spec.segments }),
      });
    }
    const result = trialMetricsOf(spec.trialId, candidate, { state: completed ? 'completed' : 'paused', modelId, backend, started });
    await writeJson(store, `${folder}/metrics.json`, result);
    return result;
  } finally {
    disposeTrainingState(candidate.training.state);
    candidate.network.training.dispose();
    candidate.network.serving.dispose();
  }
}
