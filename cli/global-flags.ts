import type { FlagSpec } from './command.ts';

/** Flags every command accepts (SPEC §1). */
export const globalFlags: Readonly<Record<string, FlagSpec>> = {
  config: { type: 'string', valueName: 'FILE', description: 'config file (default: tandem.config.json if present)' },
  store: { type: 'string', valueName: 'URI', description: 'store: file://DIR or s3://bucket/prefix (default: the config\'s store, else file://.tandem)' },
  json: { type: 'boolean', description: 'print one JSON document on stdout and nothing else there' },
  data: { type: 'string', valueName: 'PATH', description: 'table-mode data file to read instead of the config\'s data.path' },
  raw: { type: 'string', valueName: 'DIR', description: 'events-mode raw logs folder (events mode)' },
  help: { type: 'boolean', short: 'h', description: 'show help for this command' },
};
