import { Amplify } from 'aws-amplify';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import { ConsoleLogger, type KeyValueStorageInterface } from 'aws-amplify/utils';

// Amplify warns at every configure that the user pool endpoint is a custom one: that is the point here.
ConsoleLogger.LOG_LEVEL = 'ERROR';

/** Amplify's key-value storage kept in a Map, so a test can see what Amplify stored (tokens, device keys). */
export class MemoryKeyValueStorage implements KeyValueStorageInterface {
  readonly items = new Map<string, string>();
  async setItem(key: string, value: string): Promise<void> {
    this.items.set(key, value);
  }
  async getItem(key: string): Promise<string | null> {
    return this.items.get(key) ?? null;
  }
  async removeItem(key: string): Promise<void> {
    this.items.delete(key);
  }
  async clear(): Promise<void> {
    this.items.clear();
  }
  /** The stored value whose key ends with `.${suffix}` (Amplify keys tokens by client id and username). */
  find(suffix: string): string | undefined {
    for (const [key, value] of this.items) if (key.endsWith(`.${suffix}`)) return value;
    return undefined;
  }
}

/**
 * Points Amplify's global singleton at one user pool client served by `endpoint`, with a fresh token store.
 * Amplify.configure re-installs its default storage each time, so the store is set after it.
 */
export function configureAmplify(endpoint: string, userPoolId: string, userPoolClientId: string): MemoryKeyValueStorage {
  Amplify.configure({ Auth: { Cognito: { userPoolId, userPoolClientId, userPoolEndpoint: endpoint } } });
  const storage = new MemoryKeyValueStorage();
  cognitoUserPoolsTokenProvider.setKeyValueStorage(storage);
  return storage;
}

/** One AWS JSON call Amplify made, as sent and as answered. */
export interface AmplifyCall {
  /** The operation, X-Amz-Target without the service prefix. */
  operation: string;
  request: Record<string, unknown>;
  status: number;
  response: Record<string, unknown>;
}

/**
 * Records the AWS JSON calls made through the global fetch to `endpoint` (Amplify uses fetch; the AWS SDK
 * clients of the test server use Node's http module and are not recorded). Call `restore()` when done.
 */
export function recordCalls(endpoint: string): { calls: AmplifyCall[]; restore(): void } {
  const calls: AmplifyCall[] = [];
  const original = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const response = await original(input, init);
    const headers = new Headers(init?.headers);
    const target = headers.get('x-amz-target');
    if (url.startsWith(endpoint) && target) {
      const parse = (text: string): Record<string, unknown> => {
        try {
          return JSON.parse(text) as Record<string, unknown>;
        } catch {
          return { text };
        }
      };
      calls.push({
        operation: target.split('.').pop()!,
        request: typeof init?.body === 'string' ? parse(init.body) : {},
        status: response.status,
        response: parse(await response.clone().text()),
      });
    }
    return response;
  };
  return {
    calls,
    restore: () => {
      globalThis.fetch = original;
    },
  };
}
