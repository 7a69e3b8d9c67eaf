import { parse, type CsvError } from 'csv-parse/sync';
import { BadInputError } from '../errors/bad-input-error.ts';
import { printableText, quoteValue } from '../errors/printable-text.ts';
import { assertTextContent } from './binary-content.ts';
import type { RawRow } from './labelled-row.ts';
import { decodeText, isBlank, readDataFile } from './read-data-file.ts';
import { tableFromRows, type RawTable } from './read-table.ts';
import { findUnclosedQuote } from './unclosed-quote.ts';

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

/**
 * Parses CSV text (header row first) into a RawTable: values stay strings, blank cells become null, a UTF-8 BOM is
 * dropped and blank lines are skipped. `source` names the file in errors.
 * @throws BadInputError naming file and line for malformed CSV (a quote never closed: the line and column where it
 *   opened), a row with the wrong number of cells, duplicate or empty column names, an empty file, a file with no data
 *   rows, or binary content (an .xlsx or .gz renamed .csv), whose bytes are never quoted back.
 */
export function parseCsv(content: Buffer | string, source: string): RawTable {
  assertTextContent(content, source, 'CSV');
  const text = decodeText(content);
  if (isBlank(text)) throw new BadInputError(`${source} is empty`, { value: source, details: [{ path: source, issue: 'empty file' }] });
  let records: ParsedRecord[];
  try {
    // relax_column_count: we check cell counts ourselves, to name the row's starting line.
    records = parse(text, { info: true, skip_empty_lines: true, relax_column_count: true }) as unknown as ParsedRecord[];
  } catch (error) {
    throw malformedCsvError(error as CsvError & { lines?: number }, text, source);
  }
  const [header, ...body] = records;
  if (header === undefined) throw new BadInputError(`${source} is empty`, { value: source });
  const [headerLine = 1, ...bodyLines] = startLines(records);
  const columns = checkHeader(header.record, source, headerLine);
  if (body.length === 0) {
    throw new BadInputError(`${source} has a header but no data rows`, { value: source, details: [{ path: source, issue: 'no data rows' }] });
  }
  const rows: RawRow[] = [];
  const lines: number[] = [];
  for (const [index, parsed] of body.entries()) {
    const line = bodyLines[index] ?? index + 2;
    if (parsed.record.length !== columns.length) {
      const where = `${source}:${line}`;
      const issue = `expected ${columns.length} cells like the header, found ${parsed.record.length}`;
      throw new BadInputError(`${where}: ${issue}`, { value: parsed.record, details: [{ path: where, issue }] });
    }
    const row: RawRow = {};
    columns.forEach((column, i) => {
      const cell = parsed.record[i] ?? '';
      row[column] = isBlank(cell) ? null : cell;
    });
    rows.push(row);
    lines.push(line);
  }
  return tableFromRows(source, columns, rows, lines);
}

/**
 * Reads a CSV file into a RawTable (see `parseCsv`). Loads the whole file: fine up to ~100 MB.
 * @throws BadInputError when the file is missing or malformed, naming file and line.
 */
export async function readCsv(file: string): Promise<RawTable> {
  return parseCsv(await readDataFile(file), file);
}

/**
 * The line each record starts on. csv-parse reports the line a record ends on, and counts a CRLF inside a quoted
 * cell as two lines (a CRLF between records as one), so step back over the record's own line breaks and subtract the
 * over-count carried from earlier records.
 */
function startLines(records: readonly ParsedRecord[]): number[] {
  let overCount = 0;
  return records.map((parsed) => {
    let breaks = 0;
    for (const cell of parsed.record) {
      const crlf = cell.match(/\r\n/g)?.length ?? 0;
      breaks += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
      overCount += crlf;
    }
    return parsed.info.lines - overCount - breaks;
  });
}

/** The error for what csv-parse refused: where a never-closed quote opened (csv-parse names the file's end), else its line. */
function malformedCsvError(csvError: CsvError & { lines?: number }, text: string, source: string): BadInputError {
  const unclosed = csvError.code === 'CSV_QUOTE_NOT_CLOSED' ? findUnclosedQuote(text) : undefined;
  if (unclosed !== undefined) {
    const where = `${source}:${unclosed.line}`;
    const field = unclosed.column === undefined ? `field ${unclosed.field}` : `field ${unclosed.field}, column ${quoteValue(unclosed.column)}`;
    const end = csvError.lines === undefined ? '' : `; the file ends at line ${csvError.lines}`;
    const issue = `a quoted field opened here is never closed (${field}${end})`;
    return new BadInputError(`${where}: ${issue}`, { cause: csvError, value: source, details: [{ path: `${where}:${unclosed.column ?? unclosed.field}`, issue }] });
  }
  const where = csvError.lines === undefined ? source : `${source}:${csvError.lines}`;
  // csv-parse quotes the offending cell; keep the message printable and short.
  const issue = printableText(csvError.message, 200);
  return new BadInputError(`${where}: malformed CSV: ${issue}`, { cause: csvError, value: source, details: [{ path: where, issue }] });
}

function checkHeader(header: string[], source: string, line: number): string[] {
  const seen = new Set<string>();
  return header.map((raw, i) => {
    const name = raw.trim();
    const where = `${source}:${line}`;
    if (name === '') {
      const issue = `column ${i + 1} of the header has no name`;
      throw new BadInputError(`${where}: ${issue}`, { value: raw, details: [{ path: where, issue }] });
    }
    if (seen.has(name)) {
      const issue = `column ${quoteValue(name)} appears twice in the header`;
      throw new BadInputError(`${where}: ${issue}`, { value: name, details: [{ path: where, issue }] });
    }
    seen.add(name);
    return name;
  });
}
