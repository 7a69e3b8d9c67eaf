import { z } from 'zod';
import { projectNamePattern } from '../config/project-name.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { NotFoundError } from '../errors/not-found-error.ts';
import type { ModelCard } from '../model/model-card.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { readJsonIfExists, writeJson } from '../store/json-object.ts';

/** Folder of the champion pointers, one per project: `champions/<name>.json`. */
export const CHAMPIONS_PREFIX = 'champions/';
/**
 * The single champion pointer of stores written before champions belonged to projects. Read as the champion of the
 * project named on its model's card until that project's own pointer exists; never written, never deleted.
 */
export const LEGACY_CHAMPION_KEY = 'models/champion.json';
/** The champion history of the single-pointer layout (read with {@link LEGACY_CHAMPION_KEY}). */
export const LEGACY_CHAMPION_HISTORY_KEY = 'models/champion-history.json';
/** How many past champions a project's history keeps. */
export const CHAMPION_HISTORY_LIMIT = 50;

const championPointerSchema = z.object({
  modelId: z.string().min(1),
  previousId: z.string().min(1).nullable(),
  promotedAt: z.string(),
  reason: z.string(),
});

/** A project's champion pointer `champions/<name>.json`. */
export type ChampionPointer = z.infer<typeof championPointerSchema>;

const championHistorySchema = z.object({ champions: z.array(z.string().min(1)) });

/** Where a model's card lives; a model exists for the registry once its card (the artifact's marker) exists. */
export function modelCardKey(modelId: string): string {
  if (!/^[A-Za-z0-9_][\w.-]*$/.test(modelId)) {
    throw new BadInputError(`invalid model id "${modelId}"`, { value: modelId, details: [{ path: 'modelId', issue: 'not a plain id' }] });
  }
  return `models/${modelId}/card.json`;
}

/** A model's card; NotFoundError naming the key when the model (its card, the artifact's marker) does not exist. */
export async function readModelCard(store: BlobStore, modelId: string): Promise<ModelCard> {
  const key = modelCardKey(modelId);
  const card = await readJsonIfExists<ModelCard>(store, key);
  if (card === undefined) throw new NotFoundError(`model ${modelId} not found: no ${key} in ${store.uri}`, { value: modelId });
  return card;
}

/**
 * Checks a project name (the config's `name`) before it becomes part of a key: one plain key segment (see
 * `projectNamePattern`), so it can neither leave `champions/` nor collide with the history keys, which hold a slash.
 * BadInputError quoting it otherwise.
 */
export function assertProjectName(project: string): string {
  if (!projectNamePattern.test(project)) {
    throw new BadInputError(`invalid project name "${project}": 1 to 64 letters, digits, _, - or ., not starting with - or . nor ending in - or .`, {
      value: project,
      details: [{ path: 'name', issue: 'not a plain project name' }],
    });
  }
  return project;
}

/** Key of a project's champion pointer; replaced in one put, so readers see the old champion or the new one. */
export function championKey(project: string): string {
  return `${CHAMPIONS_PREFIX}${assertProjectName(project)}.json`;
}

/** Key of a project's champion stack (oldest first, the current champion last) that lets rollbacks go back repeatedly. */
export function championHistoryKey(project: string): string {
  return `${CHAMPIONS_PREFIX}history/${assertProjectName(project)}.json`;
}

/** Where a project's champion was read from: its own pointer, or the single pointer of the older layout. */
type ChampionSource = 'project' | 'legacy';

interface ResolvedChampion {
  readonly pointer: ChampionPointer;
  readonly source: ChampionSource;
}

/**
 * The current champion of `project` (a config's `name`), or undefined when none of its models has been promoted.
 * A store of the older layout (only `models/champion.json`) has that pointer read as the champion of the project
 * named on its model's card.
 */
export async function readChampion(store: BlobStore, project: string): Promise<ChampionPointer | undefined> {
  return (await resolveChampion(store, project))?.pointer;
}

/**
 * The projects that have a champion in `store`, sorted: one per `champions/<name>.json`, plus the project of an
 * older layout's `models/champion.json`.
 */
