import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import * as consumer from '../../contract/types.js';
import { EventBridgeEventPublisher } from '../../lambdas/adapters/eventbridge-event-publisher.js';
import {
  DETAIL_TYPES,
  SCHEMA_VERSION,
  STATUSES,
  type DetailType,
  type EventDetail,
  type KycEvent,
  type Status,
  type SubjectRef,
} from '../../lambdas/core/event.js';
import type { QueueMessage } from '../../lambdas/core/queue-message.js';
import type { Vendor } from '../../lambdas/core/vendor.js';
import { createProcessorHandler } from '../../lambdas/processor/process-batch.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';
import { CONTRACT_DIR, detailSchemaFile, EVENT_SCHEMA_FILE } from '../../scripts/contract.js';
import { lambdaContext, sqsEvent, sqsRecord } from '../support/deliveries.js';
import { contractValidator, detailValidator } from '../support/contract-schemas.js';
import { MemoryEventStore } from '../support/memory-ports.js';
import { readFixtures } from '../support/vendor-fixtures.js';

/**
 * The published contract holds for what the pipeline really publishes: every fixture of every
 * registered vendor goes through the real processor and the real EventBridge adapter (only the
 * AWS client is mocked), and each entry it sends must validate against the committed JSON
 * Schemas in contract/ (which another test keeps equal to the generator's output).
 */

const RECEIVED_AT = '2026-06-01T12:00:00.000Z';
const silent = { info: () => undefined, warn: () => undefined };

/* ---------------------------------------------------------------- schemas */

const eventValidator = () => contractValidator(EVENT_SCHEMA_FILE);

/** The validation errors, so a failure says which field broke the contract. */
function errorsOf(validate: ValidateFunction, value: unknown): string[] {
  return validate(value)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/* ---------------------------------------------------------------- the processor */

interface Fixture {
  readonly name: string;
  readonly body: string;
  readonly route: string;
  readonly dedupId: string;
  readonly eventCount: number;
}

/** test/fixtures/<vendor>/<name>.json beside <name>.expected.json, as the vendor suite reads them. */
function fixturesOf(vendor: Vendor): Fixture[] {
  return readFixtures(vendor.id).map(({ name, body, expected }) => ({
    name,
    body,
    route: expected.route,
    dedupId: expected.dedupId,
    eventCount: expected.events.length,
  }));
}

/** The queue message ingest would have sent for the fixture. */
function messageFor(vendor: Vendor, fixture: Fixture): QueueMessage {
  return {
    vendor: vendor.id,
    route: fixture.route,
    receivedAt: RECEIVED_AT,
    requestId: `req-${fixture.name}`,
    sourceIp: '203.0.113.1',
    dedupId: fixture.dedupId,
    contentType: 'application/json',
    body: fixture.body,
  };
}

const eventBridge = mockClient(EventBridgeClient);

/** The PutEvents entries the processor sends for each fixture, each in a fresh store. */
async function publishedEntries(
  vendor: Vendor,
  fixtures: readonly Fixture[],
  includePayload: boolean,
): Promise<Map<string, PutEventsRequestEntry[]>> {
  const entries = new Map<string, PutEventsRequestEntry[]>();
  for (const fixture of fixtures) {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map(() => ({ EventId: randomUUID() })),
    }));
    const handler = createProcessorHandler({
      store: new MemoryEventStore(),
      publisher: new EventBridgeEventPublisher(
        new EventBridgeClient({ region: 'eu-west-1' }),
        'kyc-webhooks',
      ),
      now: () => new Date(RECEIVED_AT),
      includePayload,
      retentionDays: 30,
      log: silent,
    });
    const response = await handler(
      sqsEvent(sqsRecord(messageFor(vendor, fixture))),
      lambdaContext(),
    );
    expect(response.batchItemFailures, fixture.name).toEqual([]);
    entries.set(
      fixture.name,
      eventBridge
        .commandCalls(PutEventsCommand)
        .flatMap((call) => call.args[0].input.Entries ?? []),
    );
  }
  return entries;
}

/** The event as a rule target receives it: EventBridge's envelope around the entry. */
function delivered(entry: PutEventsRequestEntry): unknown {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: '123456789012',
    // EventBridge keeps the entry's Time to the second.
    time: (entry.Time ?? new Date(RECEIVED_AT)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'eu-west-1',
    resources: [],
    detail: JSON.parse(entry.Detail ?? 'null') as unknown,
  };
}

function detailOf(entry: PutEventsRequestEntry): Record<string, unknown> {
  return JSON.parse(entry.Detail ?? 'null') as Record<string, unknown>;
}

