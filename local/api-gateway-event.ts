import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * Builds the event API Gateway (HTTP API, payload format 2.0) gives a Lambda for one request,
 * so the ingest handler cannot tell local mode from AWS.
 */

/** The account id local-aws-sqs writes into its ARNs; cosmetic here too. */
const LOCAL_ACCOUNT_ID = '123456789012';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface RequestFacts {
  readonly request: IncomingMessage;
  readonly body: Buffer;
  /** `POST /webhooks/treezor` for a declared route, `$default` otherwise. */
  readonly routeKey: string;
  readonly now: Date;
  readonly requestId?: string;
}

export function toApiGatewayEvent(facts: RequestFacts): APIGatewayProxyEventV2 {
  const { request, body, now } = facts;
  const [rawPath = '/', rawQueryString = ''] = splitOnce(request.url ?? '/', '?');
  const { headers, cookies } = readHeaders(request);
  const queryStringParameters = readQuery(rawQueryString);
  const text = isTextual(headers['content-type']) ? decodeUtf8(body) : undefined;
  const requestId = facts.requestId ?? randomUUID();
  const host = headers['host'] ?? 'localhost';
  return {
    version: '2.0',
    routeKey: facts.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(queryStringParameters && { queryStringParameters }),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: sourceIpOf(request),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: facts.routeKey,
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now.getTime(),
    },
    // API Gateway passes text bodies as they are and base64-encodes the rest.
    ...(body.length > 0 && { body: text ?? body.toString('base64') }),
    isBase64Encoded: body.length > 0 && text === undefined,
  };
}

/**
 * The TCP peer, as API Gateway reports it: never `X-Forwarded-For`, which the caller controls.
 * IPv4 peers of a dual-stack socket arrive as `::ffff:1.2.3.4`.
 */
export function sourceIpOf(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Lower-cased names, repeated headers joined with commas, cookies apart: API Gateway's shape. */
function readHeaders(request: IncomingMessage): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, values] of Object.entries(request.headersDistinct)) {
    if (values === undefined) continue;
    if (name === 'cookie') {
      cookies = values.flatMap((value) => value.split(';').map((c) => c.trim())).filter(Boolean);
      continue;
    }
    headers[name] = values.join(',');
  }
  return { headers, cookies };
}

function readQuery(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const previous = parameters[name];
    parameters[name] = previous === undefined ? value : `${previous},${value}`;
  }
  return parameters;
}

/** Text-like content types, which API Gateway does not base64-encode. */
function isTextual(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type === 'application/xml' ||
    type === 'application/javascript' ||
    type.endsWith('+json') ||
    type.endsWith('+xml')
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Invalid UTF-8 is passed base64-encoded whatever the content type, so no byte is lost. */
function decodeUtf8(body: Buffer): string | undefined {
  try {
    return utf8.decode(body);
  } catch {
    return undefined;
  }
}

/** `12/Mar/2020:19:03:58 +0000`, API Gateway's request time format. */
function formatRequestTime(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

function splitOnce(value: string, separator: string): [string, string] {
  const at = value.indexOf(separator);
  return at === -1 ? [value, ''] : [value.slice(0, at), value.slice(at + 1)];
}
