import { featuresSchema, type FeaturesConfig } from '../config/schema.ts';
import { BadInputError } from '../errors/bad-input-error.ts';
import { featureParamNames } from './search-space.ts';

/**
 * The features config a trial's preprocessor is fitted with (and its input embedding built from): `base` (the
 * config's `features` section) with the sample's `features.<field>` values applied (`features.numericEncoding`,
 * `features.bins`, `features.categoricalEmbedding`). A sample without them (the `single` baseline, or a space that
 * does not search them) gives `base`, with the defaults of settings it lacks (a run stored before they existed).
 * Derived from the stored sample, so a resumed or promoted trial is fitted exactly as it was first.
 *
 * @throws BadInputError naming `search.space.features.<field>` when a value is not a valid features setting.
 */
export function sampleToFeaturesConfig(sample: Readonly<Record<string, unknown>>, base: FeaturesConfig): FeaturesConfig {
  const drawn = featureParamNames.filter((name) => sample[name] !== undefined);
  const merged: Record<string, unknown> = { ...base };
  for (const name of drawn) merged[name.slice('features.'.length)] = sample[name];
  const parsed = featuresSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? '');
    return { path: `search.space.features.${field}`, issue: `gives features.${field} ${JSON.stringify(merged[field])}: ${issue.message}` };
  });
  const lines = details.map((d) => `  ${d.path}: ${d.issue}`).join('\n');
  throw new BadInputError(`the sampled parameters do not make a valid features config:\n${lines}`, { cause: parsed.error, details, value: details[0]?.path });
}
