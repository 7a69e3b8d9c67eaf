/**
 * The worker thread of `encodeChunksInWorker`: reads a table file in chunks, checks and encodes each
 * (createChunkEncoder) and posts it, its matrix transferred, at most `ahead` chunks before the scorer asks for more.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openTableChunks } from '../data/read-table-chunks.ts';
import type { BadInputError } from '../errors/bad-input-error.ts';
import { columnsToKeep, createChunkEncoder, type EncodeWorkerData, type EncodeWorkerMessage } from './encoded-chunks.ts';

const data = workerData as EncodeWorkerData;
const port = parentPort as NonNullable<typeof parentPort>;
let credits = data.ahead;
let wake: (() => void) | undefined;
port.on('message', () => {
  credits++;
  wake?.();
});

const post = (message: EncodeWorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

try {
  const table = await openTableChunks(data.file, { chunkRows: data.chunkRows, keep: columnsToKeep(data) });
  try {
    const encode = createChunkEncoder(data);
    for await (const chunk of table.chunks) {
      const encoded = encode(chunk);
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      // A matrix that is a view of a larger buffer (rows were rejected) is copied so only its rows cross.
      const x = encoded.x.byteLength === encoded.x.buffer.byteLength ? encoded.x : encoded.x.slice();
      post({ kind: 'chunk', chunk: { ...encoded, x } }, [x.buffer as ArrayBuffer]);
    }
  } finally {
    await table.close();
  }
  post({ kind: 'end' });
} catch (error) {
  const { name, message, value, details } = error as BadInputError;
  post({ kind: 'error', name: String(name), message: String(message), ...(details === undefined ? {} : { details }), ...(isCloneable(value) ? { value } : {}) });
}
// Done: without a listener the port no longer keeps the thread alive.
port.removeAllListeners('message');

function isCloneable(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}
