import { createReadStream } from 'node:fs';

/**
 * How records sit in a file, as DuckDB's CSV reader splits them: `csv` — a record ends at a line break outside
 * "double quotes" (a quoted field may span lines) and empty lines are no records; `lines` — every line is a record,
 * empty ones too (JSONL read as one text column).
 */
export type RecordLayout = 'csv' | 'lines';

/** Which records to locate; see {@link locateRecordLines}. */
export interface RecordLineRequest {
  readonly layout: RecordLayout;
  /** Whether the first record is a header (CSV), which is neither accepted nor rejected. */
  readonly header: boolean;
  /** 1-based ordinals among the records the reader accepted (header and rejected records not counted), ascending. */
  readonly ordinals: readonly number[];
  /**
   * Line numbers, as DuckDB's CSV reader reports them, of records it rejected, ascending. DuckDB counts lines like
   * an editor does except that a line break inside a quoted field does not count.
   */
  readonly rejectedReaderLines: readonly number[];
}

/** The 1-based line (header = line 1) on which each requested record starts. */
export interface RecordLines {
  /** Accepted ordinal → line. */
  readonly ordinalLines: ReadonlyMap<number, number>;
  /** Reader line of a rejected record → line. */
  readonly rejectedLines: ReadonlyMap<number, number>;
}

const newline = 0x0a;
const carriageReturn = 0x0d;
const quote = 0x22;

/**
 * Finds the exact line where given records of a data file start, by reading it once (streaming, only as far as the
 * last requested record). DuckDB numbers accepted rows (`WITH ORDINALITY`) but not their lines, and its reject lines
 * skip quoted line breaks; this maps both to the line a person sees in an editor. Records the reader rejected are
 * recognised by their reader line, so accepted ordinals skip them as the reader did.
 */
export async function locateRecordLines(file: string, request: RecordLineRequest): Promise<RecordLines> {
  const { ordinals, rejectedReaderLines: rejected } = request;
  const ordinalLines = new Map<number, number>();
  const rejectedLines = new Map<number, number>();
  if (ordinals.length === 0 && rejected.length === 0) return { ordinalLines, rejectedLines };

  const csv = request.layout === 'csv';
  let line = 1;
  let quotedBreaks = 0;
  let inRecord = false;
  let inQuote = false;
  let headerPending = request.header;
  let accepted = 0;
  let nextOrdinal = 0;
  let nextRejected = 0;
  const finished = (): boolean => nextOrdinal >= ordinals.length && nextRejected >= rejected.length;

  const startRecord = (): void => {
    if (headerPending) {
      headerPending = false;
      return;
    }
    const readerLine = line - quotedBreaks;
    // A reject line we walked past without a record there: keep DuckDB's number rather than lose the row.
    while (nextRejected < rejected.length && (rejected[nextRejected] as number) < readerLine) {
      const missed = rejected[nextRejected++] as number;
      rejectedLines.set(missed, missed);
    }
    if (nextRejected < rejected.length && rejected[nextRejected] === readerLine) {
      rejectedLines.set(readerLine, line);
      nextRejected++;
      return;
    }
    accepted++;
    if (ordinals[nextOrdinal] === accepted) {
      ordinalLines.set(accepted, line);
      nextOrdinal++;
    }
  };

  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const end = chunk.length;
      let i = 0;
      let nextQuote = -2; // -2: not searched yet in this chunk; -1: none left
      while (i < end) {
        if (!inRecord) {
          const byte = chunk[i] as number;
          if (csv && byte === newline) {
            line++;
            i++;
            continue;
          }
          if (csv && byte === carriageReturn) {
            i++;
            continue;
          }
          inRecord = true;
          startRecord();
          if (finished()) return { ordinalLines, rejectedLines };
          continue;
        }
        if (csv && inQuote) {
          const close = chunk.indexOf(quote, i);
          const stop = close === -1 ? end : close;
          for (let at = chunk.indexOf(newline, i); at !== -1 && at < stop; at = chunk.indexOf(newline, at + 1)) {
            line++;
            quotedBreaks++;
          }
          if (close === -1) {
            i = end;
          } else {
            inQuote = false;
            i = close + 1;
          }
          continue;
        }
        const lineEnd = chunk.indexOf(newline, i);
        if (csv) {
          if (nextQuote !== -1 && nextQuote < i) nextQuote = chunk.indexOf(quote, i);
          if (nextQuote !== -1 && (lineEnd === -1 || nextQuote < lineEnd)) {
            inQuote = true;
            i = nextQuote + 1;
            continue;
          }
        }
        if (lineEnd === -1) {
          i = end;
        } else {
          line++;
          inRecord = false;
          i = lineEnd + 1;
        }
      }
    }
  } finally {
    stream.destroy();
  }
  for (; nextRejected < rejected.length; nextRejected++) rejectedLines.set(rejected[nextRejected] as number, rejected[nextRejected] as number);
  return { ordinalLines, rejectedLines };
}

/**
 * The column names in a CSV file's first record (RFC 4180 quoting, a UTF-8 byte order mark dropped), reading only
 * as much of the file as the header takes. Empty for an empty file.
 */
export async function readCsvHeader(file: string): Promise<string[]> {
  const stream = createReadStream(file, { highWaterMark: 1 << 16, encoding: 'utf8' });
  let text = '';
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      text += chunk;
      const fields = parseFirstCsvRecord(text);
      if (fields !== undefined) return fields;
    }
  } finally {
    stream.destroy();
  }
  return parseFirstCsvRecord(text, true) ?? [];
}

/** The fields of the first record of `text`, or undefined when the record may continue past the end of `text`. */
function parseFirstCsvRecord(source: string, atEnd = false): string[] | undefined {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (atEnd && text.trim() === '') return [];
  const fields: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (inQuotes) {
      if (char !== '"') field += char;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else inQuotes = false;
    } else if (char === '"') inQuotes = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (fields.length === 0 && field === '') continue; // leading blank lines
      fields.push(field);
      return fields;
    } else field += char;
  }
  if (!atEnd) return undefined;
  fields.push(field);
  return fields;
}
