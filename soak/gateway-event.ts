import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * The API Gateway (HTTP API, payload 2.0) event for one POST, built directly rather than over
 * HTTP: the soak calls the ingest handler in-process, as API Gateway would call the Lambda.
 * Same shape as local/api-gateway-event.ts produces from a real request.
 */
export function postEvent(options: {
  readonly route: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly now: Date;
}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { host: 'localhost', 'user-agent': 'kyc-soak' };
  for (const [name, value] of Object.entries(options.headers)) headers[name.toLowerCase()] = value;
  return {
    version: '2.0',
    routeKey: `POST ${options.route}`,
    rawPath: options.route,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'soak',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'POST',
        path: options.route,
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp,
        userAgent: 'kyc-soak',
      },
      requestId: options.requestId,
      routeKey: `POST ${options.route}`,
      stage: '$default',
      time: options.now.toUTCString(),
      timeEpoch: options.now.getTime(),
    },
    body: options.body,
    isBase64Encoded: false,
  };
}
