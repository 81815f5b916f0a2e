import type { NormalizedDraft, Status } from './event.js';
import { bodyHash } from './hash.js';

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
  /**
   * Where the vendor puts signatures inside its body (paths of object members). They prove a
   * delivery to ingest and nothing else: they are removed from every published payload.
   */
  readonly signatureMembers?: readonly (readonly string[])[];
  /** Every field the pipeline reads, what proves it, and what it decides (see `TrustRow`). */
  readonly trust: readonly TrustRow[];
  /** Every vendor word the normalizer maps, in reading order (see `StatusMappingRow`). */
  readonly statusMapping: readonly StatusMappingRow[];
  /** Validates the vendor's secret JSON; throws a `ConfigurationError` naming the bad field. */
  parseCredentials(secret: Readonly<Record<string, unknown>>, base: BaseCredentials): C;
  verify(request: WebhookRequest, credentials: C): Verification;
  normalize(delivery: Delivery): NormalizedDraft[];
  /** The inverse of `verify`: make `body` acceptable with the first configured credential. */
  sign(body: string, route: string, credentials: C): SignedDelivery;
}

/**
 * Erases a vendor's credential type so vendors can share one registry. Safe because the
 * registry only ever passes a vendor the credentials its own `parseCredentials` produced.
 * Every draft its `normalize` returns is bounded here (see `boundDraft`), once for all vendors.
 */
export function defineVendor<C extends BaseCredentials>(vendor: Vendor<C>): Vendor {
  const defined: Vendor<C> = {
    ...vendor,
    normalize: (delivery) =>
      vendor.normalize(delivery).map((draft) => boundDraft(withPlausibleTime(draft, delivery))),
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
