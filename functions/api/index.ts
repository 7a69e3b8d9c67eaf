import { handle } from 'hono/aws-lambda';
import { selectBackend } from '../../src/model/backend.ts';
import { createApp } from '../../src/serve/app.ts';
import { createChampionModelSource } from '../../src/serve/champion-model-source.ts';
import { createFunctionContext } from '../function-context.ts';

const context = createFunctionContext('api');
// libtensorflow does not fit a Lambda package: the API scores with the wasm backend.
await selectBackend(context.env.backend ?? 'wasm');
// A frozen Lambda runs no timers: the pointer is read on each invocation instead of polled.
const models = await createChampionModelSource(context.store, { pollMs: 0, log: (message) => context.logger.warn(message) });
const serve = handle(createApp({ models, apiKeys: context.env.apiKeys, log: (message) => context.logger.error(message) }));

/** Lambda: the HTTP API (SPEC §7) behind a function URL or HTTP API, serving the store's champion. */
export const handler: typeof serve = async (event, lambdaContext) => {
  await models.refresh();
  return serve(event, lambdaContext);
};
