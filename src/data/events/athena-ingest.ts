import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventsConfig } from '../../config/schema.ts';
import { BadInputError } from '../../errors/bad-input-error.ts';
import type { BlobStore } from '../../store/blob-store.ts';
import { computeDatasetId, sha256Hex } from '../dataset-id.ts';
import { writeDataset } from '../ingest-table.ts';
import type { DatasetManifest } from '../labelled-row.ts';
import { athenaFeatureCtas, type AthenaFeatureQueryOptions } from './athena-feature-sql.ts';
import { athenaResultTable } from './athena-result-table.ts';
import { openDuckDbSession, sqlString, type DuckDbLimits } from './duckdb-session.ts';
import { quarantineCsv } from './event-quarantine.ts';
import { eventsTableConfig } from './ingest-events.ts';

/** The settings of the Athena path (`data.athena`), defaults applied. */
export type AthenaIngestSettings = NonNullable<EventsConfig['data']['athena']>;

/** Everything the Athena branch of the workflow needs, made before the query runs (the render step's output). */
export interface AthenaIngestPlan {
  /** The dataset the branch creates (one per execution: Athena's inputs are not hashed). */
  readonly datasetId: string;
  /** The CTAS to run. */
  readonly query: string;
  readonly database: string;
  readonly workgroup: string;
  /** The table the CTAS creates. */
  readonly table: string;
  /** Store key prefix (`datasets/athena-tables/<execution>/`) the CTAS writes its Parquet files under. */
  readonly prefix: string;
  /** `external_location`: the prefix as a URI of the store. */
  readonly location: string;
  /** Where Athena writes the query's own result files (`datasets/athena-results/<execution>/` of the store). */
  readonly resultsLocation: string;
  /** The customers table's profile columns (the query passes them through as text). */
  readonly profile: readonly string[];
}

/** The store prefix under which Athena CTAS results are written (inside `datasets/`, where ingestion may write). */
export const athenaTablesPrefix = 'datasets/athena-tables/';

/** The store prefix of Athena's query result files (a CTAS writes only metadata there). */
export const athenaResultsPrefix = 'datasets/athena-results/';

/** The first line of a CSV file's first bytes, as column names (quotes removed). */
export function csvHeaderColumns(head: string): string[] {
  const line = head.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return line.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1').replaceAll('""', '"'));
}

/** T as epoch microseconds: an ISO 8601 date or time, UTC when it has no offset (as DuckDB reads it). */
export function cutoffMicros(cutoff: string, field = 'data.cutoff'): bigint {
  const text = cutoff.trim();
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text) || !text.includes('T') ? text : `${text}Z`;
  const ms = Date.parse(withZone);
  if (cutoff === 'auto' || Number.isNaN(ms)) {
    const issue = cutoff === 'auto' ? 'the Athena path needs a fixed cutoff, not "auto"' : `cutoff "${cutoff}" is not an ISO 8601 date or time`;
    throw new BadInputError(issue, { value: cutoff, details: [{ path: field, issue }] });
  }
  return BigInt(ms) * 1000n;
}

/**
 * Plans the Athena branch for an events config with `data.athena`: the CTAS (`athenaFeatureCtas`) over the Glue
 * tables the config names, its output under `datasets/athena-tables/<execution>/` of `storeUri`, and the dataset id.
 * `headers` are the customers and sessions files' column names (only the first line of each is read), which decide
 * the profile and optional session columns as the DuckDB path decides them.
 * @throws BadInputError when the config has no `data.athena`, T is `auto` or not a date, or a header lacks a
 *   required column.
 */
