import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { BadInputError, type InputIssue } from '../errors/bad-input-error.ts';
import { configSchema, isTableConfig, type TableConfig, type TandemConfig } from './schema.ts';

/** A config and the file it came from (absolute path, or the `source` label given to `parseConfig`). */
export interface LoadedConfig {
  readonly config: TandemConfig;
  readonly file: string;
  /**
   * The data paths as written in the file (or the overrides), by field (`data.path`, `data.customers`, …), before
   * they were resolved against the config's folder: messages about a missing file quote them.
   */
  readonly writtenDataPaths: Readonly<Record<string, string>>;
}

/** Any part of a config file's JSON, for overrides: objects merge key by key, arrays and scalars replace. */
export type ConfigOverrides = { readonly [key: string]: unknown };

/** Options of `parseConfig`. */
export interface ParseConfigOptions {
  /**
   * Folder that a relative `data.path` is resolved against.
   * @default undefined (a relative path is left as it is)
   */
  readonly baseDir?: string;
}

/**
 * Reads, validates and normalises a config file.
 *
 * A relative `data.path` in the file is resolved against the file's folder; `s3://` URIs stay as they are.
 * `overrides` (e.g. from CLI flags) are deep-merged over the file's JSON before validation; a relative
 * `data.path` given there is resolved against the working directory, as a user typing it on a command line expects.
 *
 * @throws BadInputError when the file cannot be read, is not JSON (message names file, line and column) or does
 *   not match the schema (message and `details` list each `path.to.field: issue`).
 */
export async function loadConfig(file: string, overrides: ConfigOverrides = {}): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(error);
    throw new BadInputError(`cannot read config file ${file}: ${reason}`, {
      cause: error,
      value: file,
      details: [{ path: file, issue: reason }],
    });
  }
  const json = parseJsonText(text.replace(/^\uFEFF/, ''), file);
  const baseDir = path.dirname(absolute);
  const fromFile = resolveRawDataPath(json, baseDir);
  const merged = mergeOverrides(fromFile, resolveRawDataPath(overrides, process.cwd()));
  return { config: parseConfig(merged, file), file: absolute, writtenDataPaths: { ...rawDataPaths(json), ...rawDataPaths(overrides) } };
}

/**
 * Validates an in-memory config (e.g. the demo's) and applies the schema's defaults. `source` names it in error
 * messages.
 *
 * @throws BadInputError listing each `path.to.field: issue`, with the same pairs in `details`.
 */
export function parseConfig(value: unknown, source: string, options: ParseConfigOptions = {}): TandemConfig {
  const input = options.baseDir === undefined ? value : resolveRawDataPath(value, options.baseDir);
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const details = result.error.issues.flatMap(describeIssue);
    const lines = details.map((d) => `  ${d.path}: ${d.issue}`).join('\n');
    throw new BadInputError(`invalid config ${source}:\n${lines}`, { cause: result.error, details, value: source });
  }
  return result.data;
}

/** Formats a zod issue path as `tasks[0].label.column`; the empty path is `(root)`. */
export function formatIssuePath(issuePath: readonly PropertyKey[]): string {
  let out = '';
  for (const part of issuePath) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

function describeIssue(issue: z.core.$ZodIssue): InputIssue[] {
  // One detail per unknown key, so each one is located exactly.
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatIssuePath([...issue.path, key]), issue: 'unknown key' }));
  }
  return [{ path: formatIssuePath(issue.path), issue: issue.message }];
}

/** JSON.parse with a BadInputError that names the file, line and column of a syntax error. */
function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const offset = syntaxErrorOffset(text, error instanceof Error ? error.message : '');
    const { line, column } = lineAndColumn(text, offset);
    const reason = (error instanceof Error ? error.message : String(error)).replace(/ in JSON at position \d+.*$/s, '');
    const where = `${file}:${line}:${column}`;
    throw new BadInputError(`config file ${where} is not valid JSON: ${reason}`, {
      cause: error,
      value: file,
      details: [{ path: where, issue: reason }],
    });
  }
}

/**
 * Offset of a JSON syntax error. V8 states `at position N` for most errors but not all (e.g. "Unexpected token"),
 * so otherwise find the longest prefix that is still a valid start of a JSON document: the next character is the fault.
 */
function syntaxErrorOffset(text: string, message: string): number {
  const stated = /at position (\d+)/.exec(message);
  if (stated?.[1] !== undefined) return Number(stated[1]);
  const viable = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return true;
    } catch (error) {
      // The prefix is still viable when the parser only ran out of text (an error at or past its end).
      const message = error instanceof Error ? error.message : '';
      const at = /at position (\d+)/.exec(message)?.[1];
      return message.startsWith('Unexpected end of JSON input') || (at !== undefined && Number(at) >= length);
    }
  };
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (viable(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}

/** The data paths of both modes: `path` (table), `customers`, `sessions`, `orders` (events). */
const dataPathKeys = ['path', 'customers', 'sessions', 'orders'];

/** The data paths of a raw config object as written, by field: `{"data.path": "../data/telco.csv"}`. */
function rawDataPaths(value: unknown): Record<string, string> {
  if (!isPlainObject(value) || !isPlainObject(value.data)) return {};
  const data = value.data;
  return Object.fromEntries(dataPathKeys.flatMap((key) => (typeof data[key] === 'string' ? [[`data.${key}`, data[key]]] : [])));
}

/** Returns a copy of a raw config object whose relative data paths are made absolute against `baseDir`. */
function resolveRawDataPath(value: unknown, baseDir: string): unknown {
  if (!isPlainObject(value) || !isPlainObject(value.data)) return value;
  const data: Record<string, unknown> = { ...value.data };
  for (const key of dataPathKeys) if (typeof data[key] === 'string') data[key] = resolveDataPath(data[key], baseDir);
  return { ...value, data };
}

/** `s3://` URIs stay as they are; `file://` URLs become paths; relative paths are resolved against `baseDir`. */
function resolveDataPath(dataPath: string, baseDir: string): string {
  if (/^s3:\/\//i.test(dataPath) || dataPath === '') return dataPath;
  if (/^file:\/\//i.test(dataPath)) return fileURLToPath(dataPath);
  return path.resolve(baseDir, dataPath);
}

function mergeOverrides(base: unknown, overrides: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overrides)) return overrides === undefined ? base : overrides;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) merged[key] = mergeOverrides(base[key], value);
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Narrows a config to table mode; an events-mode config is a BadInputError naming `data.kind` and `what` needs it. */
export function requireTableConfig(config: TandemConfig, what = 'this command'): TableConfig {
  if (!isTableConfig(config)) {
    throw new BadInputError(`${what} needs a table-mode config (data.kind "table"), got data.kind "${config.data.kind}"`, {
      value: config.data.kind,
      details: [{ path: 'data.kind', issue: 'expected "table"' }],
    });
  }
  return config;
}

/** {@link loadConfig} for a table-mode config. */
export async function loadTableConfig(file: string, overrides: ConfigOverrides = {}): Promise<{ config: TableConfig; file: string }> {
  const loaded = await loadConfig(file, overrides);
  return { config: requireTableConfig(loaded.config, `config ${loaded.file}`), file: loaded.file };
}

/** {@link parseConfig} for a table-mode config. */
export function parseTableConfig(value: unknown, source: string, options: ParseConfigOptions = {}): TableConfig {
  return requireTableConfig(parseConfig(value, source, options), source);
}
