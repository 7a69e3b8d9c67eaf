import { readEnvironment } from '../../src/config/environment.ts';
import { ApiKeysUnavailableError } from './api-keys-unavailable-error.ts';

/** Reads a secret's text (`SecretString`) by id or ARN. */
export type SecretReader = (secretId: string) => Promise<string>;

/** The port the AWS Parameters and Secrets Lambda Extension listens on (its default). */
export const secretsExtensionPort = 2773;

/** Options of {@link readSecretThroughExtension}. */
export interface ExtensionSecretReaderOptions {
  /** The function's `AWS_SESSION_TOKEN`: the extension answers only requests that carry it. */
  readonly sessionToken: string;
  /** @default secretsExtensionPort */
  readonly port?: number;
}

/**
 * A {@link SecretReader} that asks the AWS Parameters and Secrets Lambda Extension (a layer beside the function) over
 * HTTP on localhost: no AWS SDK client in the bundle, so nothing more to load at cold start. The extension serves
 * from the first invocation on (not during the function's init).
 */
export function readSecretThroughExtension({ sessionToken, port = secretsExtensionPort }: ExtensionSecretReaderOptions): SecretReader {
  return async (secretId) => {
    const url = `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
    let response: Response;
    try {
      response = await fetch(url, { headers: { 'X-Aws-Parameters-Secrets-Token': sessionToken } });
    } catch (error) {
      throw new ApiKeysUnavailableError(secretId, `the secrets extension on port ${port} did not answer`, error);
    }
    const text = await response.text();
    if (!response.ok) throw new ApiKeysUnavailableError(secretId, `the secrets extension answered ${response.status}: ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as { SecretString?: unknown };
    if (typeof body.SecretString !== 'string') throw new ApiKeysUnavailableError(secretId, 'the secret has no SecretString (a binary secret?)');
    return body.SecretString;
  };
}

/**
 * The keys a secret holds: `{"apiKeys": "key1,key2"}` (what the API stack creates) or the bare `key1,key2`; either
 * way the value is read exactly as `TANDEM_API_KEYS` is (split on commas, trimmed, at least one key). Several keys let
 * a key be rotated without refusing anyone: add the new key, hand it out, then remove the old one.
 */
export function parseApiKeysSecret(text: string, secretId: string): readonly string[] {
  let value = text;
  if (text.trimStart().startsWith('{')) {
    const parsed = JSON.parse(text) as { apiKeys?: unknown };
    if (typeof parsed.apiKeys !== 'string') throw new ApiKeysUnavailableError(secretId, 'the secret\'s JSON has no string field "apiKeys"');
    value = parsed.apiKeys;
  }
  try {
    return readEnvironment({ TANDEM_API_KEYS: value }).apiKeys;
  } catch (error) {
    throw new ApiKeysUnavailableError(secretId, 'the secret holds no key', error);
  }
}

/** The current API keys, read from their secret and cached. */
export interface ApiKeySource {
  current(): Promise<readonly string[]>;
}

/** Options of {@link createApiKeySource}. */
export interface ApiKeySourceOptions {
  readonly secretId: string;
  readonly read: SecretReader;
  /** How long a read is trusted: a rotated key is picked up within this time. @default 5 minutes */
  readonly ttlMs?: number;
  /** After a failed re-read, how long the last keys are served before the next try. @default 30 seconds */
  readonly retryMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** Where a failed re-read is reported (the last keys stay in use). */
  readonly log?: (message: string) => void;
}

/**
 * Reads the keys on the first call and again once `ttlMs` has passed, one read at a time however many requests wait.
 * A failed re-read keeps the last keys (they were valid a moment ago; refusing every caller because Secrets Manager
 * hiccuped would be worse) and tries again after `retryMs`; a failed first read throws ApiKeysUnavailableError.
 */
export function createApiKeySource({ secretId, read, ttlMs = 5 * 60_000, retryMs = 30_000, now = Date.now, log = () => {} }: ApiKeySourceOptions): ApiKeySource {
  let cached: { keys: readonly string[]; freshUntil: number } | undefined;
  let reading: Promise<readonly string[]> | undefined;
  const refresh = async (): Promise<readonly string[]> => {
    try {
      const keys = parseApiKeysSecret(await read(secretId), secretId);
      cached = { keys, freshUntil: now() + ttlMs };
      return keys;
    } catch (error) {
      if (cached === undefined) throw error instanceof ApiKeysUnavailableError ? error : new ApiKeysUnavailableError(secretId, String(error), error);
      log(`re-reading the API keys failed; serving the last keys for ${retryMs} ms more: ${error instanceof Error ? error.message : String(error)}`);
      cached = { keys: cached.keys, freshUntil: now() + retryMs };
      return cached.keys;
    }
  };
  return {
    current() {
      if (cached !== undefined && now() < cached.freshUntil) return Promise.resolve(cached.keys);
      reading ??= refresh().finally(() => {
        reading = undefined;
      });
      return reading;
    },
  };
}
