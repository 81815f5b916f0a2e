// A namespace import, not `import { Type }`: TypeBox's `Type` object holds every builder, so a
// bundler must keep all of them (about 45 KB), while `Type.Object` through this namespace is a
// plain named import that esbuild can drop.
import * as Type from '@sinclair/typebox';

/**
 * The normalized event: what downstream consumers receive as the `detail` of an EventBridge
 * entry. One vocabulary for every vendor; the vendor's own words stay in `vendorStatus`.
 *
 * This file is the one source of the published contract: `npm run contract` writes the TypeBox
 * schemas below out as JSON Schema and consumer types, and the types the pipeline uses are derived
 * from the same schemas with `Static`, so schema and types cannot drift.
 */

export const SCHEMA_VERSION = '1';

/**
 * Normalized status vocabulary: one meaning across vendors, each stated once here. The contract's
 * schemas and the README's vocabulary table are generated from these sentences, and every vendor
 * maps its own words onto them.
 */
export const STATUS_MEANINGS = {
  pending: 'Nothing has started yet: the subject exists, but the person has not begun.',
  in_progress: 'The person is still going through the steps or providing data.',
  needs_info:
    'The vendor is waiting on the person (or business): more information, a missing document, or a new attempt.',
  in_review: 'Everything is in; the vendor or its reviewers are deciding.',
  approved: 'A positive verdict.',
  rejected: 'A negative verdict.',
  locked: 'Too many failed attempts: the vendor accepts no further attempt.',
  expired: 'The subject or its deadline lapsed without a verdict.',
  cancelled:
    'Abandoned, withdrawn or deleted before a verdict (by the person, the vendor or you); a new attempt may follow.',
  unknown: 'The vendor sent no status this pipeline recognises; see `vendorStatus`.',
} as const;
export const STATUSES = Object.keys(STATUS_MEANINGS) as readonly (keyof typeof STATUS_MEANINGS)[];

/**
 * What a status is a verdict on, so a consumer can tell "this person is approved" from "this
 * document is approved". Stated once here, like the statuses.
 */
export const SCOPE_MEANINGS = {
  verification:
    'The status is about the person or business being verified (a user, a journey, an identity verification, a KYB application).',
  step: 'The status is about one check within a verification (a document, a liveness check, an identification attempt, a form): approving it does not approve the person.',
  other:
    'Neither: an event that carries no verdict (e.g. a vendor event this pipeline does not read).',
} as const;
export const SCOPES = Object.keys(SCOPE_MEANINGS) as readonly (keyof typeof SCOPE_MEANINGS)[];

/**
 * Where an event came from, stated once like the statuses. Events from a webhook leave `origin`
 * out (so every webhook event keeps the shape it always had); the others say which API call made
 * them.
 */
export const ORIGIN_MEANINGS = {
  webhook: "A vendor's webhook delivery (the default: such events leave `origin` out).",
  enrichment:
    "The vendor's API, asked for the result after a webhook that says the result is ready (`findings.confirmsEventId` names it).",
  reconciliation:
    "The vendor's API, asked by the reconciliation sweep about a subject left without a verdict past its window: a delivery the vendor never made, or gave up on.",
} as const;
export const ORIGINS = Object.keys(ORIGIN_MEANINGS) as readonly (keyof typeof ORIGIN_MEANINGS)[];

/** A small, stable set: rules match on these, so new vendor events never add a DetailType. */
export const DETAIL_TYPES = [
  'KYC Verification Updated',
  'KYC Document Updated',
  'KYC Monitoring Alert',
  'KYC Vendor Event',
] as const;

/** What each DetailType carries; published as the description of its schema. */
export const DETAIL_TYPE_DESCRIPTIONS: Readonly<Record<DetailType, string>> = {
  'KYC Verification Updated':
    'The status of a verification (a user, journey, identification or application) changed or was reported again.',
  'KYC Document Updated': 'The status of one document of a verification changed.',
  'KYC Monitoring Alert':
    'Ongoing monitoring after onboarding (AML, watch lists) reported on a subject.',
  'KYC Vendor Event':
    'Any other vendor event: published so that nothing is dropped; its status is usually `unknown`.',
};

/** Vendor ids are lower-case words; `Source` is `kyc.<vendor>`. */
const VENDOR_ID = '[a-z][a-z0-9-]*';
/** Canonical instants (`Date#toISOString`), so string order is time order (see time.ts). */
const INSTANT = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$';

