/** How much of one quoted value an error message shows by default. */
export const QUOTED_VALUE_MAX_LENGTH = 60;
/** How long one line of an error message may get before the rest is cut: long enough for a list of many columns, short of a binary file read as one huge line. */
export const MESSAGE_LINE_MAX_LENGTH = 2000;

// C0 and C1 control characters, DEL, and the bidi overrides that make a terminal show text other than it is;
// tab and newline stay (messages use them).
// eslint-disable-next-line no-control-regex
const unprintable = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` safe to print on a terminal: control characters (raw bytes of a binary file read as text) become `\xNN`
 * (`\uNNNN` above 0xff) and a line longer than `maxLineLength` is cut, saying how much was left out.
 */
export function printableText(text: string, maxLineLength = MESSAGE_LINE_MAX_LENGTH): string {
  return text
    .split('\n')
    .map((line) => truncate(line.replace(unprintable, escapeCharacter), maxLineLength))
    .join('\n');
}

/**
 * A value (a cell, a key, a flag) quoted for an error message: a string in double quotes with control characters
 * escaped, cut to `maxLength` characters with `…`; other values as JSON.
 */
export function quoteValue(value: unknown, maxLength = QUOTED_VALUE_MAX_LENGTH): string {
  if (typeof value !== 'string') return truncate(JSON.stringify(value) ?? String(value), maxLength);
  const shown = value.length > maxLength ? `${value.slice(0, maxLength)}…` : value;
  const escaped = shown.replace(/["\\]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(unprintable, escapeCharacter);
  return `"${escaped}"${value.length > maxLength ? ` (${value.length} characters)` : ''}`;
}

function escapeCharacter(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

function truncate(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength)}… (${text.length - maxLength} more characters)`;
}
