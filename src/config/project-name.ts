import { z } from 'zod';

/**
 * A project name (the config's `name`): letters, digits, `_`, `-` and `.`, starting with a letter, digit or `_` and
 * not ending in `-` or `.`, at most 64 characters. It starts every model, run and dataset id
 * (`<name>-<UTC time>-<hex>`, `<name>-<hash>`) and names the project's champion (`champions/<name>.json`), so it
 * must stay one plain store-key segment: no `/`, no spaces, never `.` or `..`. Ids stay unambiguous because what
 * follows the name has a fixed shape and is read from the end. Task names stay identifiers: they become columns.
 */
export const projectNamePattern = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?$/;

/** The schema of the config's `name`. */
export const projectNameSchema = z
  .string()
  .regex(projectNamePattern, 'must be 1 to 64 letters, digits, _, - or ., start with a letter, digit or _ and not end in - or .')
  .describe('Project name: starts model, run and dataset ids and names the champion, e.g. "telco" or "bank-marketing".');