function detailTypeOf(entry: PutEventsRequestEntry): DetailType {
  const detailType = DETAIL_TYPES.find((known) => known === entry.DetailType);
  if (!detailType) throw new Error(`unknown detail-type ${String(entry.DetailType)}`);
  return detailType;
}

describe.each(VENDORS.map((vendor) => [vendor.id, vendor] as const))(
  'published events of %s',
  (_id, vendor) => {
    const fixtures = fixturesOf(vendor);
    let withPayload: Map<string, PutEventsRequestEntry[]>;
    let withoutPayload: Map<string, PutEventsRequestEntry[]>;

    beforeAll(async () => {
      withPayload = await publishedEntries(vendor, fixtures, true);
      withoutPayload = await publishedEntries(vendor, fixtures, false);
    });

    it('has fixtures to check', () => {
      expect(fixtures.length).toBeGreaterThan(0);
    });

    describe.each(fixtures.map((fixture) => [fixture.name, fixture] as const))(
      'fixture %s',
      (name, fixture) => {
        it('publishes one entry per normalized event', () => {
          expect(withPayload.get(name)).toHaveLength(fixture.eventCount);
          expect(withoutPayload.get(name)).toHaveLength(fixture.eventCount);
        });

        it('validates against its detail-type schema, with the payload', () => {
          for (const entry of withPayload.get(name) ?? []) {
            const detail = detailOf(entry);
            expect(errorsOf(detailValidator(detailTypeOf(entry)), detail)).toEqual([]);
            expect(detail).toHaveProperty('payload');
            expect(detail).not.toHaveProperty('payloadOmitted');
          }
        });

        it('validates with payloadOmitted "disabled" when payloads are switched off', () => {
          for (const entry of withoutPayload.get(name) ?? []) {
            const detail = detailOf(entry);
            expect(errorsOf(detailValidator(detailTypeOf(entry)), detail)).toEqual([]);
            expect(detail).not.toHaveProperty('payload');
            expect(detail['payloadOmitted']).toBe('disabled');
          }
        });

        it('validates as the whole EventBridge event a consumer receives', () => {
          for (const entry of [
            ...(withPayload.get(name) ?? []),
            ...(withoutPayload.get(name) ?? []),
          ]) {
            expect(entry.Source).toBe(`kyc.${vendor.id}`);
            expect(errorsOf(eventValidator(), delivered(entry))).toEqual([]);
          }
        });
      },
    );
  },
);

/* ---------------------------------------------------------------- the schema's edges */

const VALID: EventDetail = {
  schemaVersion: SCHEMA_VERSION,
  eventId: 'treezor:8f3577ec-c126-4e94-a3df-1bdccfb0b89f#1',
  vendor: 'treezor',
  vendorEventType: 'document.update',
  subject: { kind: 'document', id: '42', externalRef: 'ref-1', parent: { kind: 'user', id: '7' } },
  status: 'approved',
  scope: 'step',
  vendorStatus: 'documentStatus=VALIDATED',
  previousStatus: 'in_review',
  outOfOrder: true,
  occurredAt: '2022-05-30T14:11:02.072Z',
  receivedAt: RECEIVED_AT,
  payload: { any: ['shape', 1, null] },
};

/** A deep copy of VALID with `change` applied, as the wire JSON a consumer would parse. */
function variant(change: (detail: Record<string, unknown>) => void): Record<string, unknown> {
  const detail = structuredClone(VALID) as unknown as Record<string, unknown>;
  change(detail);
  return detail;
}

