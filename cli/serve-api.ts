import { selectBackend } from '../src/model/backend.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { createApp } from '../src/serve/app.ts';
import { createChampionModelSource } from '../src/serve/champion-model-source.ts';
import { createFixedModelSource, type ModelSource } from '../src/serve/model-source.ts';
import { startServer, type RunningServer } from '../src/serve/start-server.ts';
import type { CommandContext } from './command.ts';

/** A running API and what it serves. */
export interface ServedApi {
  readonly server: RunningServer;
  readonly models: ModelSource;
  /** Stops the server, then releases the models. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP API for `--model`: `champion` follows the store's champion pointer (a new champion is picked up
 * without a restart); an id or a path serves that model only.
 */
export async function serveApi(context: CommandContext, { model = 'champion', port }: { model?: string; port: number }): Promise<ServedApi> {
  const store = await context.store();
  await selectBackend(context.env.backend);
  const models: ModelSource =
    model === 'champion' ? await createChampionModelSource(store, { log: context.log }) : createFixedModelSource(await loadModel(store, model));
  const app = createApp({ models, apiKeys: context.env.apiKeys, log: context.log });
  const server = await startServer(app, { port });
  return {
    server,
    models,
    close: async () => {
      await server.close();
      await models.close?.();
    },
  };
}

/** Example calls for the running API, with a real row of feature columns. */
export function exampleCalls(url: string, row: Readonly<Record<string, unknown>>, apiKeyRequired: boolean): string {
  const key = apiKeyRequired ? ` -H 'x-api-key: $TANDEM_API_KEY'` : '';
  const body = JSON.stringify({ customers: [row] }).replace(/'/g, "'\\''");
  return [
    `  curl -s ${url}/healthz`,
    `  curl -s${key} ${url}/v1/model`,
    `  curl -s${key} -X POST ${url}/v1/predict -H 'content-type: application/json' -d '${body}'`,
    `  curl -s${key} -X POST ${url}/v1/explain -H 'content-type: application/json' -d '${body}'`,
    `  open ${url}/docs   (OpenAPI: ${url}/openapi.json)`,
  ].join('\n');
}
