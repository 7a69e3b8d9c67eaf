import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventsConfig } from '../../config/schema.ts';
import { WorkflowStepError } from '../../errors/workflow-step-error.ts';
import type { BlobStore } from '../../store/blob-store.ts';
import { parseAthenaCtas } from './athena-feature-sql.ts';
import { attachEventTables, registerAthenaShims } from './athena-duckdb-shims.ts';
import { openDuckDbSession, sqlString, type DuckDbLimits } from './duckdb-session.ts';
import { eventFilesOf } from './ingest-events.ts';

/**
 * Athena's stand-in for local runs (`tandem run`, the Athena branch with a small threshold): runs a CTAS that
 * `athenaFeatureCtas` rendered in DuckDB — the query text itself, with the Trino shims of `registerAthenaShims` and the
 * config's log files as the `"database"."table"`s it reads — and writes the result as one Parquet file under the
 * CTAS's `external_location`, which must be a folder of `store`. Returns that file's key.
 * @throws WorkflowStepError for a query that is not such a CTAS, or a location outside the store.
 */
export async function runAthenaCtasLocally(
  store: BlobStore,
  config: EventsConfig,
  query: string,
  { limits }: { limits?: DuckDbLimits } = {},
): Promise<string> {
  const ctas = parseAthenaCtas(query);
  if (ctas === undefined) throw new WorkflowStepError('athena (local): the query is not a CTAS rendered by athenaFeatureCtas', { value: query.slice(0, 200) });
  const root = `${store.uri.replace(/\/+$/, '')}/`;
  if (!ctas.location.startsWith(root)) {
    throw new WorkflowStepError(`athena (local): external_location ${ctas.location} is not inside the store ${store.uri}`, { value: ctas.location });
  }
  const athena = config.data.athena;
  if (athena === undefined) throw new WorkflowStepError('athena (local): the config has no data.athena', { value: config.data });
  const key = `${ctas.location.slice(root.length).replace(/\/*$/, '/')}part-00000.parquet`;
  const folder = await mkdtemp(path.join(limits?.tempRoot ?? tmpdir(), 'tandem-athena-local-'));
  const session = await openDuckDbSession(limits);
  try {
    await registerAthenaShims(session.connection);
    await attachEventTables(session.connection, athena.database, athena.tables, eventFilesOf(config));
    const file = path.join(folder, 'part-00000.parquet');
    await session.connection.run(`COPY (${ctas.select}) TO ${sqlString(file)} (FORMAT PARQUET)`);
    await store.putStream(key, createReadStream(file));
    return key;
  } finally {
    await session.close();
    await rm(folder, { recursive: true, force: true });
  }
}
