import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { toApiGatewayEvent } from './api-gateway-event.js';
import { closeServer, listenOnLoopback } from './servers.js';

/** A Lambda handler as an HTTP API integration invokes it (payload format 2.0). */
export type HttpHandler = (
  event: APIGatewayProxyEventV2,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** One `POST` route of the API, as the stack declares it. */
export interface HttpRoute {
  readonly path: string;
  readonly handler: HttpHandler;
}

/** Lambda's synchronous invocation payload limit: a larger request never reaches the function. */
export const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

const WEBHOOK_PREFIX = '/webhooks/';
const HEALTH_PATH = '/health';

/** Pages served beside the API (the inspector): tried before a request is refused as unknown. */
export interface PageHandler {
  /** Answers `request` when it is one of its pages (resolves `true`); leaves it alone otherwise. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  /** Ends what it keeps open (live streams), so the server can close. */
  close(): void;
}

export interface WebhookServerOptions {
  readonly port: number;
  /** Declared routes; a request to one gets the route key `POST <path>`, as in the stack. */
  readonly routes: readonly HttpRoute[];
  /**
   * Takes any other `POST /webhooks/…`, with route key `$default`. In AWS such a request stops
   * at API Gateway; locally the ingest handler answers it (404) and logs which path was wrong.
   */
  readonly webhookFallback: HttpHandler;
  readonly maxRequestBytes?: number;
  /** Serves its pages on the same port; an API route always wins over a page. */
  readonly pages?: PageHandler;
  /** Told about handler crashes, which API Gateway would answer with a 500. */
  readonly onError?: (error: unknown) => void;
}

export interface WebhookServer {
  readonly port: number;
  /** Stops taking requests and lets those in progress finish. */
  close(): Promise<void>;
}

/**
 * Plays API Gateway for local mode: a `POST` to a route becomes an HTTP API (payload 2.0) event
 * for its handler, whose answer is written back as it is.
 */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const server: Server = createServer((request, response) => {
    route(request, response, options).catch((error: unknown) => {
      options.onError?.(error);
      answer(response, 500, { message: 'Internal Server Error' });
    });
  });
  const port = await listenOnLoopback(server, options.port, 'Webhook server');
  return {
    port,
    close: () => {
      options.pages?.close();
      return closeServer(server);
    },
  };
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  options: WebhookServerOptions,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (path === HEALTH_PATH && (request.method === 'GET' || request.method === 'HEAD')) {
    answer(response, 200, { status: 'ok' });
    return;
  }
  const declared = options.routes.find((candidate) => candidate.path === path);
  if (!declared && !path.startsWith(WEBHOOK_PREFIX)) {
    if (await options.pages?.handle(request, response)) return;
    answer(response, 404, { message: 'Not Found' });
    return;
  }
  if (request.method !== 'POST') {
    answer(response, 405, { message: 'Method Not Allowed' }, { allow: 'POST' });
    return;
  }
  const limit = options.maxRequestBytes ?? MAX_REQUEST_BYTES;
  const body = await readBody(request, limit);
  if (body === undefined) {
    // The rest of the body is not read, so the connection cannot be reused.
    answer(response, 413, { message: 'Request Entity Too Large' }, { connection: 'close' });
    return;
  }
  const event = toApiGatewayEvent({
    request,
    body,
    routeKey: declared ? `POST ${path}` : '$default',
    now: new Date(),
  });
  const result = await (declared?.handler ?? options.webhookFallback)(event);
  const headers: OutgoingHttpHeaders = { 'apigw-requestid': event.requestContext.requestId };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  const payload = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(payload);
}

/** The whole body, or `undefined` once it exceeds `limit` bytes. */
export async function readBody(
  request: IncomingMessage,
  limit: number,
): Promise<Buffer | undefined> {
  if (Number(request.headers['content-length'] ?? 0) > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function answer(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
