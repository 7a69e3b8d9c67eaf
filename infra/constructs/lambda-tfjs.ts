/**
 * What Lambda bundles get for `@tensorflow/tfjs` (an esbuild alias set by TandemFunction): the union package minus
 * the parts no Tandem Lambda uses — the WebGL backend, tfjs-converter (graph models) and tfjs-data. Every name Tandem
 * reads from `tf` (core ops, layers, io, serialization, train, the cpu backend, `version`) is still here. Left in, those
 * parts were about a third of the API bundle's code, parsed and evaluated (WebGL's kernels registered) on every cold
 * start. Nothing imports this file: it is only the alias target.
 */
import '@tensorflow/tfjs-core';
// The same registrations the union package makes: gradients (training) and chained ops (`x.reshape()`, used by layers).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { version_core } from '@tensorflow/tfjs-core';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { version_layers } from '@tensorflow/tfjs-layers';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
export * from '@tensorflow/tfjs-backend-cpu';

/** The union's `tf.version`, without the packages left out; `tfjs` is the union's version, which all parts share. */
export const version = { 'tfjs-core': version_core, 'tfjs-backend-cpu': version_cpu, 'tfjs-layers': version_layers, tfjs: version_core };
