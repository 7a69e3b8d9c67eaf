// Writes schema/tandem.config.schema.json from the zod config schema; `--check` exits 1 when the committed file
// is stale, so `npm test` catches a schema change that was not regenerated.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema } from '../src/config/schema.ts';

const target = fileURLToPath(new URL('../schema/tandem.config.schema.json', import.meta.url));

/** The JSON schema of a config file as users write it (defaults optional), with a title for editors. */
function renderConfigSchema(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input' });
  const { $schema, ...rest } = schema;
  const titled = { $schema, title: 'Tandem config (tandem.config.json)', ...rest };
  return `${JSON.stringify(titled, null, 2)}\n`;
}

const rendered = renderConfigSchema();
const relative = path.relative(process.cwd(), target);
if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== rendered) {
    console.error(`${relative} is out of date with src/config/schema.ts: run \`npm run schema\` and commit it`);
    process.exit(1);
  }
  console.error(`${relative} is up to date`);
} else {
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, rendered);
  console.error(`wrote ${relative}`);
}