/** The words of a meanings table as a union of literals, each described by its meaning. */
function describedWords<W extends string>(
  meanings: Readonly<Record<W, string>>,
  options: { readonly title: string; readonly description: string },
) {
  const words = Object.keys(meanings) as W[];
  return Type.Union(
    words.map((word) => Type.Literal(word, { description: meanings[word] })),
    options,
  );
}

/**
 * The contract's schemas. No Lambda code reads them (validation is for the contract tests and
 * for consumers, never the processor), so they are built in one function called behind a
 * `@__PURE__` annotation: esbuild then drops the call, and TypeBox with it, from every bundle.
 */
function buildEventSchemas() {
  const StatusSchema = describedWords(STATUS_MEANINGS, {
    title: 'Status',
    description:
      'Normalized status, one meaning across vendors; the mapping from every vendor word is documented per vendor.',
  });

  const ScopeSchema = describedWords(SCOPE_MEANINGS, {
    title: 'Scope',
    description:
      'What the status is a verdict on: the person or business (`verification`), one check within it (`step`), or neither (`other`). Present on every event published since it was added; absent only on older events replayed from the archive.',
  });

  const DetailTypeSchema = Type.Union(
    DETAIL_TYPES.map((detailType) => Type.Literal(detailType)),
    { title: 'DetailType', description: 'The EventBridge `detail-type` of the event.' },
  );

  const SubjectRefSchema = Type.Object(
    {
      kind: Type.Readonly(
        Type.String({
          minLength: 1,
          description:
            "What the status belongs to, in the vendor's terms: `user`, `document`, `journey`, …; `delivery` when the delivery names no subject.",
        }),
      ),
      id: Type.Readonly(
        Type.String({ minLength: 1, description: "The vendor's id of the subject." }),
      ),
      externalRef: Type.ReadonlyOptional(
        Type.String({
          minLength: 1,
          description: "The caller's own reference for the subject, when the vendor echoes one.",
        }),
      ),
      parent: Type.ReadonlyOptional(
        Type.Object(
          {
            kind: Type.Readonly(Type.String({ minLength: 1 })),
            id: Type.Readonly(Type.String({ minLength: 1 })),
          },
          {
            additionalProperties: false,
            description:
              "The subject this one belongs to (a document's user), when the vendor says.",
          },
        ),
      ),
    },
    {
      title: 'SubjectRef',
      additionalProperties: false,
      description: 'What the status belongs to.',
    },
  );

  const OriginSchema = describedWords(ORIGIN_MEANINGS, {
    title: 'Origin',
    description:
      'Where the event came from: absent or `webhook` for a vendor delivery, else the vendor API call that made it.',
  });

  const FindingsSchema = Type.Object(
    {
      decisions: Type.Readonly(
        Type.Array(
          Type.Object(
            {
              by: Type.Readonly(
                Type.String({
                  minLength: 1,
                  description:
                    'Whose decision: `final`, `system`, `manual`, … in the vendor terms.',
                }),
              ),
              word: Type.Readonly(
                Type.String({ minLength: 1, description: "The vendor's word, e.g. `Refer`." }),
              ),
            },
            { additionalProperties: false },
          ),
          {
            description:
              'The vendor\'s decision words, the one that sets the status first, e.g. `[{"by": "final", "word": "Refer"}]`.',
          },
        ),
      ),
      failedRules: Type.Readonly(
        Type.Array(Type.String(), {
          description: "Ids of the vendor's checks that failed, e.g. `under_age`.",
        }),
      ),
      amlFlags: Type.Readonly(
        Type.Array(Type.String(), {
          description: 'AML screening flags raised, e.g. `pep`, `sanctions`; empty when none.',
        }),
      ),
      resultKey: Type.Readonly(
        Type.String({
          minLength: 1,
          description:
            "The object key of the vendor's full answer in the stack's encrypted results bucket (it holds personal data, so it is referenced, never published).",
        }),
      ),
      archived: Type.ReadonlyOptional(
        Type.Array(
          Type.Object(
            {
              field: Type.Readonly(
                Type.String({ minLength: 1, description: 'Where the link was in the delivery.' }),
              ),
              key: Type.Readonly(
                Type.String({ minLength: 1, description: 'Its object key in the results bucket.' }),
              ),
            },
            { additionalProperties: false },
          ),
          {
            description:
              "The links of the webhook event (`confirmsEventId`) downloaded into the stack's encrypted results bucket before they expired, e.g. Truuth's reports: object keys, never the links.",
          },
        ),
      ),
      confirmsEventId: Type.ReadonlyOptional(
        Type.String({
          minLength: 1,
          description: 'The webhook event whose claim this answer was fetched to check.',
        }),
      ),
      confirmed: Type.ReadonlyOptional(
        Type.Boolean({
          description:
            "With `confirmsEventId`: whether the vendor's API gives the status that event claimed (`false`: this event's status is the API's).",
        }),
      ),
    },
    {
      title: 'Findings',
      additionalProperties: false,
      description:
        "What a vendor API's answer says that consumers decide on, without personal data; present only on events made from one (`origin` other than `webhook`).",
    },
  );

  const instant = (description: string) =>
    Type.Readonly(Type.String({ format: 'date-time', pattern: INSTANT, description }));

  const EventDetailSchema = Type.Object(
    {
      schemaVersion: Type.Readonly(
        Type.Literal(SCHEMA_VERSION, {
          description:
            'Contract version: additive changes keep it, breaking ones bump it and are published side by side.',
        }),
      ),
      eventId: Type.Readonly(
        Type.String({
          pattern: `^${VENDOR_ID}:.+$`,
          description:
            'Stable id: `<vendor>:<vendor event id>`, or `<vendor>:<sha-256 of the body>` when the vendor sends none; suffixed `#<n>` when one delivery holds several events.',
        }),
      ),
      vendor: Type.Readonly(
        Type.String({
          pattern: `^${VENDOR_ID}$`,
          description: "The vendor's id, as in `source` (`kyc.<vendor>`).",
        }),
      ),
      vendorEventType: Type.Readonly(
        Type.String({
          minLength: 1,
          description: "The vendor's own event name, or `unknown` when the delivery names none.",
        }),
      ),
      subject: Type.Readonly(SubjectRefSchema),
      status: Type.Readonly(StatusSchema),
      // Optional in the schema only so that events published before it existed (replayed from
      // the archive) stay valid, as the contract's versioning promises; every event carries it.
      scope: Type.ReadonlyOptional(ScopeSchema),
      vendorStatus: Type.Readonly(
        Type.Union([Type.String(), Type.Null()], {
          description:
            "The vendor's own status words, e.g. `kycReview=VALIDATED`, for humans and audits; `null` when it sent none.",
        }),
      ),
      previousStatus: Type.Readonly(
        Type.Union([StatusSchema, Type.Null()], {
          description:
            "The subject's status when this event arrived: the status it replaced, or, when `outOfOrder`, the current status it left unchanged; `null` for the subject's first event.",
        }),
      ),
      outOfOrder: Type.Readonly(
        Type.Boolean({
          description:
            "`true` when the event is older (by vendor time) than the subject's current state: published, but it did not change the subject.",
        }),
      ),
      // Optional so that the original event, and events published before it existed, need no
      // change: absent means 0.
      revision: Type.ReadonlyOptional(
        Type.Integer({
          minimum: 1,
          description:
            'Set when an operator republished this event corrected (a replay through newer vendor code): 1 for the first correction, higher for each later one; absent on the event as first published. A correction keeps its `eventId`, so deduplicate on `eventId` and `revision` together, and let a higher revision replace what you hold for the `eventId`.',
        }),
      ),
      occurredAt: instant(
        'Vendor time, else the time the delivery was received (UTC, milliseconds).',
      ),
      receivedAt: instant('When the delivery was received (UTC, milliseconds).'),
      origin: Type.ReadonlyOptional(OriginSchema),
      findings: Type.ReadonlyOptional(FindingsSchema),
      payload: Type.ReadonlyOptional(
        Type.Unknown({
          description:
            "The vendor's body, parsed (its text when it is not JSON); absent when `payloadOmitted` says why.",
        }),
      ),
      payloadOmitted: Type.ReadonlyOptional(
        Type.Union([Type.Literal('disabled'), Type.Literal('too_large')], {
          description:
            "Why `payload` is absent: the deployment switched payloads off, or the entry would exceed EventBridge's size limit.",
        }),
      ),
    },
    {
      title: 'EventDetail',
      // Closed, so consumers can rely on the shape; whatever else the vendor sent is in `payload`.
      additionalProperties: false,
      description: 'The normalized KYC event: the `detail` of every event on the bus.',
    },
  );

  // Open, unlike the detail: EventBridge owns the envelope and may add fields of its own.
  const KycEventSchema = Type.Object(
    {
      version: Type.Readonly(Type.Literal('0')),
      id: Type.Readonly(Type.String({ minLength: 1 })),
      'detail-type': Type.Readonly(DetailTypeSchema),
      source: Type.Readonly(
        Type.String({
          pattern: `^kyc\\.${VENDOR_ID}$`,
          description: '`kyc.<vendor>`: match one vendor, or every vendor with the prefix `kyc.`.',
        }),
      ),
      account: Type.Readonly(Type.String({ pattern: '^\\d{12}$' })),
      time: Type.Readonly(
        Type.String({
          format: 'date-time',
          description: "The event's `occurredAt`, to the second.",
        }),
      ),
      region: Type.Readonly(Type.String({ minLength: 1 })),
      resources: Type.Readonly(Type.Array(Type.String())),
      detail: Type.Readonly(EventDetailSchema),
      'replay-name': Type.ReadonlyOptional(
        Type.String({ description: 'Set on events replayed from the archive.' }),
      ),
    },
    {
      title: 'KycEvent',
      description: 'A normalized KYC event as an EventBridge rule target receives it.',
    },
  );

  return {
    Status: StatusSchema,
    Scope: ScopeSchema,
    DetailType: DetailTypeSchema,
    SubjectRef: SubjectRefSchema,
    Origin: OriginSchema,
    Findings: FindingsSchema,
    EventDetail: EventDetailSchema,
    KycEvent: KycEventSchema,
  };
}

