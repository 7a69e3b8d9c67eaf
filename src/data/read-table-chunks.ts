import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { parse, type CsvError } from 'csv-parse/sync';
import { BadInputError } from '../errors/bad-input-error.ts';
import { printableText, quoteValue } from '../errors/printable-text.ts';
import type { ColumnCells } from '../features/encode-columns.ts';
import { binaryContentReason, TEXT_SNIFF_BYTES } from './binary-content.ts';
import { openDuckDbSession, sqlIdentifier, sqlString } from './events/duckdb-session.ts';
import type { RawRow, RawValue } from './labelled-row.ts';
import { isBlank } from './read-data-file.ts';

/** A data row that cannot be used: its source line and why. */
export interface RejectedRow {
  /** 1-based line of the file where the row starts (CSV: the header is line 1; Parquet: the row's 1-based number). */
  readonly line: number;
  /** The column whose cell is at fault, when one is. */
  readonly column?: string;
  readonly reason: string;
}

/** Up to `chunkRows` consecutive data rows of a table file. */
export interface TableChunk {
  /** The rows that could be read, each with every column the reader was asked to keep (null when blank or absent). */
  readonly rows: RawRow[];
  /**
   * The same cells by column, when the reader has them so (CSV): per kept column of the file its values, row by row.
   * A CSV chunk makes `rows` from them only when asked, so a columnar consumer builds no object per row.
   */
  readonly cells?: ColumnCells;
  /** 1-based source line of each row (see {@link RejectedRow.line}). */
  readonly lines: number[];
  /** 0-based position of each row among the file's data rows (rejected rows count), for fallback ids. */
  readonly positions: number[];
  /** Rows of this stretch of the file that could not be read (wrong cell count, invalid JSON, nested values). */
  readonly rejects: RejectedRow[];
  /** Bytes of the file read so far (CSV, JSONL), or rows read so far (Parquet): progress against `TableChunks.size`. */
  readonly done: number;
}

/** A table file opened for reading in chunks. */
export interface TableChunks {
  readonly source: string;
  /** The file's columns: the CSV header, the JSONL keys of the first chunk (in order of appearance), the Parquet schema. */
  readonly columns: readonly string[];
  /** What `TableChunk.done` counts up to: the file's bytes (CSV, JSONL) or rows (Parquet). */
  readonly size: number;
  /** The chunks in file order; iterate once. */
  readonly chunks: AsyncIterable<TableChunk>;
  /** Releases the file (and DuckDB for Parquet); safe after the iteration ended and to call twice. */
  close(): Promise<void>;
}

/** Options of {@link openTableChunks}. */
export interface OpenTableChunksOptions {
  /** Rows per chunk. @default 8192 */
  readonly chunkRows?: number;
  /** Only these columns are put in each row (the ones a model reads); others are dropped early. @default every column */
  readonly keep?: readonly string[];
}

/** The longest a quoted record may run over lines before the file is refused (an unclosed quote would swallow the rest). */
const MAX_QUOTED_RECORD_CHARS = 1 << 20;
const READ_BLOCK_BYTES = 1 << 20;

/**
 * Opens a `.csv`, `.jsonl`/`.ndjson` or `.parquet` table for reading in chunks of `chunkRows` rows, so any file can be
 * read in bounded memory. Cells mean what the whole-file readers make of them (`parseCsv`, `parseJsonl`): CSV values
 * stay text, blank cells (whitespace only) are null, a UTF-8 BOM is dropped, empty lines are skipped, RFC 4180 quoting
 * (a quoted cell may hold commas, `""` and line breaks); JSONL keeps JSON scalars, a key a row lacks is null. A row with
 * the wrong number of cells, an invalid JSON line or a nested value is a {@link RejectedRow} of its chunk, not an error.
 * Parquet (through DuckDB) gives numbers as numbers, booleans as booleans and everything else as text.
 *
 * @throws BadInputError naming the file for a missing, empty, binary or unknown-format file, a bad CSV header (blank
 *   or repeated names), and, while iterating, a quoted CSV field that is never closed or malformed quoting.
 */
