import type { PublishedEvent } from './put-events-server.js';

/**
 * Two console lines per published event: what happened, then how to find it. Reads the detail
 * defensively: the console must never fail on an event it did not expect.
 */
export function formatPublishedEvent(event: PublishedEvent): string {
  const detail = parseObject(event.Detail);
  const vendor = text(detail['vendor']) ?? event.Source;
  const status = text(detail['status']) ?? '?';
  const previous = text(detail['previousStatus']);
  const subject = parseObject(detail['subject']);
  const subjectText = `${text(subject['kind']) ?? 'subject'} ${text(subject['id']) ?? '?'}`;
  const outOfOrder = detail['outOfOrder'] === true;
  const transition = previous === undefined ? status : `${previous} → ${status}`;
  return (
    `event  ${vendor} · ${event.DetailType} · ${transition} · ${subjectText}\n` +
    `       eventId ${text(detail['eventId']) ?? '?'} · outOfOrder ${outOfOrder}` +
    (outOfOrder ? ' (older than the current state, which it did not change)' : '')
  );
}

/** A JSON object, or its text, as a record; anything else as `{}` (the bus file is trusted, not its shape). */
export function parseObject(value: unknown): Record<string, unknown> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return {};
    }
  }
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
