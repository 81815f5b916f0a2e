import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventDetail } from '../../lambdas/core/event.js';
import type { QueueMessage } from '../../lambdas/core/queue-message.js';

/** An IDWise delivery as ingest would queue it: the dedup id is the body's eventId. */
export function idwiseMessage(options: {
  eventId: string;
  journeyId?: string;
  event?: string;
  finalDecision?: string | null;
  receivedAt?: string;
}): QueueMessage {
  const body = JSON.stringify({
    event: options.event ?? 'Finished Journey',
    body: {
      eventId: options.eventId,
      journeyId: options.journeyId ?? '64f1c2a9b7e4d3a2c1b0f9e8',
      referenceNo: 'ref-001',
      systemDecision: 'Complete',
      manualDecision: null,
      finalDecision: options.finalDecision === undefined ? 'Complete' : options.finalDecision,
    },
  });
  return {
    vendor: 'idwise',
    route: '/webhooks/idwise',
    receivedAt: options.receivedAt ?? '2026-01-01T00:00:00.000Z',
    requestId: `req-${options.eventId}`,
    sourceIp: '203.0.113.10',
    dedupId: options.eventId,
    contentType: 'application/json',
    body,
  };
}

/** What names a vendor's event in its detail; the rest of an approved verification's is shared. */
type VendorEventOf = Pick<
  EventDetail,
  'eventId' | 'vendor' | 'vendorEventType' | 'subject' | 'vendorStatus'
>;

/**
 * The detail of a vendor's event approving a subject's first verification, as the processor
 * stores and publishes it.
 */
export function approvedDetail(
  event: VendorEventOf,
  overrides: Partial<EventDetail> = {},
): EventDetail {
  return {
    schemaVersion: '1',
    ...event,
    status: 'approved',
    scope: 'verification',
    previousStatus: null,
    outOfOrder: false,
    occurredAt: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:01.000Z',
    ...overrides,
  };
}

/** The detail of an approved IDWise journey, as the processor stores and publishes it. */
export function idwiseDetail(eventId: string, overrides: Partial<EventDetail> = {}): EventDetail {
  return approvedDetail(
    {
      eventId,
      vendor: 'idwise',
      vendorEventType: 'Finished Journey',
      subject: { kind: 'journey', id: 'j1' },
      vendorStatus: 'final=Complete',
    },
    overrides,
  );
}

let sequence = 0;

/** An SQS record carrying `message`, as the event source mapping delivers it. */
export function sqsRecord(
  message: QueueMessage | string,
  messageId?: string,
  receiveCount = 1,
): SQSRecord {
  sequence += 1;
  return {
    messageId: messageId ?? `msg-${sequence}`,
    receiptHandle: `rh-${sequence}`,
    body: typeof message === 'string' ? message : JSON.stringify(message),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '0',
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:ingest',
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A Lambda context whose invocation has `ms` left. */
export function lambdaContext(ms = 30_000): { getRemainingTimeInMillis: () => number } {
  return { getRemainingTimeInMillis: () => ms };
}
