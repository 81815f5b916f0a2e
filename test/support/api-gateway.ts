import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * An API Gateway HTTP API (payload v2) request, as the ingest and token functions receive it.
 * The route key is always `POST <path>`; `method` changes only what the request says it is. The
 * functions read the path, headers, body, method, source address and request id; the rest is
 * fixed and cosmetic.
 */
export function apiGatewayEvent(options: {
  readonly path: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly isBase64Encoded?: boolean;
  readonly method?: string;
  readonly sourceIp?: string;
  readonly requestId?: string;
}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `POST ${options.path}`,
    rawPath: options.path,
    rawQueryString: '',
    headers: { ...options.headers },
    ...(options.body !== undefined && { body: options.body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'example.com',
      domainPrefix: 'example',
      http: {
        method: options.method ?? 'POST',
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? '203.0.113.10',
        userAgent: 'test',
      },
      requestId: options.requestId ?? 'api-req-1',
      routeKey: `POST ${options.path}`,
      stage: '$default',
      time: '01/Mar/2026:10:00:00 +0000',
      timeEpoch: Date.parse('2026-03-01T10:00:00.000Z'),
    },
  };
}
