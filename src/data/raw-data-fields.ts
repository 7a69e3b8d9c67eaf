import { isTableConfig, type EventsDataConfig, type TandemConfig } from '../config/schema.ts';

/** The three logs of events mode, as their `data.<name>` fields name them. */
export const eventLogNames = ['customers', 'sessions', 'orders'] as const satisfies readonly (keyof EventsDataConfig)[];

/** True for an `s3://` URI (any case of the scheme). */
export function isS3Uri(value: string): boolean {
  return /^s3:\/\//i.test(value);
}

/** A config field that names a raw input file, and the path or URI it holds. */
export interface RawDataField {
  /** `data.path` (table mode) or `data.customers` / `data.sessions` / `data.orders` (events mode). */
  readonly field: string;
  /** The key of the field inside `data`: `path`, `customers`, `sessions` or `orders`. */
  readonly key: 'path' | (typeof eventLogNames)[number];
  readonly path: string;
}

/**
 * The fields of a config's `data` section that name raw input files, in order: what staging, measuring and the
 * checks of deployed configs all walk.
 */
export function rawDataFields(config: TandemConfig): RawDataField[] {
  if (isTableConfig(config)) return [{ field: 'data.path', key: 'path', path: config.data.path }];
  const data = config.data as EventsDataConfig;
  return eventLogNames.map((key) => ({ field: `data.${key}`, key, path: data[key] }));
}