export function planAthenaIngest(
  config: EventsConfig,
  { storeUri, executionName, headers }: { storeUri: string; executionName: string; headers: { customers: readonly string[]; sessions: readonly string[] } },
): AthenaIngestPlan {
  const athena = config.data.athena;
  if (athena === undefined) {
    const issue = 'the Athena path needs data.athena (database, workgroup)';
    throw new BadInputError(issue, { value: config.data, details: [{ path: 'data.athena', issue }] });
  }
  for (const [file, required] of [['customers', ['customer_id', 'signup_date']], ['sessions', ['customer_id', 'ts']]] as const) {
    const missing = required.filter((column) => !headers[file].includes(column));
    if (missing.length > 0) {
      const issue = `the ${file} file has no column ${missing.join(', ')} (it has ${headers[file].join(', ')})`;
      throw new BadInputError(issue, { value: headers[file], details: [{ path: `data.${file}`, issue }] });
    }
  }
  const { horizonDays, churnDays, topCategories } = config.data;
  const name = executionName.replace(/[^\w]/g, '_').toLowerCase();
  const prefix = `${athenaTablesPrefix}${name}/`;
  const root = storeUri.replace(/\/+$/, '');
  const location = `${root}/${prefix}`;
  const table = `tandem_features_${name}`.slice(0, 255);
  const options: AthenaFeatureQueryOptions = {
    database: athena.database,
    tables: athena.tables,
    pit: { cutoff: cutoffMicros(config.data.cutoff), horizonDays, churnDays },
    topCategories,
    profile: headers.customers.filter((column) => column !== 'customer_id' && column !== 'signup_date'),
    has: { pages: headers.sessions.includes('pages'), duration: headers.sessions.includes('duration_s'), category: headers.sessions.includes('category') },
    labels: true,
  };
  const fingerprint = JSON.stringify({ athena: athena.tables, database: athena.database, executionName, settings: { cutoff: config.data.cutoff, horizonDays, churnDays, topCategories } });
  return {
    datasetId: computeDatasetId(eventsTableConfig(config, config.data.customers), Buffer.from(fingerprint)),
    query: athenaFeatureCtas(options, { database: athena.database, table, location }),
    database: athena.database,
    workgroup: athena.workgroup,
    table,
    prefix,
    location,
    resultsLocation: `${root}/${athenaResultsPrefix}${name}/`,
    profile: options.profile,
  };
}

/**
 * The dataset of the Athena branch: reads the CTAS's Parquet files under `plan.prefix` in `store` (one row per
 * customer: memory grows with customers, not events), lays them out as the events table (`athenaResultTable`) and
 * writes the dataset through the path both modes share (`writeDataset`), the manifest's `events` recording how it
 * was built. Athena drops malformed rows rather than listing them, so `quarantine.csv` has only its header.
 * @throws BadInputError when the prefix holds no Parquet file, or for bad labels (see `writeDataset`).
 */
export async function writeAthenaDataset(
  config: EventsConfig,
  store: BlobStore,
  plan: Pick<AthenaIngestPlan, 'datasetId' | 'prefix' | 'profile' | 'location'>,
  { now = () => new Date(), limits }: { now?: () => Date; limits?: DuckDbLimits } = {},
): Promise<DatasetManifest> {
  const keys = (await store.list(plan.prefix)).filter((key) => !key.endsWith('/') && !key.endsWith('$folder$') && !path.basename(key).startsWith('.'));
  if (keys.length === 0) {
    const issue = `no result files under ${plan.location}: did the Athena query run?`;
    throw new BadInputError(issue, { value: plan.location, details: [{ path: plan.prefix, issue }] });
  }
  const folder = await mkdtemp(path.join(limits?.tempRoot ?? tmpdir(), 'tandem-athena-'));
  const session = await openDuckDbSession(limits);
  try {
    const files = await Promise.all(
      keys.map(async (key, i) => {
        const local = store.localPath?.(key) ?? path.join(folder, `part-${i}.parquet`);
        if (store.localPath?.(key) === undefined) await writeFile(local, await store.get(key));
        return local;
      }),
    );
    const { table, categories } = await athenaResultTable(session.connection, `read_parquet([${files.map(sqlString).join(', ')}])`, plan.profile, plan.location);
    const { cutoff, horizonDays, churnDays, topCategories, maxBadRowShare } = config.data;
    // Athena reads the logs, this step does not: the hashes identify the dataset's inputs by URI, not by their bytes.
    const source = (uri: string): { path: string; sha256: string } => ({ path: uri, sha256: sha256Hex(`${plan.datasetId}:${uri}`) });
    return await writeDataset(eventsTableConfig(config, config.data.customers), store, table, {
      datasetId: plan.datasetId,
      kind: 'events',
      source: { path: plan.location, sha256: sha256Hex(plan.datasetId) },
      events: {
        cutoff,
        horizonDays,
        churnDays,
        topCategories,
        maxBadRowShare,
        categories,
        quarantined: 0,
        inputs: { customers: source(config.data.customers), sessions: source(config.data.sessions), orders: source(config.data.orders) },
        // Athena counts only what the table holds; the raw rows are not read here.
        stats: { customers: table.lines.length, sessions: 0, orders: 0, duplicateOrders: 0, excludedCustomers: 0, rowsRead: { customers: 0, sessions: 0, orders: 0 } },
      },
      quarantineCsv: quarantineCsv([]),
      now,
    });
  } finally {
    await session.close();
    await rm(folder, { recursive: true, force: true });
  }
}