/** The published schemas, keyed by the name of the type each one defines. */
export const EVENT_SCHEMAS = /* @__PURE__ */ buildEventSchemas();

export type Status = Type.Static<typeof EVENT_SCHEMAS.Status>;
export type Scope = Type.Static<typeof EVENT_SCHEMAS.Scope>;
export type DetailType = Type.Static<typeof EVENT_SCHEMAS.DetailType>;
export type SubjectRef = Type.Static<typeof EVENT_SCHEMAS.SubjectRef>;
export type Origin = Type.Static<typeof EVENT_SCHEMAS.Origin>;
export type Findings = Type.Static<typeof EVENT_SCHEMAS.Findings>;
export type EventDetail = Type.Static<typeof EVENT_SCHEMAS.EventDetail>;
/** The whole event as a consumer receives it (see `EVENT_SCHEMAS.KycEvent`). */
export type KycEvent = Type.Static<typeof EVENT_SCHEMAS.KycEvent>;

/** A terminal status wins over a non-terminal one when two events carry the same vendor time. */
const TERMINAL_STATUSES: ReadonlySet<Status> = new Set([
  'approved',
  'rejected',
  'locked',
  'expired',
  'cancelled',
]);

export function isTerminal(status: Status): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** What a vendor module derives from one delivery; the processor adds ids, times and state. */
export interface NormalizedDraft {
  readonly detailType: DetailType;
  readonly vendorEventType: string;
  /** Absent when the delivery names no subject: the processor then uses the delivery itself. */
  readonly subject?: SubjectRef;
  readonly status: Status;
  /** Whether the status is a verdict on the person or business, or on one step of it. */
  readonly scope: Scope;
  /** The vendor's own status words, e.g. `kycReview=VALIDATED`. */
  readonly vendorStatus: string | null;
  /** Vendor event time (ISO 8601), when the delivery carries one. */
  readonly occurredAt?: string;
  /** Set only on drafts made from a vendor API's answer (see `vendor-api.ts`). */
  readonly origin?: Exclude<Origin, 'webhook'>;
  readonly findings?: Findings;
}

/** One EventBridge entry to be: `Source` is `kyc.<vendor>`, `Time` the vendor's event time. */
export interface OutgoingEvent {
  readonly source: string;
  readonly detailType: DetailType;
  readonly detail: EventDetail;
}

export function sourceOf(vendor: string): string {
  return `kyc.${vendor}`;
}

/** EventBridge's largest entry (DESIGN §7: entries may be up to 1 MiB). */
export const MAX_ENTRY_BYTES = 1_048_576;

/** Entry size as EventBridge counts it: Time (14) + Source + DetailType + Detail, in UTF-8 bytes. */
export function entrySize(event: OutgoingEvent): number {
  return (
    14 +
    Buffer.byteLength(event.source) +
    Buffer.byteLength(event.detailType) +
    Buffer.byteLength(JSON.stringify(event.detail))
  );
}