export async function openTableChunks(file: string, { chunkRows = 8192, keep }: OpenTableChunksOptions = {}): Promise<TableChunks> {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.parquet') return openParquetChunks(file, chunkRows, keep);
  if (extension !== '.csv' && extension !== '.jsonl' && extension !== '.ndjson') {
    throw new BadInputError(`${file}: unknown table format "${extension}"; use .csv, .jsonl, .ndjson or .parquet`, { value: file });
  }
  const size = await sniffTextFile(file, extension === '.csv' ? 'CSV' : 'JSON Lines');
  return extension === '.csv' ? openCsvChunks(file, size, chunkRows, keep) : openJsonlChunks(file, size, readLines(file), chunkRows, keep);
}

/** The file's size, after checking it exists, is not blank and does not look binary (its first bytes). */
async function sniffTextFile(file: string, format: string): Promise<number> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(error);
    throw new BadInputError(`cannot read data file ${file}: ${reason}`, { cause: error, value: file, details: [{ path: file, issue: reason }] });
  }
  try {
    const { size } = await handle.stat();
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(TEXT_SNIFF_BYTES), 0, TEXT_SNIFF_BYTES, 0);
    const reason = binaryContentReason(buffer.subarray(0, bytesRead));
    if (reason !== undefined) {
      const issue = `not a text ${format} file (it looks binary: ${reason})`;
      throw new BadInputError(`${file} is ${issue}`, { value: file, details: [{ path: file, issue }] });
    }
    return size;
  } finally {
    await handle.close();
  }
}

/** One line of a text file: its text (without the line break), 1-based number, and the bytes read so far. */
interface TextLine {
  readonly text: string;
  readonly line: number;
  readonly bytes: number;
}

/** The complete lines of one block of a file: `lines[k]` is line `first + k`; `bytes` read so far. */
interface LineBlock {
  readonly lines: readonly string[];
  readonly first: number;
  readonly bytes: number;
}

/** The lines of a UTF-8 file, streamed a block (1 MiB) at a time (`\n` or `\r\n` ends a line; the BOM is dropped). */
async function* readLineBlocks(file: string): AsyncGenerator<LineBlock> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let line = 0;
  let bytes = 0;
  let first = true;
  for await (const block of createReadStream(file, { highWaterMark: READ_BLOCK_BYTES })) {
    bytes += (block as Buffer).length;
    let text = rest + decoder.write(block as Buffer);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const lines: string[] = [];
    let start = 0;
    for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
      lines.push(text.charCodeAt(end - 1) === 13 && end > start ? text.slice(start, end - 1) : text.slice(start, end));
      start = end + 1;
    }
    rest = text.slice(start);
    if (lines.length > 0) yield { lines, first: line + 1, bytes };
    line += lines.length;
  }
  rest += decoder.end();
  if (rest !== '') yield { lines: [rest.endsWith('\r') ? rest.slice(0, -1) : rest], first: line + 1, bytes };
}

/** The lines of a UTF-8 file one by one (see {@link readLineBlocks}). */
async function* readLines(file: string): AsyncGenerator<TextLine> {
  for await (const { lines, first, bytes } of readLineBlocks(file)) {
    for (let k = 0; k < lines.length; k++) yield { text: lines[k] as string, line: first + k, bytes };
  }
}

/** Takes the CSV records of a file's lines, block by block: `record` gets each with the line it starts on. */
interface CsvSplitter {
  take(block: LineBlock): void;
  /** After the last block. @throws BadInputError when a quoted field is still open. */
  end(): void;
}

/**
 * CSV records from lines. A line without quotes or carriage returns is split on commas (what csv-parse makes of it, at
 * a fraction of the cost); a line with a quote starts a block that runs until its quotes balance, parsed by csv-parse
 * with the options `parseCsv` uses, so quoting means the same in both readers.
 */
function csvSplitter(file: string, record: (cells: string[], line: number, bytes: number) => void): CsvSplitter {
  let block: string[] = [];
  let blockLine = 0;
  let quotes = 0;
  let chars = 0;
  return {
    take({ lines, first, bytes }) {
      for (let k = 0; k < lines.length; k++) {
        const text = lines[k] as string;
        const line = first + k;
        if (block.length === 0) {
          if (text === '') continue;
          if (!text.includes('"') && !text.includes('\r')) {
            record(text.split(','), line, bytes);
            continue;
          }
          blockLine = line;
        }
        block.push(text);
        quotes += countQuotes(text);
        chars += text.length;
        if (quotes % 2 === 1) {
          if (chars > MAX_QUOTED_RECORD_CHARS) throw unclosedQuote(file, blockLine, `it runs on past ${MAX_QUOTED_RECORD_CHARS} characters`);
          continue;
        }
        for (const parsed of parseBlock(file, block, blockLine)) record(parsed.cells, parsed.line, bytes);
        block = [];
        quotes = 0;
        chars = 0;
      }
    },
    end() {
      if (block.length > 0) throw unclosedQuote(file, blockLine, 'the file ends first');
    },
  };
}