export async function listChampionProjects(store: BlobStore): Promise<string[]> {
  const projects = new Set<string>();
  for (const key of await store.list(CHAMPIONS_PREFIX)) {
    const match = /^champions\/([^/]+)\.json$/.exec(key);
    if (match?.[1] !== undefined && projectNamePattern.test(match[1])) projects.add(match[1]);
  }
  const legacy = await readLegacyPointer(store);
  if (legacy !== undefined) {
    const project = await readCardName(store, legacy.modelId);
    if (project !== undefined) projects.add(project);
  }
  return [...projects].sort();
}

/**
 * The project whose champion a command acts on: `project` when given, else the only project with a champion in
 * `store`. NotFoundError when the store has no champion at all, BadInputError listing the projects when it has
 * several (the caller names one: a config's `name`).
 */
export async function resolveChampionProject(store: BlobStore, project: string | undefined): Promise<string> {
  if (project !== undefined) return assertProjectName(project);
  const projects = await listChampionProjects(store);
  if (projects.length === 1) return projects[0] as string;
  if (projects.length === 0) throw new NotFoundError(`no champion in ${store.uri}: train and promote a model first`, { value: 'champion' });
  throw new BadInputError(
    `${store.uri} holds the champions of several projects (${projects.join(', ')}): name one with --config FILE (its name) or --project NAME`,
    { value: '--project', details: [{ path: '--project', issue: `one of ${projects.join(', ')}` }] },
  );
}

/** What `writeChampionPointer` needs. */
export interface WriteChampionOptions {
  /** The project (a config's `name`) whose champion this becomes; the model's card must carry the same name. */
  readonly project: string;
  readonly modelId: string;
  /** Why this model is champion, kept in the pointer. */
  readonly reason: string;
  /** Promotion time. @default new Date() */
  readonly now?: Date;
}

/**
 * Points `project`'s champion at `modelId` (the previous champion becomes `previousId`) in one put; other projects'
 * champions are not touched. Refuses, with NotFoundError, a model whose card is missing, so the pointer never points
 * at nothing, and with BadInputError a model of another project. Promoting the current champion again changes
 * nothing and returns the current pointer. A project still on the older layout's pointer moves to its own pointer
 * (with its history). Not safe against concurrent promoters of one project: the workflow serialises promotions.
 */
export async function writeChampionPointer(
  store: BlobStore,
  { project, modelId, reason, now = new Date() }: WriteChampionOptions,
): Promise<ChampionPointer> {
  assertProjectName(project);
  await assertModelOfProject(store, modelId, project);
  const resolved = await resolveChampion(store, project);
  const current = resolved?.pointer;
  if (current?.modelId === modelId && resolved?.source === 'project') return current;
  if (current?.modelId === modelId) {
    // Promoting the older layout's champion again: only its key changes.
    await commit(store, project, current, reconcileHistory(await readHistory(store, project, 'legacy'), current));
    return current;
  }
  const champions = reconcileHistory(await readHistory(store, project, resolved?.source ?? 'project'), current);
  champions.push(modelId);
  const pointer: ChampionPointer = { modelId, previousId: current?.modelId ?? null, promotedAt: now.toISOString(), reason };
  await commit(store, project, pointer, champions);
  return pointer;
}

/** What `rollbackChampion` needs. */
export interface RollbackChampionOptions {
  /** The project whose champion goes back. */
  readonly project: string;
  /** Why, kept in the pointer. @default `rollback from <current champion>` */
  readonly reason?: string;
  /** @default new Date() */
  readonly now?: Date;
}

/**
 * Restores `project`'s previous champion; its own `previousId` becomes the champion before it, so repeated rollbacks
 * walk back through the history. BadInputError when there is no previous champion, NotFoundError when its card is gone.
 */
