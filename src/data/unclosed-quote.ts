/** Where a quoted CSV field that is never closed begins. */
export interface UnclosedQuote {
  /** 1-based line of the opening quote. */
  readonly line: number;
  /** 1-based position of the field in its record. */
  readonly field: number;
  /** The header's name for that field, when the header was read before the quote opened. */
  readonly column?: string;
}

/**
 * Finds the quoted field that runs to the end of the file (csv-parse only says where the file ends). Follows RFC 4180
 * as csv-parse does by default: a `"` opens a quoted field only at the start of a field, `""` inside is a quote, and
 * CRLF, LF or CR end a line.
 * @returns the opening quote's line and field, or undefined when every quoted field is closed.
 */
export function findUnclosedQuote(text: string, delimiter = ','): UnclosedQuote | undefined {
  let line = 1;
  let field = 1;
  let fieldStart = true;
  let quotedAt: { line: number; field: number } | undefined;
  let headerDone = false;
  const header: string[] = [];
  let cell = '';
  const endField = (): void => {
    if (!headerDone) header.push(cell.trim());
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quotedAt !== undefined) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quotedAt = undefined;
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && fieldStart) {
      quotedAt = { line, field };
      fieldStart = false;
    } else if (c === delimiter) {
      endField();
      field++;
      fieldStart = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      // A blank line is skipped and does not end the header.
      if (!(field === 1 && fieldStart)) {
        endField();
        headerDone = true;
      }
      line++;
      field = 1;
      fieldStart = true;
    } else {
      cell += c;
      fieldStart = false;
    }
  }
  if (quotedAt === undefined) return undefined;
  const column = headerDone ? header[quotedAt.field - 1] : undefined;
  return column === undefined || column === '' ? quotedAt : { ...quotedAt, column };
}