describe('the detail schema', () => {
  const validate = detailValidator('KYC Document Updated');
  const REQUIRED = [
    'schemaVersion',
    'eventId',
    'vendor',
    'vendorEventType',
    'subject',
    'status',
    'vendorStatus',
    'previousStatus',
    'outOfOrder',
    'occurredAt',
    'receivedAt',
  ];

  it.each([
    ['a full detail', variant(() => undefined)],
    ['a first event (previousStatus null)', variant((d) => (d['previousStatus'] = null))],
    ['no vendor words', variant((d) => (d['vendorStatus'] = null))],
    ['a JSON null payload', variant((d) => (d['payload'] = null))],
    ['a text payload', variant((d) => (d['payload'] = 'not json'))],
    [
      'payload too large',
      variant((d) => {
        delete d['payload'];
        d['payloadOmitted'] = 'too_large';
      }),
    ],
    ['a bare subject', variant((d) => (d['subject'] = { kind: 'delivery', id: 'abc' }))],
    ['an event published before `scope` existed', variant((d) => delete d['scope'])],
    ['a first correction (revision 1)', variant((d) => (d['revision'] = 1))],
    ['a later correction (revision 7)', variant((d) => (d['revision'] = 7))],
  ])('accepts %s', (_case, detail) => {
    expect(errorsOf(validate, detail)).toEqual([]);
  });

  it.each(REQUIRED)('rejects a detail without %s', (field) => {
    expect(validate(variant((d) => delete d[field]))).toBe(false);
  });

  it.each([
    ['an unknown status', variant((d) => (d['status'] = 'done'))],
    ['an unknown scope', variant((d) => (d['scope'] = 'person'))],
    ['an unknown previous status', variant((d) => (d['previousStatus'] = 'done'))],
    ['an extra field', variant((d) => (d['extra'] = 1))],
    ['an extra subject field', variant((d) => (d['subject'] = { kind: 'user', id: '1', x: 1 }))],
    [
      'an extra parent field',
      variant((d) => (d['subject'] = { kind: 'u', id: '1', parent: { kind: 'u', id: '2', x: 1 } })),
    ],
    ['another schema version', variant((d) => (d['schemaVersion'] = '2'))],
    ['an unknown omission reason', variant((d) => (d['payloadOmitted'] = 'secret'))],
    ['an empty subject id', variant((d) => (d['subject'] = { kind: 'user', id: '' }))],
    ['an eventId without its vendor', variant((d) => (d['eventId'] = '8f3577ec'))],
    ['a time without milliseconds', variant((d) => (d['occurredAt'] = '2022-05-30T14:11:02Z'))],
    ['a time that is not UTC', variant((d) => (d['receivedAt'] = '2026-06-01T12:00:00.000+02:00'))],
    ['a string flag', variant((d) => (d['outOfOrder'] = 'false'))],
    // The original carries no revision at all, so 0 would be a second way to say it.
    ['revision 0', variant((d) => (d['revision'] = 0))],
    ['a fractional revision', variant((d) => (d['revision'] = 1.5))],
    ['a revision as text', variant((d) => (d['revision'] = '2'))],
  ])('rejects %s', (_case, detail) => {
    expect(validate(detail)).toBe(false);
  });

  it('is the same shape for every detail type', () => {
    const shapes = DETAIL_TYPES.map((detailType) => {
      const schema = JSON.parse(
        readFileSync(join(CONTRACT_DIR, detailSchemaFile(detailType)), 'utf8'),
      ) as Record<string, unknown>;
      const { $id: _id, title: _title, description: _description, ...shape } = schema;
      return shape;
    });
    for (const shape of shapes) expect(shape).toEqual(shapes[0]);
  });
});

describe('the whole-event schema', () => {
  const validate = eventValidator();
  const event = (change: (e: Record<string, unknown>) => void = () => undefined) => {
    const base: Record<string, unknown> = {
      version: '0',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': 'KYC Document Updated',
      source: 'kyc.treezor',
      account: '123456789012',
      time: '2022-05-30T14:11:02Z',
      region: 'eu-west-1',
      resources: [],
      detail: structuredClone(VALID),
    };
    change(base);
    return base;
  };

  it('accepts an event, and fields EventBridge adds (a replay)', () => {
    expect(errorsOf(validate, event())).toEqual([]);
    expect(
      errorsOf(
        validate,
        event((e) => (e['replay-name'] = 'replay-1')),
      ),
    ).toEqual([]);
  });

  it.each([
    ['a source outside kyc.', event((e) => (e['source'] = 'aws.events'))],
    ['an unknown detail-type', event((e) => (e['detail-type'] = 'KYC Something'))],
    ['a detail that breaks the detail schema', event((e) => (e['detail'] = { status: 'x' }))],
    ['no detail', event((e) => delete e['detail'])],
  ])('rejects %s', (_case, value) => {
    expect(validate(value)).toBe(false);
  });
});

describe('the consumer types (contract/types.ts)', () => {
  it('are the types the pipeline derives from the schemas', () => {
    // Checked by the type checker (`npm test` runs tsc first); vitest only runs the assertions.
    expectTypeOf<consumer.Status>().toEqualTypeOf<Status>();
    expectTypeOf<consumer.DetailType>().toEqualTypeOf<DetailType>();
    expectTypeOf<consumer.SubjectRef>().toEqualTypeOf<SubjectRef>();
    expectTypeOf<consumer.EventDetail>().toEqualTypeOf<EventDetail>();
    expectTypeOf<consumer.KycEvent>().toEqualTypeOf<KycEvent>();
  });

  it('carry the same vocabularies', () => {
    expect(consumer.SCHEMA_VERSION).toBe(SCHEMA_VERSION);
    expect(consumer.STATUSES).toEqual(STATUSES);
    expect(consumer.DETAIL_TYPES).toEqual(DETAIL_TYPES);
  });
});
