import type { LoadedModel } from '../model/model-artifacts.ts';

/**
 * Request bytes allowed per field of a row (`"a_feature_name_of_60_characters": "or a value of 60",` fits): a
 * measured demo row of the shop model averages ≈ 27 bytes per field, so this leaves room for long names and values.
 */
export const BODY_BYTES_PER_FIELD = 128;
/** Request bytes allowed per row on top of its fields (braces, commas, whitespace, an unknown field or two). */
export const BODY_BYTES_PER_ROW = 256;
/** The smallest body limit, whatever the model: 1 MiB. */
export const MIN_BODY_BYTES = 1 << 20;
/** The largest body limit, whatever the model: 32 MiB (JSON.parse of it takes a fraction of a second). */
export const MAX_BODY_BYTES = 32 << 20;

/**
 * The request body limit for a model: `maxRows × (BODY_BYTES_PER_ROW + BODY_BYTES_PER_FIELD × fields)` bytes, where
 * `fields` counts the model's feature columns and its id column, clamped to [1 MiB, 32 MiB]. So the documented
 * batch of `maxRows` rows always fits (SPEC §7: "large enough for 1000 rows of the model's width"): 1000 rows of an
 * 80-feature model may send 10.6 MB. Without a model, the 1 MiB floor.
 */
export function bodyLimitForModel(model: LoadedModel | undefined, maxRows: number): number {
  if (model === undefined) return MIN_BODY_BYTES;
  const fields = model.card.features.length + (model.card.idColumn === null ? 0 : 1);
  const budget = maxRows * (BODY_BYTES_PER_ROW + BODY_BYTES_PER_FIELD * fields);
  return Math.min(MAX_BODY_BYTES, Math.max(MIN_BODY_BYTES, budget));
}
