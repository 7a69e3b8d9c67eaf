import { createHash } from 'node:crypto';
import type { FeaturesConfig, TaskSpec } from '../config/schema.ts';
import type { TreeLeavesFit } from '../features/fit-tree-leaves.ts';
import type { Preprocessor } from '../features/preprocessor.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJsonIfExists, writeJson } from '../store/json-object.ts';

/**
 * Fitted inputs (the preprocessor with its boosted-tree leaves, and the training rows' cross-fitted tree scores) kept
 * for reuse: fitting the forests is deterministic and costs more than training a small network, and a search fits
 * the same ones again for every trial that shares a features section, and at every ASHA rung a trial resumes on.
 */
export interface FittedInputsCache {
  get(key: string): Promise<TreeLeavesFit | undefined>;
  put(key: string, fit: TreeLeavesFit): Promise<void>;
}

/** What the fit depends on besides the training rows (which the cache's owner fixes: one dataset). */
export interface FittedInputsKeyParts {
  readonly featureColumns: readonly string[];
  readonly tasks: readonly TaskSpec[];
  readonly features: FeaturesConfig;
}

/** The cache key of a fit: a hash of everything besides the rows it depends on. */
export function fittedInputsKey({ featureColumns, tasks, features }: FittedInputsKeyParts): string {
  return createHash('sha256').update(JSON.stringify({ featureColumns, tasks, features })).digest('hex').slice(0, 32);
}

/** A fit as JSON: the scores as base64 of their float32 bytes, so they read back bit for bit. */
interface StoredFit {
  readonly preprocessor: Preprocessor;
  readonly trainingScores: readonly string[];
}

/**
 * A cache in `store` under `folder` (`<folder>/<key>.json`), for fits on one dataset's training rows (a search run's
 * folder: every trial of the run reads the same dataset). A missing or unreadable entry is a miss: the caller fits
 * again and overwrites it, so a write cut short costs a refit, never a wrong input.
 */
export function storeFittedInputsCache(store: BlobStore, folder: string): FittedInputsCache {
  const keyOf = (key: string): string => `${folder}/${key}.json`;
  return {
    async get(key) {
      const stored = await readJsonIfExists<StoredFit>(store, keyOf(key)).catch(() => undefined);
      if (stored === undefined || !Array.isArray(stored.trainingScores)) return undefined;
      return { preprocessor: stored.preprocessor, trainingScores: stored.trainingScores.map(decodeFloats) };
    },
    async put(key, fit) {
      await writeJson(store, keyOf(key), { preprocessor: fit.preprocessor, trainingScores: fit.trainingScores.map(encodeFloats) } satisfies StoredFit);
    },
  };
}

function encodeFloats(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

function decodeFloats(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
