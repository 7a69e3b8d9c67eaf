import { BadInputError } from '../errors/bad-input-error.ts';
import { printableText, quoteValue } from '../errors/printable-text.ts';
import { assertTextContent } from './binary-content.ts';
import type { RawRow, RawValue } from './labelled-row.ts';
import { decodeText, isBlank, readDataFile } from './read-data-file.ts';
import { tableFromRows, type RawTable } from './read-table.ts';

/**
 * Parses JSON Lines (one flat JSON object per line) into a RawTable. Blank lines are skipped; columns are the union
 * of keys in order of first appearance, and a key a row lacks is null there, as are blank strings.
 * @throws BadInputError naming file and line for invalid JSON, a line that is not an object, a nested object or
 *   array (naming the key), an empty file, a file with no rows, or binary content (never quoted back).
 */
export function parseJsonl(content: Buffer | string, source: string): RawTable {
  assertTextContent(content, source, 'JSON Lines');
  const text = decodeText(content);
  const columns: string[] = [];
  const known = new Set<string>();
  const parsed: Record<string, RawValue>[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((lineText, index) => {
    if (isBlank(lineText)) return;
    const line = index + 1;
    const where = `${source}:${line}`;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch (error) {
      // V8 quotes the line back; keep that printable and short.
      const issue = `invalid JSON: ${printableText(error instanceof Error ? error.message : String(error), 200)}`;
      throw new BadInputError(`${where}: ${issue}`, { cause: error, value: lineText, details: [{ path: where, issue }] });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const issue = 'each line must be a JSON object';
      throw new BadInputError(`${where}: ${issue}`, { value: lineText, details: [{ path: where, issue }] });
    }
    const row: Record<string, RawValue> = {};
    for (const [key, cell] of Object.entries(value as Record<string, unknown>)) {
      if (typeof cell === 'object' && cell !== null) {
        const issue = `key ${quoteValue(key)} holds a nested ${Array.isArray(cell) ? 'array' : 'object'}; table mode takes flat rows of strings, numbers and booleans`;
        throw new BadInputError(`${where}: ${issue}`, { value: cell, details: [{ path: `${where}:${key}`, issue }] });
      }
      row[key] = typeof cell === 'string' && isBlank(cell) ? null : (cell as RawValue);
      if (!known.has(key)) {
        known.add(key);
        columns.push(key);
      }
    }
    parsed.push(row);
    lines.push(line);
  });
  if (parsed.length === 0) {
    const issue = isBlank(text) ? 'empty file' : 'no rows';
    throw new BadInputError(`${source} is empty`, { value: source, details: [{ path: source, issue }] });
  }
  // Every row gets every column, so readers downstream never meet an undefined cell.
  const rows = parsed.map((row) => {
    const full: RawRow = {};
    for (const column of columns) full[column] = row[column] ?? null;
    return full;
  });
  return tableFromRows(source, columns, rows, lines);
}

/**
 * Reads a JSON Lines file into a RawTable (see `parseJsonl`).
 * @throws BadInputError when the file is missing or malformed, naming file and line.
 */
export async function readJsonl(file: string): Promise<RawTable> {
  return parseJsonl(await readDataFile(file), file);
}
