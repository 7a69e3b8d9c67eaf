import { BadInputError } from '../errors/bad-input-error.ts';

/** How many leading bytes are inspected: enough for a header and some rows, cheap for any file. */
export const TEXT_SNIFF_BYTES = 8192;

/** File signatures that users rename to .csv or .jsonl by mistake, and what to do instead. */
const signatures: readonly { readonly magic: readonly number[]; readonly what: string }[] = [
  { magic: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive, such as an Excel .xlsx workbook; export the sheet as CSV, or unzip it' },
  { magic: [0x1f, 0x8b], what: 'gzip-compressed data; decompress it first (gunzip)' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd-compressed data; decompress it first (unzstd)' },
  { magic: [0x42, 0x5a, 0x68], what: 'bzip2-compressed data; decompress it first (bunzip2)' },
  { magic: [0x50, 0x41, 0x52, 0x31], what: 'a Parquet file; give it the .parquet extension' },
  { magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], what: 'an old Excel .xls workbook; export the sheet as CSV' },
  { magic: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
  { magic: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65], what: 'an SQLite database' },
];

/**
 * Why the first bytes of a file are not UTF-8 text, or undefined when they are (or nearly are: a few invalid bytes,
 * as in a Latin-1 file with some accents, are left to the reader, which shows them as U+FFFD).
 * Signs of binary: a known file signature, UTF-16 (a BOM, or NULs between ASCII letters), a NUL byte, or more than
 * 10% of the sample in control characters and invalid UTF-8.
 */
export function binaryContentReason(content: Uint8Array): string | undefined {
  const sample = content.subarray(0, TEXT_SNIFF_BYTES);
  for (const { magic, what } of signatures) if (magic.every((byte, i) => sample[i] === byte)) return what;
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff)) return 'UTF-16 text; save it as UTF-8';
  const nul = sample.indexOf(0);
  if (nul !== -1) {
    const utf16 = sample.length >= 4 && ((sample[1] === 0 && sample[3] === 0) || (sample[0] === 0 && sample[2] === 0));
    return utf16 ? 'UTF-16 text; save it as UTF-8' : `a NUL byte at offset ${nul}`;
  }
  const bad = controlBytes(sample) + invalidUtf8Bytes(sample);
  if (bad > 0.1 * sample.length) return `${Math.round((100 * bad) / sample.length)}% of the first ${sample.length} bytes are control characters or invalid UTF-8`;
  return undefined;
}

/**
 * Throws when a data file's content is binary rather than text, before any parser quotes its bytes back.
 * @throws BadInputError "`source` is not a text `format` file (it looks binary: …)".
 */
export function assertTextContent(content: Buffer | string, source: string, format: string): void {
  if (typeof content === 'string') return;
  const reason = binaryContentReason(content);
  if (reason === undefined) return;
  const issue = `not a text ${format} file (it looks binary: ${reason})`;
  throw new BadInputError(`${source} is ${issue}`, { value: source, details: [{ path: source, issue }] });
}

function controlBytes(sample: Uint8Array): number {
  let count = 0;
  // Tab, newline, form feed and carriage return are text.
  for (const byte of sample) if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d) || byte === 0x7f) count++;
  return count;
}

/** Bytes that are not part of a well-formed UTF-8 sequence; a sequence cut by the end of the sample counts as fine. */
function invalidUtf8Bytes(sample: Uint8Array): number {
  let invalid = 0;
  let i = 0;
  while (i < sample.length) {
    const byte = sample[i] as number;
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 0;
    if (length === 0) {
      invalid++;
      i++;
      continue;
    }
    let ok = true;
    for (let k = 1; k < length && i + k < sample.length; k++) if (((sample[i + k] as number) & 0xc0) !== 0x80) ok = false;
    if (ok) i += length;
    else {
      invalid++;
      i++;
    }
  }
  return invalid;
}
