import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** Resource limits of the embedded DuckDB database that events mode aggregates in. */
export interface DuckDbLimits {
  /**
   * Worker threads.
   * @default 2
   */
  readonly threads?: number;
  /**
   * DuckDB's memory limit (its buffer pool; intermediate results beyond it spill to a temp folder), e.g. `'1GB'`.
   * @default '512MB'
   */
  readonly memoryLimit?: string;
  /**
   * Parent folder of the spill folder (a fresh folder is made inside it and removed on close).
   * @default os.tmpdir()
   */
  readonly tempRoot?: string;
}

/** An open in-memory DuckDB database with one connection; `close` ends both and removes the spill folder. */
export interface DuckDbSession {
  readonly connection: DuckDBConnection;
  close(): Promise<void>;
}

/**
 * Opens an in-memory DuckDB database for one events-mode build, with a memory limit and a private spill folder so
 * that large inputs spill to disk instead of growing the process. Timestamps without an offset are read as UTC.
 */
export async function openDuckDbSession({ threads = 2, memoryLimit = '512MB', tempRoot = tmpdir() }: DuckDbLimits = {}): Promise<DuckDbSession> {
  const spill = await mkdtemp(path.join(tempRoot, 'tandem-duckdb-'));
  let instance: DuckDBInstance | undefined;
  try {
    instance = await DuckDBInstance.create(':memory:', {
      threads: String(threads),
      memory_limit: memoryLimit,
      temp_directory: spill,
      // Rows carry their own ordinal, so DuckDB may reorder them freely (less buffering, more parallelism).
      preserve_insertion_order: 'false',
    });
    const connection = await instance.connect();
    await connection.run(`SET TimeZone = 'UTC'`);
    const opened = instance;
    return {
      connection,
      close: async () => {
        connection.closeSync();
        opened.closeSync();
        await rm(spill, { recursive: true, force: true });
      },
    };
  } catch (error) {
    instance?.closeSync();
    await rm(spill, { recursive: true, force: true });
    throw error;
  }
}

/** A SQL string literal (single quotes doubled). */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL identifier (double quotes doubled), for column names taken from input files. */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
