import { BadInputError } from '../src/errors/bad-input-error.ts';
import { NotFoundError } from '../src/errors/not-found-error.ts';
import { selectBackend } from '../src/model/backend.ts';
import { loadModel } from '../src/model/model-artifacts.ts';
import { createApp } from '../src/serve/app.ts';
import { createChampionModelSource } from '../src/serve/champion-model-source.ts';
import { createFixedModelSource, type ModelSource } from '../src/serve/model-source.ts';
import { startServer, type RunningServer } from '../src/serve/start-server.ts';
import type { BlobStore } from '../src/store/blob-store.ts';
import { championProject } from './champion-project.ts';
import type { CommandContext } from './command.ts';

/** A running API and what it serves. */
export interface ServedApi {
  readonly server: RunningServer;
  readonly models: ModelSource;
  /** Stops the server, then releases the models. */
  close(): Promise<void>;
}

/** What {@link serveApi} serves, and where. */
export interface ServeApiOptions {
  /** `--model ID|champion|PATH`. @default 'champion' */
  readonly model?: string;
  /**
   * With `champion`: the project whose champion is served (and followed).
   * @default --project, else the config's name, else the store's only project
   */
  readonly project?: string;
  readonly port: number;
}

/**
 * Starts the HTTP API for `--model`: `champion` follows one project's champion pointer (a newly promoted champion
 * of that project is picked up without a restart; other projects' promotions are not); an id or a path serves that
 * model only.
 */
export async function serveApi(context: CommandContext, { model = 'champion', project, port }: ServeApiOptions): Promise<ServedApi> {
  const store = await context.store();
  await selectBackend(context.env.backend);
  const models: ModelSource =
    model === 'champion'
      ? await createChampionModelSource(store, { project: project ?? (await servedProject(context, store)), log: context.log })
      : createFixedModelSource(await loadModel(store, model));
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

/** The project `serve --model champion` follows; before any promotion it must be named, since none can be found. */
async function servedProject(context: CommandContext, store: BlobStore): Promise<string> {
  try {
    return await championProject(context, store);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    throw new BadInputError(`no champion in ${store.uri} yet: name the project to serve with --config FILE or --project NAME (503 until its first champion)`, {
      value: '--project',
      cause: error,
    });
  }
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
