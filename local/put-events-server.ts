import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readBody } from './http-server.js';
import { closeServer, listenOnLoopback } from './servers.js';

/**
 * A stand-in for EventBridge's PutEvents, speaking its JSON 1.1 wire protocol so the real
 * `EventBridgeEventPublisher` and SDK client talk to it unchanged. Each accepted entry becomes
 * one JSON line in the events file, which is what a downstream rule would have received.
 */

const TARGET = 'AWSEvents.PutEvents';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** PutEvents' request limit is 1 MiB of entries; leave room for the JSON around them. */
const MAX_REQUEST_BYTES = 2 * 1_048_576;

/** One line of the events file. */
export interface PublishedEvent {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
  readonly Time: string;
}

export interface PutEventsServerOptions {
  readonly port: number;
  readonly eventsFile: string;
  /** Called once per published event, after it was written to the file. */
  readonly onEvent?: (event: PublishedEvent) => void;
}

export interface PutEventsServer {
  readonly port: number;
  close(): Promise<void>;
}

interface EntryResult {
  readonly EventId?: string;
  readonly ErrorCode?: string;
  readonly ErrorMessage?: string;
}

export async function startPutEventsServer(
  options: PutEventsServerOptions,
): Promise<PutEventsServer> {
  // Appends are chained so concurrent calls write whole lines in the order they were accepted.
  let writes: Promise<unknown> = Promise.resolve();
  const append = (lines: string): Promise<void> => {
    const write = writes.then(() => appendFile(options.eventsFile, lines, 'utf8'));
    writes = write.catch(() => undefined);
    return write;
  };

  const server: Server = createServer((request, response) => {
    handle(request, response, append, options.onEvent).catch((error: unknown) => {
      reply(response, 500, { __type: 'InternalException', message: String(error) });
    });
  });
  const port = await listenOnLoopback(server, options.port, 'EventBridge (PutEvents)');
  return { port, close: () => closeServer(server, true) };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  append: (lines: string) => Promise<void>,
  onEvent: ((event: PublishedEvent) => void) | undefined,
): Promise<void> {
  const target = request.headers['x-amz-target'];
  if (request.method !== 'POST' || target !== TARGET) {
    reply(response, 400, {
      __type: 'UnknownOperationException',
      message: `Local EventBridge serves only ${TARGET}`,
    });
    return;
  }
  const body = await readBody(request, MAX_REQUEST_BYTES);
  if (body === undefined) {
    reply(response, 413, { __type: 'ValidationException', message: 'Request too large' });
    return;
  }
  let entries: unknown;
  try {
    entries = (JSON.parse(body.toString('utf8')) as { Entries?: unknown }).Entries;
  } catch {
    reply(response, 400, { __type: 'SerializationException', message: 'Body is not JSON' });
    return;
  }
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
    reply(response, 400, {
      __type: 'ValidationException',
      message: 'Entries must hold between 1 and 10 entries',
    });
    return;
  }

  const results: EntryResult[] = [];
  const accepted: PublishedEvent[] = [];
  for (const entry of entries) {
    const event = readEntry(entry);
    if (typeof event === 'string') {
      results.push({ ErrorCode: 'InvalidArgument', ErrorMessage: event });
      continue;
    }
    accepted.push(event);
    results.push({ EventId: randomUUID() });
  }
  if (accepted.length > 0) {
    await append(accepted.map((event) => `${JSON.stringify(event)}\n`).join(''));
    // The entries are accepted once written: a failing console must not make them fail, or
    // the publisher would publish them again.
    for (const event of accepted) {
      try {
        onEvent?.(event);
      } catch {
        // Shown or not, the event is in the file.
      }
    }
  }
  reply(response, 200, {
    FailedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length,
    Entries: results,
  });
}

/** The entry as a file line, or why EventBridge would refuse it. */
function readEntry(entry: unknown): PublishedEvent | string {
  if (typeof entry !== 'object' || entry === null) return 'Entry is not an object';
  const { Source, DetailType, Detail, EventBusName, Time } = entry as Record<string, unknown>;
  if (typeof Source !== 'string' || Source === '') return 'Source is required';
  if (typeof DetailType !== 'string' || DetailType === '') return 'DetailType is required';
  if (typeof Detail !== 'string') return 'Detail is required';
  try {
    const detail: unknown = JSON.parse(Detail);
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return 'Detail is not a JSON object';
    }
  } catch {
    return 'Detail is malformed';
  }
  return {
    Source,
    DetailType,
    Detail,
    EventBusName: typeof EventBusName === 'string' ? EventBusName : 'default',
    // The SDK sends timestamps as epoch seconds in this protocol.
    Time: new Date(typeof Time === 'number' ? Time * 1000 : Date.now()).toISOString(),
  };
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': CONTENT_TYPE });
  response.end(JSON.stringify(body));
}
