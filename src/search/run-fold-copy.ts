import { loadDataset } from '../data/load-dataset.ts';
import type { BackendName } from '../model/backend.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJson, writeJson } from '../store/json-object.ts';
import { storeFittedInputsCache } from '../train/fitted-inputs-cache.ts';
import { assignFolds, trainFoldCopy } from '../train/fold-bag.ts';
import { saveCandidateAsModel } from '../train/train-and-save.ts';
import type { EpochRecord } from '../train/training-state.ts';
import { disposeEnsemble } from '../train/ensemble-candidate.ts';
import { foldCopyFolder, foldInputsFolder } from './run-keys.ts';
import { trialMetricsOf, type TrialMetricsFile } from './trial-metrics-file.ts';
import { candidateArgsOf, type TrialFold, type TrialSpec } from './trial-spec.ts';

/** `predictions.json` of a fold copy: its predictions of its fold's rows, per output `[rows × units]`, rows in pool order. */
export interface FoldCopyPredictions {
  readonly rows: number;
  readonly outputs: Readonly<Record<string, readonly number[]>>;
}

/** The saved model id of a trial's fold copy. */
export function foldCopyModelId(runId: string, trialId: string, { folds, index }: TrialFold): string {
  return `${runId}-${trialId}-fold${String(index)}of${String(folds)}`;
}

/**
 * A fold-copy trial (`spec.fold`, what the cross-fitted closing launches): the trial's candidate trained on the pooled
 * training + validation rows outside its fold (`trainFoldCopy`; the fold's fitted inputs shared with every other
 * trial's copy of it through the run's inputs folder), saved as model {@link foldCopyModelId}, with
 * `predictions.json` (its predictions of the fold's rows) and `metrics.json` (validation = the held fold) in
 * {@link foldCopyFolder}. Trained in one go: a copy has no rungs, so no checkpoint.
 */
export async function runFoldCopy(
  store: BlobStore,
  spec: TrialSpec & { readonly fold: TrialFold },
  { backend, onEpoch, now = () => new Date() }: { backend: BackendName; onEpoch?: (record: EpochRecord) => void; now?: () => Date },
): Promise<TrialMetricsFile> {
  const started = performance.now();
  const { fold } = spec;
  const folder = foldCopyFolder(spec.runId, spec.trialId, fold.folds, fold.index);
  await writeJson(store, `${folder}/config.json`, spec);
  const dataset = await loadDataset(store, spec.datasetId);
  const { manifest, splits } = dataset;
  const foldOf = assignFolds(splits.train.length + splits.validation.length, fold.folds, fold.seed);
  const copy = await trainFoldCopy(
    { ...candidateArgsOf(spec, dataset), ...(onEpoch === undefined ? {} : { onEpoch }) },
    foldOf,
    fold.index,
    storeFittedInputsCache(store, foldInputsFolder(spec.runId, fold.folds, fold.index)),
  );
  try {
    const { member } = copy;
    const modelId = foldCopyModelId(spec.runId, spec.trialId, fold);
    await saveCandidateAsModel(store, member, { modelId, name: spec.name, manifest, params: { ...spec.params, seed: spec.params.seed + fold.index }, backend, createdAt: now(), ...(spec.segments === undefined ? {} : { segments: spec.segments }) });
    const predictions: FoldCopyPredictions = { rows: copy.heldRows.length, outputs: Object.fromEntries(Object.entries(copy.predictions).map(([name, values]) => [name, Array.from(values)])) };
    await writeJson(store, `${folder}/predictions.json`, predictions);
    const result = trialMetricsOf(spec.trialId, member, { state: 'completed', modelId, backend, started });
    // Written last: a copy with metrics.json is complete (model and predictions saved), so a closing run again reuses it.
    await writeJson(store, `${folder}/metrics.json`, result);
    return result;
  } finally {
    disposeEnsemble([copy.member], undefined);
  }
}

/** A finished fold copy's metrics (undefined when the copy has not finished). */
export async function readFoldCopyMetrics(store: BlobStore, runId: string, trialId: string, fold: TrialFold): Promise<TrialMetricsFile | undefined> {
  const key = `${foldCopyFolder(runId, trialId, fold.folds, fold.index)}/metrics.json`;
  return (await store.exists(key)) ? readJson<TrialMetricsFile>(store, key) : undefined;
}
