import { z } from 'zod';
import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJsonIfExists, writeJson } from '../store/json-object.ts';

/** Key of the champion pointer; replaced in one put, so readers see the old champion or the new one. */
export const CHAMPION_KEY = 'models/champion.json';
/** Key of the champion stack (oldest first, the current champion last) that lets rollbacks go back repeatedly. */
export const CHAMPION_HISTORY_KEY = 'models/champion-history.json';
/** How many past champions the history keeps. */
export const CHAMPION_HISTORY_LIMIT = 50;

const championPointerSchema = z.object({
  modelId: z.string().min(1),
  previousId: z.string().min(1).nullable(),
  promotedAt: z.string(),
  reason: z.string(),
});

/** The champion pointer `models/champion.json`. */
export type ChampionPointer = z.infer<typeof championPointerSchema>;

const championHistorySchema = z.object({ champions: z.array(z.string().min(1)) });

/** Where a model's card lives; a model exists for the registry once its card (the artifact's marker) exists. */
export function modelCardKey(modelId: string): string {
  if (!/^[A-Za-z0-9][\w.-]*$/.test(modelId)) {
    throw new BadInputError(`invalid model id "${modelId}"`, { value: modelId, details: [{ path: 'modelId', issue: 'not a plain id' }] });
  }
  return `models/${modelId}/card.json`;
}

/** The current champion pointer, or undefined when no model has been promoted yet. */
export async function readChampion(store: BlobStore): Promise<ChampionPointer | undefined> {
  const raw = await readJsonIfExists<unknown>(store, CHAMPION_KEY);
  return raw === undefined ? undefined : parseOrThrow(championPointerSchema, raw, CHAMPION_KEY);
}

/** What `writeChampionPointer` needs. */
export interface WriteChampionOptions {
  readonly modelId: string;
  /** Why this model is champion, kept in the pointer. */
  readonly reason: string;
  /** Promotion time. @default new Date() */
  readonly now?: Date;
}

/**
 * Points the champion at `modelId` (the previous champion becomes `previousId`) in one put. Refuses, with
 * NotFoundError, a model whose card is missing, so the pointer never points at nothing. Promoting the current
 * champion again changes nothing and returns the current pointer. Not safe against concurrent promoters: the
 * workflow serialises promotions.
 */
export async function writeChampionPointer(
  store: BlobStore,
  { modelId, reason, now = new Date() }: WriteChampionOptions,
): Promise<ChampionPointer> {
  await assertModelExists(store, modelId);
  const current = await readChampion(store);
  if (current?.modelId === modelId) return current;
  const champions = reconcileHistory(await readHistory(store), current);
  champions.push(modelId);
  const pointer: ChampionPointer = { modelId, previousId: current?.modelId ?? null, promotedAt: now.toISOString(), reason };
  await commit(store, pointer, champions);
  return pointer;
}

/**
 * Restores the previous champion; its own `previousId` becomes the champion before it, so repeated rollbacks walk
 * back through the history. BadInputError when there is no previous champion, NotFoundError when its card is gone.
 */
export async function rollbackChampion(
  store: BlobStore,
  { reason, now = new Date() }: { readonly reason?: string; readonly now?: Date } = {},
): Promise<ChampionPointer> {
  const current = await readChampion(store);
  if (current === undefined) throw new BadInputError('no champion to roll back: promote a model first');
  if (current.previousId === null) {
    throw new BadInputError(`champion ${current.modelId} has no previous champion to roll back to`, { value: current.modelId });
  }
  await assertModelExists(store, current.previousId);
  const champions = reconcileHistory(await readHistory(store), current);
  champions.pop();
  const pointer: ChampionPointer = {
    modelId: current.previousId,
    previousId: champions.at(-2) ?? null,
    promotedAt: now.toISOString(),
    reason: reason ?? `rollback from ${current.modelId}`,
  };
  await commit(store, pointer, champions);
  return pointer;
}

async function assertModelExists(store: BlobStore, modelId: string): Promise<void> {
  const key = modelCardKey(modelId);
  if (!(await store.exists(key))) {
    throw new NotFoundError(`model ${modelId} not found: no ${key} in ${store.uri}`, { value: modelId });
  }
}

async function readHistory(store: BlobStore): Promise<string[]> {
  const raw = await readJsonIfExists<unknown>(store, CHAMPION_HISTORY_KEY);
  return raw === undefined ? [] : parseOrThrow(championHistorySchema, raw, CHAMPION_HISTORY_KEY).champions;
}

/**
 * The pointer is the truth; the history is written after it and may lag (a crash between the two puts) or be
 * missing. Cut the history back to the pointer's position, or append the pointer's champions to it.
 */
function reconcileHistory(history: readonly string[], current: ChampionPointer | undefined): string[] {
  if (current === undefined) return [];
  if (current.previousId === null) return [current.modelId];
  for (let index = history.length - 1; index > 0; index--) {
    if (history[index] === current.modelId && history[index - 1] === current.previousId) return history.slice(0, index + 1);
  }
  const tail = history.at(-1) === current.previousId ? [] : [current.previousId];
  return [...history, ...tail, current.modelId];
}

async function commit(store: BlobStore, pointer: ChampionPointer, champions: readonly string[]): Promise<void> {
  await writeJson(store, CHAMPION_KEY, pointer);
  await writeJson(store, CHAMPION_HISTORY_KEY, { champions: champions.slice(-CHAMPION_HISTORY_LIMIT) });
}

function parseOrThrow<T>(schema: z.ZodType<T>, raw: unknown, key: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ path: `${key}:${issue.path.join('.')}`, issue: issue.message }));
  throw new BadInputError(`${key} is malformed: ${details.map((d) => `${d.path} ${d.issue}`).join('; ')}`, { value: key, details });
}