function countQuotes(text: string): number {
  let count = 0;
  for (let at = text.indexOf('"'); at !== -1; at = text.indexOf('"', at + 1)) count++;
  return count;
}

function unclosedQuote(file: string, line: number, why: string): BadInputError {
  const where = `${file}:${line}`;
  const issue = `a quoted field opened on this line is never closed (${why})`;
  return new BadInputError(`${where}: ${issue}`, { value: file, details: [{ path: where, issue }] });
}

/** Records of lines whose quotes balance, through csv-parse; each record's start line as `parseCsv` counts it. */
function parseBlock(file: string, block: readonly string[], blockLine: number): { cells: string[]; line: number }[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(block.join('\n'), { info: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof records;
  } catch (error) {
    const csvError = error as CsvError & { lines?: number };
    const where = `${file}:${blockLine + (csvError.lines ?? 1) - 1}`;
    const issue = printableText(csvError.message, 200);
    throw new BadInputError(`${where}: malformed CSV: ${issue}`, { cause: error, value: file, details: [{ path: where, issue }] });
  }
  return records.map(({ record, info }) => {
    let breaks = 0;
    for (const cell of record) breaks += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
    return { cells: record, line: blockLine + info.lines - 1 - breaks };
  });
}

/** The header's names, checked as `parseCsv` checks them. */
function checkCsvHeader(file: string, cells: readonly string[], line: number): string[] {
  const seen = new Set<string>();
  const where = `${file}:${line}`;
  return cells.map((raw, i) => {
    const name = raw.trim();
    const issue = name === '' ? `column ${i + 1} of the header has no name` : seen.has(name) ? `column ${quoteValue(name)} appears twice in the header` : undefined;
    if (issue !== undefined) throw new BadInputError(`${where}: ${issue}`, { value: raw, details: [{ path: where, issue }] });
    seen.add(name);
    return name;
  });
}

/** A CSV cell as the readers keep it: text, or null when blank. */
function csvValue(cell: string): string | null {
  const code = cell.charCodeAt(0);
  // Most cells start with a printable ASCII character, so they cannot be blank: no trim needed.
  if (code > 32 && code < 127) return cell;
  return cell === '' || isBlank(cell) ? null : cell;
}

/** A chunk of CSV rows held by column; its `rows` are made (each a copy of `template`) when first asked for. */
function csvChunk(cells: Map<string, RawValue[]>, template: RawRow, lines: number[], positions: number[], rejects: RejectedRow[], done: number): TableChunk {
  let rows: RawRow[] | undefined;
  const makeRows = (): RawRow[] => {
    const made = lines.map(() => ({ ...template }));
    for (const [name, values] of cells) values.forEach((value, r) => ((made[r] as RawRow)[name] = value));
    return made;
  };
  return {
    get rows() {
      return (rows ??= makeRows());
    },
    cells,
    lines,
    positions,
    rejects,
    done,
  };
}

async function openCsvChunks(file: string, size: number, chunkRows: number, keep: readonly string[] | undefined): Promise<TableChunks> {
  const blocks = readLineBlocks(file);
  // Records split off a block before the chunks are read: the header, then whatever followed it in its block.
  const early: [string[], number, number][] = [];
  let take: (cells: string[], line: number, bytes: number) => void = (cells, line, bytes) => early.push([cells, line, bytes]);
  const splitter = csvSplitter(file, (cells, line, bytes) => take(cells, line, bytes));
  let header: [string[], number] | undefined;
  try {
    while (early.length === 0) {
      const next = await blocks.next();
      if (next.done === true) {
        splitter.end();
        break;
      }
      splitter.take(next.value);
    }
    const first = early.shift();
    if (first === undefined) throw new BadInputError(`${file} is empty`, { value: file, details: [{ path: file, issue: 'empty file' }] });
    header = [checkCsvHeader(file, first[0], first[1]), first[1]];
  } catch (error) {
    await blocks.return(undefined);
    throw error;
  }
  const columns = header[0];
  const template: RawRow = Object.fromEntries((keep ?? columns).map((column) => [column, null]));
  const picks = (keep === undefined ? columns : columns.filter((column) => keep.includes(column))).map((column) => [columns.indexOf(column), column] as const);
  async function* chunks(): AsyncGenerator<TableChunk> {
    const ready: TableChunk[] = [];
    let cells = new Map<string, RawValue[]>();
    let lines: number[] = [];
    let positions: number[] = [];
    let rejects: RejectedRow[] = [];
    let position = 0;
    let done = 0;
    const start = (): void => {
      cells = new Map(picks.map(([, column]) => [column, []]));
      lines = [];
      positions = [];
      rejects = [];
    };
    const columnsOfPicks = (): [number, RawValue[]][] => picks.map(([index, column]) => [index, cells.get(column) as RawValue[]]);
    start();
    let targets = columnsOfPicks();
    take = (record, line, bytes) => {
      if (record.length !== columns.length) {
        rejects.push({ line, reason: `expected ${columns.length} cells like the header, found ${record.length}` });
      } else {
        for (const [index, values] of targets) values.push(csvValue(record[index] as string));
        lines.push(line);
        positions.push(position);
      }
      position++;
      done = bytes;
      if (lines.length + rejects.length >= chunkRows) {
        ready.push(csvChunk(cells, template, lines, positions, rejects, done));
        start();
        targets = columnsOfPicks();
      }
    };
    for (const [record, line, bytes] of early.splice(0)) take(record, line, bytes);
    for (;;) {
      yield* ready.splice(0);
      const next = await blocks.next();
      if (next.done === true) break;
      splitter.take(next.value);
    }
    splitter.end();
    if (position === 0) throw new BadInputError(`${file} has a header but no data rows`, { value: file, details: [{ path: file, issue: 'no data rows' }] });
    if (lines.length + rejects.length > 0) yield csvChunk(cells, template, lines, positions, rejects, size);
  }
  return { source: file, columns, size, chunks: chunks(), close: async () => void (await blocks.return(undefined)) };
}

type MutableChunk = { -readonly [K in keyof TableChunk]: TableChunk[K] };

function emptyChunk(): MutableChunk {
  return { rows: [], lines: [], positions: [], rejects: [], done: 0 };
}

/** One JSONL line as a flat row, or why it cannot be one. */
function parseJsonlLine(text: string): Record<string, RawValue> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `invalid JSON: ${printableText(error instanceof Error ? error.message : String(error), 200)}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'each line must be a JSON object';
  const row: Record<string, RawValue> = {};
  for (const [key, cell] of Object.entries(value as Record<string, unknown>)) {
    if (typeof cell === 'object' && cell !== null) return `key ${quoteValue(key)} holds a nested ${Array.isArray(cell) ? 'array' : 'object'}; rows are flat`;
    row[key] = typeof cell === 'string' && isBlank(cell) ? null : (cell as RawValue);
  }
  return row;
}

async function openJsonlChunks(file: string, size: number, lines: AsyncGenerator<TextLine>, chunkRows: number, keep: readonly string[] | undefined): Promise<TableChunks> {
  // JSONL has no header: the columns are the keys of the first chunk's rows.
  const parsed: { line: number; row: Record<string, RawValue> | string; bytes: number }[] = [];
  const columns: string[] = [];
  const known = new Set<string>();
  let lastBytes = 0;
  for (;;) {
    if (parsed.length >= chunkRows) break;
    const next = await lines.next();
    if (next.done === true) break;
    lastBytes = next.value.bytes;
    if (isBlank(next.value.text)) continue;
    const row = parseJsonlLine(next.value.text);
    if (typeof row !== 'string') {
      for (const key of Object.keys(row)) {
        if (!known.has(key)) {
          known.add(key);
          columns.push(key);
        }
      }
    }
    parsed.push({ line: next.value.line, row, bytes: next.value.bytes });
  }
  if (parsed.length === 0) {
    await lines.return(undefined);
    const issue = lastBytes === 0 || size === 0 ? 'empty file' : 'no rows';
    throw new BadInputError(`${file} is empty`, { value: file, details: [{ path: file, issue }] });
  }
  const template: RawRow = Object.fromEntries((keep ?? columns).map((column) => [column, null]));
  const names = Object.keys(template);
  async function* chunks(): AsyncGenerator<TableChunk> {
    let chunk = emptyChunk();
    let position = 0;
    const take = (line: number, row: Record<string, RawValue> | string, bytes: number): void => {
      if (typeof row === 'string') chunk.rejects.push({ line, reason: row });
      else {
        const full: RawRow = { ...template };
        for (const name of names) full[name] = row[name] ?? null;
        chunk.rows.push(full);
        chunk.lines.push(line);
        chunk.positions.push(position);
      }
      position++;
      chunk.done = bytes;
    };
    for (const { line, row, bytes } of parsed.splice(0)) take(line, row, bytes);
    for await (const { text, line, bytes } of lines) {
      if (chunk.rows.length + chunk.rejects.length >= chunkRows) {
        yield chunk;
        chunk = emptyChunk();
      }
      if (isBlank(text)) continue;
      take(line, parseJsonlLine(text), bytes);
    }
    chunk.done = size;
    if (chunk.rows.length + chunk.rejects.length > 0) yield chunk;
  }
  return { source: file, columns, size, chunks: chunks(), close: async () => void (await lines.return(undefined)) };
}

const numericTypes = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

/** A Parquet file through DuckDB's streaming reader: numbers as DOUBLE, booleans kept, the rest as text. */
async function openParquetChunks(file: string, chunkRows: number, keep: readonly string[] | undefined): Promise<TableChunks> {
  try {
    await stat(file);
  } catch (error) {
    throw new BadInputError(`cannot read data file ${file}: no such file`, { cause: error, value: file, details: [{ path: file, issue: 'no such file' }] });
  }
  const session = await openDuckDbSession({ threads: 1, memoryLimit: '256MB' });
  try {
    const { connection } = session;
    const source = `read_parquet(${sqlString(file)})`;
    let described;
    try {
      described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    } catch (error) {
      const issue = `not a readable Parquet file (${printableText((error as Error).message, 200)})`;
      throw new BadInputError(`${file} is ${issue}`, { cause: error, value: file, details: [{ path: file, issue }] });
    }
    const schema = described.getRowObjectsJS().map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
    const columns = schema.map((column) => column.name);
    const kept = schema.filter((column) => keep === undefined || keep.includes(column.name));
    const size = Number((await connection.runAndReadAll(`SELECT count(*) AS n FROM ${source}`)).getRowObjectsJS()[0]?.n ?? 0);
    const select = kept.map(({ name, type }) => {
      const cast = numericTypes.test(type) ? 'DOUBLE' : type === 'BOOLEAN' ? 'BOOLEAN' : 'VARCHAR';
      return `CAST(${sqlIdentifier(name)} AS ${cast}) AS ${sqlIdentifier(name)}`;
    });
    const template: RawRow = Object.fromEntries((keep ?? columns).map((column) => [column, null]));
    const names = kept.map((column) => column.name);
    async function* chunks(): AsyncGenerator<TableChunk> {
      if (names.length === 0) return;
      const result = await connection.stream(`SELECT ${select.join(', ')} FROM ${source}`);
      let chunk = emptyChunk();
      let position = 0;
      for (let data = await result.fetchChunk(); data !== null && data.rowCount > 0; data = await result.fetchChunk()) {
        const cells = data.getColumns();
        for (let r = 0; r < data.rowCount; r++) {
          const row: RawRow = { ...template };
          names.forEach((name, c) => {
            const value = (cells[c] as unknown[])[r];
            row[name] = value === null || value === undefined || (typeof value === 'string' && isBlank(value)) ? null : (value as RawValue);
          });
          chunk.rows.push(row);
          chunk.lines.push(position + 1);
          chunk.positions.push(position);
          position++;
          chunk.done = position;
          if (chunk.rows.length >= chunkRows) {
            yield chunk;
            chunk = emptyChunk();
          }
        }
      }
      if (chunk.rows.length > 0) yield chunk;
    }
    let closed = false;
    return {
      source: file,
      columns,
      size,
      chunks: chunks(),
      close: async () => {
        if (closed) return;
        closed = true;
        await session.close();
      },
    };
  } catch (error) {
    await session.close();
    throw error;
  }
}
