import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { DynamoEventHistory } from '../../lambdas/adapters/dynamo-event-history.js';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { EventBridgeEventPublisher } from '../../lambdas/adapters/eventbridge-event-publisher.js';
import { subjectKeyOf } from '../../lambdas/core/ports.js';
import { findVendor } from '../../lambdas/vendors/registry.js';
import { referencedSubjects, subjectHistory } from '../../cli/commands/history.js';
import { REPLAY_LEASE_MS } from '../../cli/commands/replay.js';
import { replayEvent, type ReplayDeps } from '../../cli/replay.js';
import type { QueueRef } from '../../cli/target.js';
import type { LocalClients } from '../clients.js';
import { readBody, type PageHandler } from '../http-server.js';
import { readRefusedDeliveries } from './deliveries.js';
import { inspectorDeadLetters } from './dead-letters.js';
import { streamEvents } from './event-stream.js';
import { checkChange, checkHost, SECURITY_HEADERS } from './guard.js';

/**
 * The local inspector: a page at the webhook server's root URL and the JSON it reads, over the
 * stores the CLI reads and through the CLI's own functions (history, replay, redrive).
 *
 *   GET  /                          the page (static/index.html, its script and style)
 *   GET  /inspector/events          published events, live (server-sent events)
 *   GET  /inspector/subject?vendor&kind&id   the subject's history and state
 *   GET  /inspector/subjects?vendor&reference   the subjects of the customer's own reference
 *   GET  /inspector/deliveries      refused deliveries, newest first, with their reason
 *   GET  /inspector/dead-letters    the dead-letter queue's depth and latest redrive
 *   GET  /inspector/dead-letters/messages   its messages, each with its last failure's reason
 *   POST /inspector/replay {eventId}   replays one event (republished even if unchanged)
 *   POST /inspector/redrive {}      moves the dead-letter queue back to the ingest queue
 *   POST /inspector/redrive {messageId}   moves that message only
 */

export interface InspectorOptions {
  readonly clients: Pick<LocalClients, 'dynamodb' | 'sqs' | 'eventBridge'>;
  readonly tableName: string;
  readonly eventBusName: string;
  readonly eventsFile: string;
  /** Local mode's delivery log (`deliveries.jsonl` beside the events file). */
  readonly deliveriesFile: string;
  readonly deadLetterQueue: QueueRef;
  /** Whether replayed events carry the vendor's body, as the processor publishes them. */
  readonly includePayload: boolean;
}

const INSPECTOR_PREFIX = '/inspector/';

const STATIC_DIR = new URL('./static/', import.meta.url);
const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/inspector/inspector.js': { file: 'inspector.js', type: 'text/javascript; charset=utf-8' },
  '/inspector/inspector.css': { file: 'inspector.css', type: 'text/css; charset=utf-8' },
};
/** Refusals shown; the log file keeps them all. */
const DELIVERIES_SHOWN = 200;
const MAX_CHANGE_BYTES = 16 * 1024;

