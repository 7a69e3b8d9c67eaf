import type { DuckDBConnection, DuckDBVector } from '@duckdb/node-api';
import { sqlIdentifier } from './duckdb-session.ts';

/** A numeric query result held column by column: each DOUBLE column as a Float64Array (NULL → NaN). */
export interface ResultColumns {
  readonly rowCount: number;
  /**
   * A column's values.
   * @throws Error when the query has no such column (a programming error, not bad input).
   */
  numbers(name: string): Float64Array;
}

/**
 * Runs a query whose columns are all DOUBLE and reads its result into columns, chunk by chunk as DuckDB produces them
 * (neither side holds the whole result twice). Values are copied a whole vector at a time where the vector's memory
 * is exposed (about ten times faster than reading value by value, which is what dominates moving hundreds of
 * thousands of rows out of DuckDB). Text moves with {@link readTextColumns}.
 * @throws Error naming a column that is not DOUBLE (a programming error: cast it in the query).
 */
export async function readResultColumns(connection: DuckDBConnection, sql: string): Promise<ResultColumns> {
  const result = await connection.stream(sql);
  const names = result.columnNames();
  result.columnTypes().forEach((type, c) => {
    if (type.toString() !== 'DOUBLE') throw new Error(`query result column "${names[c] ?? c}" is ${type.toString()}, not DOUBLE`);
  });
  let capacity = initialCapacity;
  let columns: Float64Array[] = names.map(() => new Float64Array(capacity));
  let rowCount = 0;
  for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const size = chunk.rowCount;
    if (rowCount + size > capacity) {
      capacity = Math.max(rowCount + size, capacity * 2);
      columns = columns.map((column) => grown(column, rowCount, capacity));
    }
    for (let c = 0; c < names.length; c++) copyDoubles(chunk.getColumnVector(c), columns[c] as Float64Array, rowCount, size);
    rowCount += size;
  }
  return {
    rowCount,
    numbers: (name) => {
      const index = names.indexOf(name);
      if (index < 0) throw new Error(`query result has no column "${name}" (it has ${names.join(', ')})`);
      return (columns[index] as Float64Array).subarray(0, rowCount);
    },
  };
}

/** Rows a numeric column starts with; it doubles as rows arrive. */
const initialCapacity = 1 << 14;

/** A copy of a column's first `used` values in an array of `capacity`. */
function grown(column: Float64Array, used: number, capacity: number): Float64Array {
  const bigger = new Float64Array(capacity);
  bigger.set(column.subarray(0, used));
  return bigger;
}

/**
 * Copies a DOUBLE vector's values (NULL → NaN). @duckdb/node-api keeps a vector's values in a Float64Array over
 * DuckDB's memory and a validity bit mask (absent when every value is valid): the array is copied in one step and the
 * mask read 32 rows at a time. Any other shape (a library version that stores vectors differently) is read value by
 * value.
 */
function copyDoubles(vector: DuckDBVector, target: Float64Array, offset: number, count: number): void {
  const exposed = vector as unknown as { items?: unknown; validity?: { data?: unknown; offset?: unknown } };
  const mask = exposed.validity?.data;
  const fast = exposed.items instanceof Float64Array && exposed.items.length >= count;
  if (fast && (mask === undefined || mask === null)) {
    target.set((exposed.items as Float64Array).subarray(0, count), offset);
    return;
  }
  if (fast && mask instanceof BigUint64Array && (exposed.validity?.offset ?? 0) === 0 && mask.length * 64 >= count) {
    target.set((exposed.items as Float64Array).subarray(0, count), offset);
    // Little-endian words: row r is bit r % 32 of word r / 32 (x86 and arm64 alike).
    const words = new Uint32Array(mask.buffer, mask.byteOffset, mask.length * 2);
    for (let w = 0; w * 32 < count; w++) {
      const word = words[w] as number;
      if (word === 0xffffffff) continue;
      for (let bit = 0; bit < 32 && w * 32 + bit < count; bit++) if (((word >>> bit) & 1) === 0) target[offset + w * 32 + bit] = Number.NaN;
    }
    return;
  }
  for (let r = 0; r < count; r++) target[offset + r] = (vector.getItem(r) as number | null) ?? Number.NaN;
}

/**
 * Text columns of a table in `orderBy` order, each moved as one JSON list (one value to convert instead of one per
 * row, which is what makes reading text out of DuckDB slow).
 */
export async function readTextColumns(connection: DuckDBConnection, table: string, names: readonly string[], orderBy: string): Promise<Map<string, (string | null)[]>> {
  const columns = new Map<string, (string | null)[]>();
  if (names.length === 0) return columns;
  const lists = names.map((name, i) => `to_json(list(${sqlIdentifier(name)}::VARCHAR ORDER BY ${orderBy}))::VARCHAR AS c${i}`);
  const row = (await connection.runAndReadAll(`SELECT ${lists.join(', ')} FROM ${sqlIdentifier(table)}`)).getRows()[0] ?? [];
  names.forEach((name, i) => {
    const text = row[i];
    columns.set(name, typeof text === 'string' ? (JSON.parse(text) as (string | null)[]) : []);
  });
  return columns;
}
