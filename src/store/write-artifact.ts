import { BadInputError } from '../errors/bad-input-error.ts';
import type { BlobStore, PutOptions } from './blob-store.ts';
import { assertValidKey } from './file-store.ts';

/** One object of a multi-object artifact, named relative to the artifact's folder. */
export interface ArtifactFile {
  readonly name: string;
  readonly body: Buffer | Uint8Array | string;
}

/**
 * Writes a multi-object artifact (a dataset, a model) under `folder` so that it appears all at once: the marker
 * (`manifest.json` for datasets, `card.json` for models) is removed first, every file is written, then the marker
 * last. Readers that require the marker therefore never see a partial artifact. On failure the objects written so
 * far are deleted (best effort) and the error is rethrown. Every object is put with `options` (its tags). Returns the
 * keys written, marker last.
 */
export async function writeArtifact(
  store: BlobStore,
  folder: string,
  files: readonly ArtifactFile[],
  marker: ArtifactFile,
  options: PutOptions = {},
): Promise<string[]> {
  const base = folder.replace(/\/+$/, '');
  const keyOf = (name: string): string => {
    const key = `${base}/${name}`;
    assertValidKey(key);
    return key;
  };
  const markerKey = keyOf(marker.name);
  const fileKeys = files.map((file) => keyOf(file.name));
  const duplicate = [...fileKeys, markerKey].find((key, index, all) => all.indexOf(key) !== index);
  if (duplicate !== undefined) {
    throw new BadInputError(`artifact ${base} names "${duplicate}" twice`, { value: duplicate });
  }

  // Rewriting an existing artifact: hide it before its files change underneath readers.
  await store.delete(markerKey);
  const written: string[] = [];
  try {
    for (const [index, file] of files.entries()) {
      const key = fileKeys[index] as string;
      written.push(key);
      await store.put(key, file.body, options);
    }
    written.push(markerKey);
    await store.put(markerKey, marker.body, options);
  } catch (error) {
    // Marker first, so the artifact is never complete while its files are being removed.
    for (const key of written.reverse()) await store.delete(key).catch(() => undefined);
    throw error;
  }
  return [...fileKeys, markerKey];
}

/** Whether the artifact under `folder` is complete, i.e. its marker object exists. */
export async function isArtifactComplete(store: BlobStore, folder: string, markerName: string): Promise<boolean> {
  const key = `${folder.replace(/\/+$/, '')}/${markerName}`;
  assertValidKey(key);
  return store.exists(key);
}
