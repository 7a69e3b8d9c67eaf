import { handle } from 'hono/aws-lambda';
import { selectBackend } from '../../src/model/backend.ts';
import { createApp } from '../../src/serve/app.ts';
import { createChampionModelSource } from '../../src/serve/champion-model-source.ts';
import { createFunctionContext } from '../function-context.ts';
import { MissingEnvironmentError } from '../function-environment.ts';

const context = createFunctionContext('api');
// The project (a config's name) whose champion this API serves: other projects share the store, not the API.
const { project } = context.env;
if (project === undefined) throw new MissingEnvironmentError('TANDEM_PROJECT');
// libtensorflow does not fit a Lambda package: the API scores with the wasm backend.
await selectBackend(context.env.backend ?? 'wasm');
// A frozen Lambda runs no timers: the pointer is read on each invocation instead of polled.
const models = await createChampionModelSource(context.store, { project, pollMs: 0, log: (message) => context.logger.warn(message) });
// One request per instance at a time: micro-batching would only add its window to every request.
const serve = handle(createApp({ models, apiKeys: context.env.apiKeys, log: (message) => context.logger.error(message), batchWindowMs: 0 }));

/** Lambda: the HTTP API (SPEC §7) behind a function URL or HTTP API, serving the champion of `TANDEM_PROJECT`. */
export const handler: typeof serve = async (event, lambdaContext) => {
  await models.refresh();
  return serve(event, lambdaContext);
};
