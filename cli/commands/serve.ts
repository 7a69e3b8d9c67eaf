import { projectFlag } from '../champion-project.ts';
import type { Command } from '../command.ts';
import { readNumericFlag } from '../numeric-flags.ts';
import { serveApi } from '../serve-api.ts';

/** `tandem serve`: the HTTP API (SPEC §7). */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the HTTP API (/v1/predict, /v1/explain, /v1/model, /healthz, /docs) for a model',
  help: [
    'With --model champion (the default) it serves the champion of one project (the config\'s name, --project NAME, or',
    'the store\'s only project) and picks up that project\'s newly promoted champion without a restart; promoting a',
    'model of another project in the same store changes nothing here.',
    'Set TANDEM_API_KEYS=key1,key2 to require an x-api-key header on every route but /healthz.',
  ].join('\n'),
  flags: {
    model: { type: 'string', valueName: 'ID|champion|PATH', description: 'the model to serve (default: champion)' },
    project: projectFlag,
    port: { type: 'string', valueName: 'P', description: 'TCP port (default: $PORT or 8787; 0 picks a free one)' },
  },
  async run(context) {
    const port = readNumericFlag(context.flags, 'port', { min: 0, max: 65535 }) ?? context.env.port;
    const api = await serveApi(context, { ...(typeof context.flags.model === 'string' ? { model: context.flags.model } : {}), port });
    const modelId = api.models.current()?.modelId ?? null;
    context.announce({
      json: { url: api.server.url, modelId },
      text: `serving ${modelId ?? 'no model yet (503 until a champion is promoted)'} on ${api.server.url} — docs at ${api.server.url}/docs; Ctrl-C stops`,
    });
    await context.stopped;
    await api.close();
    return { json: { url: api.server.url, modelId }, text: 'stopped' };
  },
};
