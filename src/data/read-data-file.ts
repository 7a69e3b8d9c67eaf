import { readFile } from 'node:fs/promises';
import { BadInputError } from '../errors/bad-input-error.ts';

/**
 * Reads a local data file's bytes.
 * @throws BadInputError naming the file when it does not exist or cannot be read.
 */
export async function readDataFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(error);
    throw new BadInputError(`cannot read data file ${file}: ${reason}`, { cause: error, value: file, details: [{ path: file, issue: reason }] });
  }
}

/** UTF-8 text of a data file's bytes, without a byte order mark. */
export function decodeText(content: Buffer | string): string {
  const text = typeof content === 'string' ? content : content.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A cell that holds nothing but whitespace is missing (Telco's blank TotalCharges is a single space). */
export function isBlank(value: string): boolean {
  return value.trim() === '';
}
