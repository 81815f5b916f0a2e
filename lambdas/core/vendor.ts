import type { NormalizedDraft, Status } from './event.js';
import { bodyHash } from './hash.js';
import {
  API_SECRET_KEY,
  draftFromApiMessage,
  isApiRoute,
  readApiCredentials,
  type VendorApi,
} from './vendor-api.js';

/**
 * The seam every vendor plugs into: one file per vendor exporting one `Vendor` object.
 * Everything here is pure: no I/O, no clock reads, no logging.
 */

/** A delivery as ingest sees it, before anything is trusted. */
export interface WebhookRequest {
  /** The matched route, e.g. `/webhooks/treezor`. */
  readonly route: string;
  /** The raw body text exactly as received (decoded from UTF-8). */
  readonly body: string;
  /** Header names lower-cased; repeated headers joined with `,` as API Gateway does. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly sourceIp: string;
  readonly now: Date;
}

/** Why a delivery was refused; logged and counted, never returned to the caller. */
export const REJECTION_KINDS = {
  no_credentials_configured: 'unauthenticated',
  missing_authorization: 'unauthenticated',
  invalid_authorization: 'unauthenticated',
  /** A token we issued, genuine but past its expiry. */
  expired_token: 'unauthenticated',
  /** A token we issued to a client that the secret no longer lists. */
  revoked_client: 'unauthenticated',
  /** A token signed with our key but not for this route (another audience or issuer). */
  foreign_token: 'unauthenticated',
  missing_signature: 'unauthenticated',
  invalid_signature: 'unauthenticated',
  malformed_body: 'malformed',
} as const;
export type RejectionReason = keyof typeof REJECTION_KINDS;
export type RejectionKind = (typeof REJECTION_KINDS)[RejectionReason];

export interface Rejection {
  readonly ok: false;
  readonly reason: RejectionReason;
}
export interface Acceptance {
  readonly ok: true;
  /** The vendor's event id, or a hash of the body when the vendor sends none. */
  readonly dedupId: string;
  /** Which candidate message matched, for vendors that must try several. */
  readonly matched?: string;
}
export type Verification = Acceptance | Rejection;

/**
 * The longest vendor event id used as it is. The id becomes the DynamoDB key `<vendor>:<id>`,
 * which may not exceed 2,048 bytes, and it is logged with every accepted delivery; a longer id
 * (only a broken or hostile sender's) is replaced by its SHA-256, which still collapses retries.
 */
export const MAX_DEDUP_ID_BYTES = 256;

export function accept(dedupId: string, matched?: string): Acceptance {
  const id =
    Buffer.byteLength(dedupId, 'utf8') > MAX_DEDUP_ID_BYTES
      ? `sha256:${bodyHash(dedupId)}`
      : dedupId;
  return matched === undefined ? { ok: true, dedupId: id } : { ok: true, dedupId: id, matched };
}

export function reject(reason: RejectionReason): Rejection {
  return { ok: false, reason };
}

/** The outcome of checking a credential, before the operator's policy is applied. */
export type CredentialCheck = 'valid' | 'absent' | 'invalid' | 'unconfigured';

/**
 * Applies the operator's `allowUnauthenticated` switch: a delivery that carries no credential,
 * or a vendor with none configured, passes only when the operator allowed it; a credential that
 * is present but wrong never passes.
 */
export function applyCredentialPolicy(
  check: CredentialCheck,
  credentials: BaseCredentials,
  reasons: { readonly absent: RejectionReason; readonly invalid: RejectionReason },
): Rejection | undefined {
  if (check === 'valid') return undefined;
  if (check === 'invalid') return reject(reasons.invalid);
  if (credentials.allowUnauthenticated) return undefined;
  return reject(check === 'absent' ? reasons.absent : 'no_credentials_configured');
}

/** The part of every vendor secret that ingest itself reads. */
export interface BaseCredentials {
  readonly allowUnauthenticated: boolean;
  /** CIDRs or addresses; `undefined` means the vendor's default (none = any address). */
  readonly allowedIps?: readonly string[];
}

/** Why ingest refused a delivery before queueing it: the vendor's reasons and ingest's own. */
export type RefusalReason = RejectionReason | 'ip_not_allowed' | 'body_too_large';

/**
 * The HTTP answers a vendor gives, by cause (DESIGN §3.1 is the default, see http-answers.ts).
 * A vendor sets what its sender needs: a sender that drops a delivery answered with some 4xx
 * must get a 5xx for every refusal our own state could cause, so that it retries.
 */
export interface AnswerPolicy {
  /** Status for an authentic delivery that is durably queued. */
  readonly accepted: number;
  /** Status for each refusal cause. */
  readonly refused: Readonly<Record<RefusalReason, number>>;
}

/** What a vendor file states about its answers: overrides of the default, and why. */
export interface VendorAnswers {
  readonly accepted?: number;
  readonly refused?: Partial<Record<RefusalReason, number>>;
  /**
   * The sender's documented retry behaviour, with its source, in one sentence: the README's
   * answer table quotes it next to the policy it justifies.
   */
  readonly senderRetries: string;
}

/**
 * How a vendor's deliveries prove they are genuine, as the shared suites and the processor need
 * to know it:
 * - `body-signature`: a signature inside the body covers (part of) it. `signatureMembers` are the
 *   paths of the members that hold signatures: they prove a delivery to ingest and nothing else,
 *   so they are removed from every published payload. Everything that changes state must come
 *   from the signed part, and the dedup id from exactly the signed bytes.
 * - `header-signature`: the listed headers, all of them, carry a signature over the raw body:
 *   any change to the body or to one of them is a forgery.
 * - `header-credential`: a shared secret in a header (Basic, Bearer, an API key) proves the
 *   sender, not the bytes; which headers is the operator's choice, in the secret.
 */
export type Proof =
  | {
      readonly kind: 'body-signature';
      readonly signatureMembers: readonly (readonly string[])[];
    }
  | { readonly kind: 'header-signature'; readonly headers: readonly string[] }
  | { readonly kind: 'header-credential' };

/** The members to remove from a published payload: in-body signatures, if any. */
export function signatureMembersOf(proof: Proof): readonly (readonly string[])[] {
  return proof.kind === 'body-signature' ? proof.signatureMembers : [];
}

/** The facts one generated soak event gets; the rest of the body is the fixture's. */
export interface SoakFacts {
  /** The vendor's event id, for vendors that send one. */
  readonly eventId: string;
  readonly subjectId: string;
  /** Epoch milliseconds; only for vendors that send an event time. */
  readonly occurredAtMs: number;
}

/**
 * What the shared suites (contract, hostile input, rotation, log hygiene) and the soak need to
 * know about a vendor, declared beside it so that a vendor is complete in its one file and no
 * suite keeps a table keyed by vendor id. Nothing here runs in the pipeline.
 */
export interface VendorTesting {
  /**
   * Field names (any case) whose values in this vendor's bodies are personal data, and values
   * the fixtures are known to hold: the log check finds values by field and requires these among
   * them, so neither list can silently empty the check. Empty only for a vendor that sends none.
   */
  readonly personal: {
    readonly fields: readonly string[];
    /** Free-text fields: personal when they hold a sentence (a reviewer naming the applicant). */
    readonly freeTextFields: readonly string[];
    readonly knownValues: readonly string[];
  };
  /** How to rotate this vendor's credential the way the README tells operators to. */
  readonly rotation: {
    /** The secret JSON accepting exactly these credentials. */
    readonly secret: (credentials: readonly string[]) => Record<string, unknown>;
    /** One credential, as it appears in the secret, from a short name. */
    readonly credential: (name: string) => string;
    /** The fixture (under test/fixtures/<vendor>/) whose body is delivered. */
    readonly fixture: string;
  };
  /** How the soak turns one fixture into many distinct deliveries. */
  readonly soak: {
    /** Fixtures that report on one kind of subject. */
    readonly fixtures: readonly string[];
    /** Whether the vendor sends an event time; otherwise events are ordered by receive time. */
    readonly hasEventTime: boolean;
    /** The precision of the vendor's event times, when coarser than a millisecond. */
    readonly eventTimeResolutionMs?: number;
    /**
     * Whether the dedup id is a hash of (part of) the body. Then two events of one subject must
     * differ in their bytes, or the pipeline rightly takes the second for a retry of the first.
     */
    readonly bodyHashIds: boolean;
    /** Writes the facts into a copy of the fixture's JSON. */
    readonly render: (body: Record<string, unknown>, facts: SoakFacts) => void;
    /** A secret of the vendor's shape whose values the pipeline does not accept: for forgeries. */
    readonly forgerySecret: Record<string, unknown>;
    /**
     * The shape of the vendor's subject ids, so generated ones look like real ones: `uuid`,
     * `hex24` (24 lower-case hex digits) or `numeric` (a decimal number). @default 'uuid'
     */
    readonly subjectIdShape?: SubjectIdShape;
  };
}

export type SubjectIdShape = 'uuid' | 'hex24' | 'numeric';

/**
 * One row of a vendor's "What we trust" table: a field of the delivery, whether the vendor's proof
 * covers it, and what the pipeline uses it for. Rendered into the README by `npm run docs`.
 */
export interface TrustRow {
  /** Where the field is, e.g. `object_payload.users[].userId` or the `Authorization` header. */
  readonly field: string;
  /** `signature`: covered by the vendor's signature; `credential`: the whole body is vouched for by a header credential; `none`: anyone holding one delivery can rewrite it. */
  readonly proof: 'signature' | 'credential' | 'none';
  /** What the pipeline does with it (decide status, subject, ordering, dedup; or only label). */
  readonly use: string;
}

/** A queued delivery handed to `normalize`, with the body already parsed once. */
export interface Delivery {
  readonly route: string;
  readonly body: string;
  /** `JSON.parse(body)`, or `undefined` when the body is not JSON. */
  readonly json: unknown;
  readonly receivedAt: string;
}

/** What a sender (tests, `npm run send`) attaches so that `verify` accepts a body. */
export interface SignedDelivery {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * One row of a vendor's status mapping. The README's mapping tables are generated from these
 * rows, and each vendor's tests feed every row through `normalize`, so the two cannot drift.
 */
export interface StatusMappingRow {
  /** Where the vendor's word is read, e.g. `kycReview`, `documentStatus`, `event`. */
  readonly field: string;
  /** The vendor's value as it appears on the wire, e.g. `2` or `VALIDATED` or `Manually Reviewed`. */
  readonly value: string;
  readonly status: Status;
  /** A short note: the value's meaning or the events the row applies to, e.g. `VALIDATED` or `document.*`. */
  readonly note?: string;
}

export interface Vendor<C extends BaseCredentials = BaseCredentials> {
  /** Lower-case id used in routes, `Source` (`kyc.<id>`) and eventIds. */
  readonly id: string;
  readonly displayName: string;
  /** Paths this vendor receives on, e.g. `/webhooks/truuth/callback`. */
  readonly routes: readonly string[];
  /** The allow-list used when the secret sets none. */
  readonly defaultAllowedIps?: readonly string[];
  readonly answers: VendorAnswers;
  /** How a delivery proves it is genuine (see `Proof`). */
  readonly proof: Proof;
  /** Every field the pipeline reads, what proves it, and what it decides (see `TrustRow`). */
  readonly trust: readonly TrustRow[];
  /** What the shared test suites and the soak need to know (see `VendorTesting`). */
  readonly testing: VendorTesting;
  /** Every vendor word the normalizer maps, in reading order (see `StatusMappingRow`). */
  readonly statusMapping: readonly StatusMappingRow[];
  /** The keys of its secret JSON besides `allowedIps` and `allowUnauthenticated`: any other is an error. */
  readonly secretKeys: readonly string[];
  /** Validates the vendor's secret JSON; throws a `ConfigurationError` naming the bad field. */
  parseCredentials(secret: Readonly<Record<string, unknown>>, base: BaseCredentials): C;
  verify(request: WebhookRequest, credentials: C): Verification;
  normalize(delivery: Delivery): NormalizedDraft[];
  /** The inverse of `verify`: make `body` acceptable with the first configured credential. */
  sign(body: string, route: string, credentials: C): SignedDelivery;
  /**
   * The vendor's own API, when it has one the pipeline asks (see `vendor-api.ts`): `defineVendor`
   * adds its `api` secret member to `secretKeys` and its answers' route to `normalize`.
   */
  readonly api?: VendorApi;
}

/**
 * Erases a vendor's credential type so vendors can share one registry. Safe because the
 * registry only ever passes a vendor the credentials its own `parseCredentials` produced.
 * Every draft its `normalize` returns is bounded here (see `boundDraft`), once for all vendors.
 */
export function defineVendor<C extends BaseCredentials>(vendor: Vendor<C>): Vendor {
  const { api } = vendor;
  const defined: Vendor<C> = {
    ...vendor,
    normalize: (delivery) =>
      (api && isApiRoute(delivery.route)
        ? [draftFromApiMessage(delivery.body)]
        : vendor.normalize(delivery)
      ).map((draft) => boundDraft(withPlausibleTime(draft, delivery))),
    ...(api && {
      // The API credentials are optional, but a malformed `api` member fails like any other key.
      secretKeys: [...vendor.secretKeys, API_SECRET_KEY],
      parseCredentials: (secret, base) => {
        readApiCredentials(secret, api, vendor.id);
        return vendor.parseCredentials(secret, base);
      },
    }),
  };
  return defined as unknown as Vendor;
}

/**
 * How far a vendor's clock may run ahead of ours. A vendor time further in the future than this
 * is not used: an event dated next year would make every later genuine event of its subject
 * out of order, and some vendors' times are not covered by their signature (Treezor signs only
 * `object_payload`, not `webhook_created_at`), so a captured delivery could be replayed with a
 * forged date. The event is then ordered by its receive time.
 */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

/** The draft without an `occurredAt` later than the receive time plus `MAX_CLOCK_AHEAD_MS`. */
export function withPlausibleTime(draft: NormalizedDraft, delivery: Delivery): NormalizedDraft {
  if (draft.occurredAt === undefined) return draft;
  const latest = Date.parse(delivery.receivedAt) + MAX_CLOCK_AHEAD_MS;
  if (!(Date.parse(draft.occurredAt) > latest)) return draft;
  const { occurredAt: _future, ...rest } = draft;
  return rest;
}

/**
 * Limits on what a draft carries from the vendor's words. Vendors read ids and words from
 * bodies that nothing bounds (a header vendor's body is anything its credential comes with;
 * Treezor's envelope is unsigned), while the subject becomes a DynamoDB key of at most 2,048
 * bytes (`SUBJECT#<vendor>#<kind>#<id>`) and the detail lives in an item of at most 400 KB. A
 * draft over these limits would fail on every receive and end in the DLQ.
 */
export const DRAFT_LIMITS = {
  /** Subject kinds and ids, and parents', in UTF-8 bytes; longer ones become `sha256:<hex>`. */
  idBytes: 256,
  /** `vendorEventType`, in characters; longer ones are cut and end with `…`. */
  eventTypeLength: 256,
  /** `vendorStatus`, in characters; longer ones are cut and end with `…`. */
  vendorStatusLength: 1024,
} as const;

/**
 * The draft within `DRAFT_LIMITS`. An over-long id is hashed rather than cut, so two ids that
 * share a long prefix stay two subjects; words are only for reading, so they are cut.
 */
export function boundDraft(draft: NormalizedDraft): NormalizedDraft {
  const { subject } = draft;
  return {
    ...draft,
    vendorEventType: cut(draft.vendorEventType, DRAFT_LIMITS.eventTypeLength),
    vendorStatus:
      draft.vendorStatus === null ? null : cut(draft.vendorStatus, DRAFT_LIMITS.vendorStatusLength),
    ...(subject && {
      subject: {
        ...subject,
        kind: boundId(subject.kind),
        id: boundId(subject.id),
        ...(subject.externalRef !== undefined && { externalRef: boundId(subject.externalRef) }),
        ...(subject.parent && {
          parent: { kind: boundId(subject.parent.kind), id: boundId(subject.parent.id) },
        }),
      },
    }),
  };
}

function boundId(id: string): string {
  return Buffer.byteLength(id, 'utf8') > DRAFT_LIMITS.idBytes ? `sha256:${bodyHash(id)}` : id;
}

function cut(text: string, length: number): string {
  if (text.length <= length) return text;
  // Never split a surrogate pair: half an emoji is not text.
  const end = /[\ud800-\udbff]/.test(text.charAt(length - 2)) ? length - 2 : length - 1;
  return `${text.slice(0, end)}…`;
}
