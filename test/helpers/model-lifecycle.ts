import type { LoadedModel } from '../../src/model/model-artifacts.ts';

/** Polls `condition` every 10 ms until it holds; rejects naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether a loaded model's network has been disposed (its weights can no longer be read). */
export function isDisposed(model: LoadedModel): boolean {
  try {
    model.network.weights[0]!.read();
    return false;
  } catch {
    return true;
  }
}
