import { PoisonMessageError } from './errors.js';
import { isObject } from './json.js';

/**
 * What ingest puts on the queue (DESIGN §3.4): the raw delivery, never its credentials.
 * `body` is the text exactly as received; `bodyEncoding: 'base64'` only when it was not UTF-8.
 */
export interface QueueMessage {
  readonly vendor: string;
  readonly route: string;
  readonly receivedAt: string;
  readonly requestId: string;
  readonly sourceIp: string;
  readonly dedupId: string;
  readonly contentType?: string;
  readonly body: string;
  readonly bodyEncoding?: 'base64';
}

const REQUIRED_TEXT = ['vendor', 'route', 'receivedAt', 'requestId', 'sourceIp', 'dedupId', 'body'];

export function serializeQueueMessage(message: QueueMessage): string {
  return JSON.stringify(message);
}

/** Reads a queue message; anything malformed is poison and ends in the DLQ after its retries. */
export function parseQueueMessage(text: string): QueueMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PoisonMessageError('not JSON');
  }
  if (!isObject(value)) throw new PoisonMessageError('not an object');
  for (const key of REQUIRED_TEXT) {
    if (typeof value[key] !== 'string') throw new PoisonMessageError(`"${key}" missing`);
  }
  const encoding = value['bodyEncoding'];
  if (encoding !== undefined && encoding !== 'base64') {
    throw new PoisonMessageError('unknown bodyEncoding');
  }
  return value as unknown as QueueMessage;
}

/** The delivery's text; a non-UTF-8 body is decoded with replacement characters. */
export function bodyText(message: QueueMessage): string {
  return message.bodyEncoding === 'base64'
    ? Buffer.from(message.body, 'base64').toString('utf8')
    : message.body;
}
