import { randomBytes } from 'node:crypto';
import type * as tf from '@tensorflow/tfjs';
import { NotFoundError } from '../errors/not-found-error.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import type { Preprocessor } from '../features/preprocessor.ts';
import { readChampion, resolveChampionProject } from '../registry/champion.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { FileStore } from '../store/file-store.ts';
import { readJson, readJsonIfExists } from '../store/json-object.ts';
import { isArtifactComplete, writeArtifact } from '../store/write-artifact.ts';
import type { ModelCard, ModelMetricsFile } from './model-card.ts';
import { deserializeNetwork, serializeNetwork } from './serialize-network.ts';
import { stabilityFileName, type StabilityBaseline } from './stability-baseline.ts';

/** A model ready to score: the serving graph, its preprocessor and its card. The caller disposes `network`. */
export interface LoadedModel {
  readonly modelId: string;
  readonly card: ModelCard;
  readonly preprocessor: Preprocessor;
  readonly network: tf.LayersModel;
  /** The training population's binned distributions (`stability.json`); absent for models saved before it. */
  readonly stability?: StabilityBaseline;
}

const cardName = 'card.json';

/** The store folder of a model. */
export function modelFolder(modelId: string): string {
  return `models/${modelId}`;
}

/** A new, sortable, unique model id: `<name>-<UTC time>-<6 hex>`. */
export function createModelId(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${name}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * Writes `models/<id>/`: model.json + weights.bin (the serving graph, loadable with plain `tf.loadLayersModel`),
 * preprocessor.json, metrics.json and card.json last, so a reader never sees half a model.
 */
export async function saveModel(
  store: BlobStore,
  args: { card: ModelCard; network: tf.LayersModel; preprocessor: Preprocessor; metrics: ModelMetricsFile; stability?: StabilityBaseline },
): Promise<string> {
  const { modelJson, weights } = await serializeNetwork(args.network);
  const folder = modelFolder(args.card.modelId);
  await writeArtifact(
    store,
    folder,
    [
      { name: 'model.json', body: modelJson },
      { name: 'weights.bin', body: weights },
      { name: 'preprocessor.json', body: `${JSON.stringify(args.preprocessor, null, 2)}\n` },
      { name: 'metrics.json', body: `${JSON.stringify(args.metrics, null, 2)}\n` },
      ...(args.stability === undefined ? [] : [{ name: stabilityFileName, body: `${JSON.stringify(args.stability)}\n` }]),
    ],
    { name: cardName, body: `${JSON.stringify(args.card, null, 2)}\n` },
  );
  return `${store.uri.replace(/\/+$/, '')}/${folder}`;
}

/** Loads a complete model folder (`folder` = `models/<id>`, or '' for a folder holding the files themselves). */
export async function loadModelFolder(store: BlobStore, folder: string): Promise<LoadedModel> {
  const prefix = folder === '' ? '' : `${folder}/`;
  if (!(await store.exists(`${prefix}${cardName}`))) {
    throw new NotFoundError(`no complete model at ${store.uri}/${folder} (card.json is missing)`, { value: folder });
  }
  const card = await readJson<ModelCard>(store, `${prefix}${cardName}`);
  const preprocessor = await readJson<Preprocessor>(store, `${prefix}preprocessor.json`);
  const modelJson = (await store.get(`${prefix}model.json`)).toString('utf8');
  const weights = await store.get(`${prefix}weights.bin`);
  const network = await deserializeNetwork({ modelJson, weights });
  const stability = await readJsonIfExists<StabilityBaseline>(store, `${prefix}${stabilityFileName}`);
  return { modelId: card.modelId, card, preprocessor, network, ...(stability === undefined ? {} : { stability }) };
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /**
   * The project (a config's `name`) whose champion `champion` means.
   * @default the only project with a champion in the store (an error names them when there are several)
   */
  readonly project?: string;
}

/**
 * Resolves `--model ID|champion|PATH`: `champion` follows the project's pointer `champions/<name>.json`, an id names
 * `models/<id>`, and anything that looks like a path (has a slash or starts with a dot) is a local folder with the
 * model files.
 */
export async function loadModel(store: BlobStore, reference: string, { project }: LoadModelOptions = {}): Promise<LoadedModel> {
  if (reference === 'champion') {
    const name = await resolveChampionProject(store, project);
    const pointer = await readChampion(store, name);
    if (pointer === undefined) throw new NotFoundError(`no champion of project ${name} in ${store.uri}: train and promote a model first`, { value: reference });
    return loadModelFolder(store, modelFolder(pointer.modelId));
  }
  if (reference.includes('/') || reference.startsWith('.')) return loadModelFolder(new FileStore(reference), '');
  if (!/^[A-Za-z0-9_][\w.-]*$/.test(reference)) throw new BadInputError(`invalid model id "${reference}"`, { value: reference });
  if (!(await isArtifactComplete(store, modelFolder(reference), cardName))) {
    throw new NotFoundError(`model "${reference}" not found in ${store.uri}`, { value: reference });
  }
  return loadModelFolder(store, modelFolder(reference));
}

/** A model's metrics file (metrics and learning curve). */
export function readModelMetrics(store: BlobStore, modelId: string): Promise<ModelMetricsFile> {
  return readJson<ModelMetricsFile>(store, `${modelFolder(modelId)}/metrics.json`);
}