export function createInspector(options: InspectorOptions): PageHandler {
  const { clients, tableName } = options;
  const store = DynamoEventStore.create(clients.dynamodb, tableName);
  const history = DynamoEventHistory.create(clients.dynamodb, tableName);
  const replayDeps: ReplayDeps = {
    store,
    history,
    publisher: new EventBridgeEventPublisher(clients.eventBridge, options.eventBusName),
    now: () => new Date(),
    includePayload: options.includePayload,
    leaseMs: REPLAY_LEASE_MS,
  };
  const deadLetters = inspectorDeadLetters(clients, tableName, options.deadLetterQueue);
  const streams = new Set<AbortController>();

  const get = async (
    path: string,
    query: URLSearchParams,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> => {
    const page = STATIC_FILES[path];
    if (page) {
      const body = await readFile(fileURLToPath(new URL(page.file, STATIC_DIR)));
      response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': page.type });
      response.end(body);
      return;
    }
    switch (path) {
      case '/inspector/events': {
        const stream = new AbortController();
        streams.add(stream);
        request.on('close', () => stream.abort());
        try {
          await streamEvents(options.eventsFile, response, stream.signal);
        } finally {
          streams.delete(stream);
        }
        return;
      }
      case '/inspector/subject': {
        const vendor = findVendor(query.get('vendor') ?? '');
        const kind = query.get('kind') ?? '';
        const id = query.get('id') ?? '';
        if (!vendor || kind === '' || id === '') {
          json(response, 400, { message: 'Give a known vendor, a subject kind and an id' });
          return;
        }
        const subject = await subjectHistory(history, store, subjectKeyOf(vendor.id, { kind, id }));
        json(response, 200, { subject: subject ?? null });
        return;
      }
      case '/inspector/subjects': {
        const vendor = findVendor(query.get('vendor') ?? '');
        const reference = query.get('reference') ?? '';
        if (!vendor || reference === '') {
          json(response, 400, { message: 'Give a known vendor and your reference' });
          return;
        }
        const subjects = await referencedSubjects(history, store, vendor.id, reference);
        json(response, 200, { subjects });
        return;
      }
      case '/inspector/deliveries':
        json(response, 200, await readRefusedDeliveries(options.deliveriesFile, DELIVERIES_SHOWN));
        return;
      case '/inspector/dead-letters':
        json(response, 200, await deadLetters.state());
        return;
      case '/inspector/dead-letters/messages':
        json(response, 200, { letters: await deadLetters.list() });
        return;
      default:
        json(response, 404, { message: 'Not Found' });
    }
  };

  const post = async (path: string, body: unknown, response: ServerResponse): Promise<void> => {
    switch (path) {
      case '/inspector/replay': {
        const eventId = (body as { eventId?: unknown } | null)?.eventId;
        if (typeof eventId !== 'string' || eventId === '') {
          json(response, 400, { message: 'Send {"eventId": "<vendor>:<id>"}' });
          return;
        }
        // The page's button asks for the event again: published even when nothing changed.
        json(response, 200, await replayEvent(eventId, replayDeps, { dryRun: false, force: true }));
        return;
      }
      case '/inspector/redrive': {
        const messageId = (body as { messageId?: unknown } | null)?.messageId;
        if (messageId === undefined) {
          const started = await deadLetters.redriveAll();
          json(response, 200, { ...started, ...(await deadLetters.state()) });
          return;
        }
        if (typeof messageId !== 'string' || messageId === '') {
          json(response, 400, { message: 'Send {} to redrive all, or {"messageId": "<id>"}' });
          return;
        }
        json(response, 200, await deadLetters.redriveOne(messageId));
        return;
      }
      default:
        json(response, 404, { message: 'Not Found' });
    }
  };

  return {
    async handle(request, response) {
      const url = new URL(request.url ?? '/', 'http://inspector');
      const path = url.pathname;
      if (path !== '/' && !path.startsWith(INSPECTOR_PREFIX)) return false;
      const refusal = checkHost(request);
      if (refusal) {
        json(response, refusal.status, { message: refusal.message });
        return true;
      }
      if (request.method === 'GET') {
        await get(path, url.searchParams, request, response);
        return true;
      }
      if (request.method !== 'POST') {
        json(response, 405, { message: 'Method Not Allowed' }, { allow: 'GET, POST' });
        return true;
      }
      const change = checkChange(request);
      if (change) {
        json(response, change.status, { message: change.message });
        return true;
      }
      const bytes = await readBody(request, MAX_CHANGE_BYTES);
      let body: unknown;
      try {
        body = bytes === undefined ? undefined : JSON.parse(bytes.toString('utf8'));
      } catch {
        body = undefined;
      }
      if (body === undefined) {
        // An oversized body is not read to its end, so the connection cannot be reused.
        json(
          response,
          400,
          { message: `Send a JSON body of at most ${MAX_CHANGE_BYTES} bytes` },
          {
            ...(bytes === undefined && { connection: 'close' }),
          },
        );
        return true;
      }
      await post(path, body, response);
      return true;
    },
    close() {
      for (const stream of streams) stream.abort();
    },
  };
}

function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    ...headers,
  });
  response.end(JSON.stringify(body));
}