export async function rollbackChampion(store: BlobStore, { project, reason, now = new Date() }: RollbackChampionOptions): Promise<ChampionPointer> {
  const resolved = await resolveChampion(store, project);
  const current = resolved?.pointer;
  if (current === undefined) throw new BadInputError(`project ${project} has no champion to roll back: promote a model first`, { value: project });
  if (current.previousId === null) {
    throw new BadInputError(`champion ${current.modelId} of project ${project} has no previous champion to roll back to`, { value: current.modelId });
  }
  await assertModelExists(store, current.previousId);
  const champions = reconcileHistory(await readHistory(store, project, resolved?.source ?? 'project'), current);
  champions.pop();
  const pointer: ChampionPointer = {
    modelId: current.previousId,
    previousId: champions.at(-2) ?? null,
    promotedAt: now.toISOString(),
    reason: reason ?? `rollback from ${current.modelId}`,
  };
  await commit(store, project, pointer, champions);
  return pointer;
}

async function resolveChampion(store: BlobStore, project: string): Promise<ResolvedChampion | undefined> {
  const key = championKey(project);
  const raw = await readJsonIfExists<unknown>(store, key);
  if (raw !== undefined) return { pointer: parseOrThrow(championPointerSchema, raw, key), source: 'project' };
  const legacy = await readLegacyPointer(store);
  if (legacy === undefined) return undefined;
  // The older pointer belongs to whichever project trained its model; a model whose card is gone belongs to none.
  return (await readCardName(store, legacy.modelId)) === project ? { pointer: legacy, source: 'legacy' } : undefined;
}

async function readLegacyPointer(store: BlobStore): Promise<ChampionPointer | undefined> {
  const raw = await readJsonIfExists<unknown>(store, LEGACY_CHAMPION_KEY);
  return raw === undefined ? undefined : parseOrThrow(championPointerSchema, raw, LEGACY_CHAMPION_KEY);
}

async function readCardName(store: BlobStore, modelId: string): Promise<string | undefined> {
  const card = await readJsonIfExists<{ name?: unknown }>(store, modelCardKey(modelId));
  return typeof card?.name === 'string' ? card.name : undefined;
}

async function assertModelExists(store: BlobStore, modelId: string): Promise<void> {
  const key = modelCardKey(modelId);
  if (!(await store.exists(key))) {
    throw new NotFoundError(`model ${modelId} not found: no ${key} in ${store.uri}`, { value: modelId });
  }
}

/**
 * Checks that `modelId` exists (NotFoundError) and was trained for `project`, i.e. its card carries that name
 * (BadInputError naming both projects otherwise): a project's champion is always one of its own models.
 */
export async function assertModelOfProject(store: BlobStore, modelId: string, project: string): Promise<void> {
  // One read of the card: readModelCard is the existence check (NotFoundError) and gives the name.
  const card: { name?: unknown } = await readModelCard(store, modelId);
  const name = typeof card.name === 'string' ? card.name : undefined;
  if (name !== project) {
    throw new BadInputError(`model ${modelId} belongs to project ${name ?? '(unnamed)'} (its card's name), not to ${project}: promote it as a champion of ${name ?? 'its own project'}`, {
      value: modelId,
      details: [{ path: `${modelCardKey(modelId)}:name`, issue: `is ${JSON.stringify(name ?? null)}, expected ${JSON.stringify(project)}` }],
    });
  }
}

async function readHistory(store: BlobStore, project: string, source: ChampionSource): Promise<string[]> {
  const key = source === 'legacy' ? LEGACY_CHAMPION_HISTORY_KEY : championHistoryKey(project);
  const raw = await readJsonIfExists<unknown>(store, key);
  return raw === undefined ? [] : parseOrThrow(championHistorySchema, raw, key).champions;
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

async function commit(store: BlobStore, project: string, pointer: ChampionPointer, champions: readonly string[]): Promise<void> {
  await writeJson(store, championKey(project), pointer);
  await writeJson(store, championHistoryKey(project), { champions: champions.slice(-CHAMPION_HISTORY_LIMIT) });
}

function parseOrThrow<T>(schema: z.ZodType<T>, raw: unknown, key: string): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ path: `${key}:${issue.path.join('.')}`, issue: issue.message }));
  throw new BadInputError(`${key} is malformed: ${details.map((d) => `${d.path} ${d.issue}`).join('; ')}`, { value: key, details });
}
