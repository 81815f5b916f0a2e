import type { ApiRequest } from '../core/vendor-api.js';
import type { ApiAnswer, VendorApiClient } from '../enrichment/ports.js';

/**
 * `VendorApiClient` over Node's `fetch`. Each call has a deadline: a vendor API that hangs must
 * fail the message (to be retried later) well inside the function's timeout, not use it up.
 */
export class FetchVendorApiClient implements VendorApiClient {
  constructor(private readonly timeoutMs: number) {}

  async call(baseUrl: string, request: ApiRequest): Promise<ApiAnswer> {
    // Joined, not resolved: a base URL may carry a path of its own (a proxy, a stand-in).
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined && { body: request.body }),
      redirect: 'error',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return { status: response.status, body: await response.text() };
  }
}
