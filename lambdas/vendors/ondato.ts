import { assertSigningKey, verifyAccessToken } from '../core/access-token.js';
import { readStringList } from '../core/credentials.js';
import { ConfigurationError } from '../core/errors.js';
import type { DetailType, NormalizedDraft, Status, SubjectRef } from '../core/event.js';
import { bodyHash } from '../core/hash.js';
import { canonicalAuthorization } from '../core/header-auth.js';
import { isObject, parseJson, text } from '../core/json.js';
import { matchesAny } from '../core/secure-compare.js';
import { instantFromIso } from '../core/time.js';
import { accept, applyCredentialPolicy, defineVendor, reject } from '../core/vendor.js';
import type {
  BaseCredentials,
  CredentialCheck,
  Delivery,
  StatusMappingRow,
  WebhookRequest,
} from '../core/vendor.js';

// ---------------------------------------------------------------------------------------------
// Vendor facts, all Ondato-specific knowledge. "Confirmed" = Ondato's webhook documentation
// says so; "Inferred" = no vendor source was found and the reading is ours.
// ---------------------------------------------------------------------------------------------

export const ONDATO_VENDOR_ID = 'ondato';
export const ONDATO_ROUTE = '/webhooks/ondato';

/**
 * Confirmed: every webhook comes from one of these addresses (the vendor's current page lists
 * five; an older version listed the last four). Used when the secret sets no `allowedIps`, by
 * ingest and by the token endpoint alike.
 */
export const ONDATO_SOURCE_IPS = [
  '20.31.10.47',
  '20.31.227.231',
  '20.76.229.117',
  '20.76.229.248',
  '213.226.187.101',
] as const;

/**
 * The `aud` of the access tokens our token endpoint issues to Ondato (our name, not Ondato's):
 * a token is accepted on the Ondato route only, never by another vendor that might later use
 * the same token machinery.
 */
export const ONDATO_TOKEN_AUDIENCE = 'urn:kyc-webhooks:webhooks:ondato';

/** Keys of the Ondato secret JSON (DESIGN §3.3). */
export const ONDATO_SECRET_KEYS = {
  authorization: 'authorization',
  oauthClients: 'oauthClients',
  tokenSigningKeys: 'tokenSigningKeys',
} as const;

/**
 * Confirmed envelope. The docs print these names in PascalCase while real deliveries use
 * camelCase (`id`, `createdUtc`, …), so every key is read case-insensitively.
 */
export const ONDATO_ENVELOPE = {
  id: 'Id',
  applicationId: 'ApplicationId',
  createdUtc: 'CreatedUtc',
  deliveredUtc: 'DeliveredUtc',
  isDelivered: 'IsDelivered',
  payload: 'Payload',
  type: 'Type',
} as const;

/**
 * Fields read from `Payload`, which is the resource as its GET endpoint returns it (and so holds
 * personal data, none of which is copied into the normalized event). Confirmed by the docs'
 * example: `id`, `status`, `identityVerificationId`. Inferred: `statusReason` (named by the
 * rejection docs, shape unknown), `externalReferenceId` (the customer's reference on an IDV),
 * `kybIdentificationId` (the KYB identification a KYB document belongs to).
 */
export const ONDATO_PAYLOAD_FIELDS = {
  id: 'id',
  status: 'status',
  statusReason: 'statusReason',
  externalReferenceId: 'externalReferenceId',
  identityVerificationId: 'identityVerificationId',
  kybIdentificationId: 'kybIdentificationId',
} as const;

/** Confirmed event types; `Form.Created` appears only in the docs' envelope example. */
export const ONDATO_EVENT_TYPES = [
  'IdentityVerification.Consented',
  'IdentityVerification.StatusChanged',
  'Idv.StatusChanged',
  'KycIdentification.Created',
  'KycIdentification.Processed',
  'KycIdentification.Approved',
  'KycIdentification.Updated',
  'KycIdentification.Rejected',
  'KybIdentification.Created',
  'KybIdentification.Approved',
  'KybIdentification.Rejected',
  'KybIdentification.Document.Created',
  'KybIdentification.Document.Uploaded',
  'KybIdentification.Document.Updated',
  'KybIdentification.Document.Deleted',
  'Form.Created',
] as const;

interface OndatoResource {
  /** The type prefix, matched case-insensitively, longest first. */
  readonly prefix: string;
  /** `subject.kind`: one kind per resource, so ordering is per resource. */
  readonly kind: string;
  readonly detailType: DetailType;
  /** Inferred fallback for the resource's id when the payload has no `id`. */
  readonly idField: string;
  /** The resource this one belongs to, when the payload names it. */
  readonly parent?: { readonly kind: string; readonly field: string };
}

/**
 * Event families. `Idv.*` is the older name of `IdentityVerification.*` (same resource, so the
 * same subject kind). A form belongs to an IDV (confirmed by the example's
 * `identityVerificationId`); a KYC identification to an IDV and a KYB document to its KYB
 * identification (both inferred).
 */
export const ONDATO_RESOURCES: readonly OndatoResource[] = [
  {
    prefix: 'KybIdentification.Document.',
    kind: 'kybDocument',
    detailType: 'KYC Document Updated',
    idField: 'documentId',
    parent: { kind: 'kybIdentification', field: ONDATO_PAYLOAD_FIELDS.kybIdentificationId },
  },
  {
    prefix: 'KybIdentification.',
    kind: 'kybIdentification',
    detailType: 'KYC Verification Updated',
    idField: ONDATO_PAYLOAD_FIELDS.kybIdentificationId,
  },
  {
    prefix: 'KycIdentification.',
    kind: 'kycIdentification',
    detailType: 'KYC Verification Updated',
    idField: 'kycIdentificationId',
    parent: { kind: 'identityVerification', field: ONDATO_PAYLOAD_FIELDS.identityVerificationId },
  },
  {
    prefix: 'IdentityVerification.',
    kind: 'identityVerification',
    detailType: 'KYC Verification Updated',
    idField: ONDATO_PAYLOAD_FIELDS.identityVerificationId,
  },
  {
    prefix: 'Idv.',
    kind: 'identityVerification',
    detailType: 'KYC Verification Updated',
    idField: ONDATO_PAYLOAD_FIELDS.identityVerificationId,
  },
  {
    prefix: 'Form.',
    kind: 'form',
    detailType: 'KYC Vendor Event',
    idField: 'formId',
    parent: { kind: 'identityVerification', field: ONDATO_PAYLOAD_FIELDS.identityVerificationId },
  },
];

/** DetailType of a type outside every known family: stored and published, never refused. */
export const ONDATO_FALLBACK_DETAIL_TYPE: DetailType = 'KYC Vendor Event';

/** `vendorEventType` when the envelope names no type. */
export const ONDATO_MISSING_EVENT_TYPE = 'unknown';

/**
 * `Payload.status` words (confirmed words, our meanings), compared case-insensitively.
 * - `Unfinished`: the customer has not finished their part yet.
 * - `Completed` and `Pending` (inferred meaning): the customer finished and a decision,
 *   automatic or manual, is awaited. `Pending` is read as `in_review`, not `pending`: nothing
 *   is asked of the customer any more, which is what consumers must tell apart.
 * - `Aborted`: the customer or the operator abandoned the flow.
 * - `NeedReview` / `Validated` / `Invalidated`: KYB documents (confirmed by the event table).
 */
export const ONDATO_STATUS_WORDS: readonly StatusMappingRow[] = [
  { field: 'payload.status', value: 'Approved', status: 'approved' },
  { field: 'payload.status', value: 'Rejected', status: 'rejected', note: '+ statusReason' },
  { field: 'payload.status', value: 'Unfinished', status: 'in_progress' },
  { field: 'payload.status', value: 'Completed', status: 'in_review' },
  { field: 'payload.status', value: 'Pending', status: 'in_review', note: 'awaiting a decision' },
  { field: 'payload.status', value: 'Aborted', status: 'cancelled' },
  { field: 'payload.status', value: 'Expired', status: 'expired' },
  { field: 'payload.status', value: 'NeedReview', status: 'in_review', note: 'KYB documents' },
  { field: 'payload.status', value: 'Validated', status: 'approved', note: 'KYB documents' },
  { field: 'payload.status', value: 'Invalidated', status: 'rejected', note: 'KYB documents' },
];

/**
 * The status a type's last word implies, used when the payload carries no status word we know
 * (inferred from the event table's descriptions). `.Updated` and `.StatusChanged` imply none.
 * `.Deleted` overrides the payload: a deleted document's last status (say `Validated`) no
 * longer holds, whatever the payload still says.
 */
export const ONDATO_TYPE_SUFFIXES: readonly StatusMappingRow[] = [
  { field: 'type', value: '*.Approved', status: 'approved' },
  { field: 'type', value: '*.Rejected', status: 'rejected' },
  { field: 'type', value: '*.Processed', status: 'in_review', note: 'finished by the customer' },
  { field: 'type', value: '*.Created', status: 'in_progress' },
  { field: 'type', value: '*.Consented', status: 'in_progress' },
  { field: 'type', value: '*.Uploaded', status: 'in_review', note: 'KYB document file uploaded' },
  { field: 'type', value: '*.Deleted', status: 'cancelled', note: 'overrides payload.status' },
];

/** Suffixes whose status beats the payload's status word. */
export const ONDATO_OVERRIDING_SUFFIXES: readonly string[] = ['*.Deleted'];

/**
 * Inferred: `statusReason` may be a code or a reviewer's free text, which can hold personal
 * data. It is kept in `vendorStatus` only when it looks like a code: letters joined by `_`, `-`
 * or `.`, no digits, no spaces, at most 64 characters. Status words pass the same check.
 * Each separator is required inside the group: with an optional one, a run of letters followed
 * by anything else backtracked exponentially (60 letters and a digit never finished).
 */
export const ONDATO_CODE_PATTERN = /^[A-Za-z]+(?:[_.-][A-Za-z]+)*$/;
export const ONDATO_CODE_MAX_LENGTH = 64;

/*
 * Answers: the default policy (200 for every authentic, durably queued delivery; 503 when the
 * queue or the secret is unavailable). Confirmed: Ondato waits 30 s, then retries with backoff
 * (10 s … every 12 h) for up to 24 h / 30 attempts, so a 5xx is retried. Inferred: like the
 * delivery system it resembles, it may drop a 400/401/403/413 without retry, so a genuine
 * delivery is never answered with one of those.
 */

// ---------------------------------------------------------------------------------------------

export interface OndatoOauthClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface OndatoCredentials extends BaseCredentials {
  /** Every accepted `Basic …` header value (several during a rotation). */
  readonly authorization: readonly string[];
  /** Clients the token endpoint issues tokens to; a client may appear twice while its secret rotates. */
  readonly oauthClients: readonly OndatoOauthClient[];
  /** HS256 keys: tokens are signed with the first and accepted with any. */
  readonly tokenSigningKeys: readonly string[];
}

/** Reads the Ondato secret; throws a `ConfigurationError` naming the bad field, never a value. */
export function parseOndatoCredentials(
  secret: Readonly<Record<string, unknown>>,
  base: BaseCredentials,
): OndatoCredentials {
  const authorization = readStringList(secret, ONDATO_SECRET_KEYS.authorization, ONDATO_VENDOR_ID);
  if (!authorization.every((value) => /^basic\s+\S+$/i.test(value.trim()))) {
    throw new ConfigurationError(
      `${ONDATO_VENDOR_ID} secret: "${ONDATO_SECRET_KEYS.authorization}" values must be "Basic <token>"`,
    );
  }
  const oauthClients = readOauthClients(secret);
  const tokenSigningKeys = readStringList(
    secret,
    ONDATO_SECRET_KEYS.tokenSigningKeys,
    ONDATO_VENDOR_ID,
  );
  try {
    tokenSigningKeys.forEach(assertSigningKey);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new ConfigurationError(
      `${ONDATO_VENDOR_ID} secret: "${ONDATO_SECRET_KEYS.tokenSigningKeys}": ${error.message}`,
    );
  }
  if (oauthClients.length > 0 && tokenSigningKeys.length === 0) {
    throw new ConfigurationError(
      `${ONDATO_VENDOR_ID} secret: "${ONDATO_SECRET_KEYS.tokenSigningKeys}" must list at least ` +
        `one key when "${ONDATO_SECRET_KEYS.oauthClients}" is set`,
    );
  }
  return { ...base, authorization, oauthClients, tokenSigningKeys };
}

function readOauthClients(secret: Readonly<Record<string, unknown>>): OndatoOauthClient[] {
  const key = ONDATO_SECRET_KEYS.oauthClients;
  const value = secret[key];
  if (value === undefined) return [];
  const problem = `${ONDATO_VENDOR_ID} secret: "${key}" must be a list of {"clientId", "clientSecret"} objects with non-empty strings`;
  if (!Array.isArray(value)) throw new ConfigurationError(problem);
  return value.map((entry: unknown, index) => {
    const clientId = isObject(entry) ? entry['clientId'] : undefined;
    const clientSecret = isObject(entry) ? entry['clientSecret'] : undefined;
    if (typeof clientId !== 'string' || clientId === '') {
      throw new ConfigurationError(`${problem} ("${key}[${index}].clientId")`);
    }
    if (typeof clientSecret !== 'string' || clientSecret === '') {
      throw new ConfigurationError(`${problem} ("${key}[${index}].clientSecret")`);
    }
    return { clientId, clientSecret };
  });
}

export const ondato = defineVendor<OndatoCredentials>({
  id: ONDATO_VENDOR_ID,
  displayName: 'Ondato',
  routes: [ONDATO_ROUTE],
  defaultAllowedIps: ONDATO_SOURCE_IPS,
  statusMapping: [...ONDATO_STATUS_WORDS, ...ONDATO_TYPE_SUFFIXES],

  parseCredentials: parseOndatoCredentials,

  verify(request, credentials) {
    // Confirmed: Ondato proves nothing in the body; it sends Basic credentials, or a bearer
    // token it fetched from our token endpoint. Checked before the body is parsed.
    const refused = applyCredentialPolicy(checkAuthorization(request, credentials), credentials, {
      absent: 'missing_authorization',
      invalid: 'invalid_authorization',
    });
    if (refused) return refused;

    const json = parseJson(request.body);
    if (!isObject(json)) return reject('malformed_body');
    // The envelope `Id` names the event (confirmed). Inferred: a retry, and a duplicate sent
    // after a 2xx (confirmed to happen), carry the same `Id`. Without one (never documented),
    // a byte-identical retry still collapses to one event.
    return accept(text(readKey(json, ONDATO_ENVELOPE.id)) ?? bodyHash(request.body));
  },

  normalize(delivery) {
    return [normalizeOndato(delivery)];
  },

  sign(body, _route, credentials) {
    // A bearer token needs the clock, which a vendor module does not read: sign with Basic.
    const [basic] = credentials.authorization;
    const headers: Record<string, string> = basic === undefined ? {} : { authorization: basic };
    return { body, headers };
  },
});

/** `Basic` against the configured values, `Bearer` against our signing keys; scheme in any case. */
function checkAuthorization(
  request: WebhookRequest,
  credentials: OndatoCredentials,
): CredentialCheck {
  const basics = credentials.authorization;
  const keys = credentials.tokenSigningKeys;
  if (basics.length === 0 && keys.length === 0) return 'unconfigured';
  const header = request.headers['authorization'];
  if (header === undefined || header.trim() === '') return 'absent';

  const presented = canonicalAuthorization(header);
  const space = presented.indexOf(' ');
  const scheme = space < 0 ? presented.toLowerCase() : presented.slice(0, space);
  const credential = space < 0 ? '' : presented.slice(space + 1);
  if (scheme === 'basic') {
    return matchesAny(presented, basics.map(canonicalAuthorization)) ? 'valid' : 'invalid';
  }
  if (scheme === 'bearer') {
    // An expired token is refused like a forged one: Ondato fetches a new token and retries.
    const check = verifyAccessToken(credential, {
      audience: ONDATO_TOKEN_AUDIENCE,
      now: request.now,
      keys,
    });
    return check === 'valid' ? 'valid' : 'invalid';
  }
  return 'invalid';
}

/**
 * `obj[name]` read case-insensitively (`Id`, `id`, `ID`), own keys only: the exact spelling
 * first, then the first key that differs from it only in case.
 */
export function readKey(obj: unknown, name: string): unknown {
  if (!isObject(obj)) return undefined;
  if (Object.hasOwn(obj, name)) return obj[name];
  const wanted = name.toLowerCase();
  const key = Object.keys(obj).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : obj[key];
}

/**
 * One draft per delivery. Reads defensively: any JSON value (or none) yields a draft, so an
 * unknown type or shape is still stored and published.
 */
function normalizeOndato(delivery: Delivery): NormalizedDraft {
  const envelope = delivery.json;
  const payload = readKey(envelope, ONDATO_ENVELOPE.payload);
  const type = readType(envelope);
  const resource = type === undefined ? undefined : resourceOf(type);

  const statusWord = readCode(readKey(payload, ONDATO_PAYLOAD_FIELDS.status));
  const statusReason = readCode(readKey(payload, ONDATO_PAYLOAD_FIELDS.statusReason));
  const subject = readSubject(payload, resource, type);
  // Confirmed: `CreatedUtc` has up to 7 fractional digits and no zone (UTC).
  const created = readKey(envelope, ONDATO_ENVELOPE.createdUtc);
  const occurredAt = typeof created === 'string' ? instantFromIso(created) : undefined;

  const parts = [
    type === undefined ? undefined : `type=${type}`,
    statusWord === undefined ? undefined : `status=${statusWord}`,
    statusReason === undefined ? undefined : `statusReason=${statusReason}`,
  ].filter((part) => part !== undefined);

  return {
    detailType: resource?.detailType ?? ONDATO_FALLBACK_DETAIL_TYPE,
    vendorEventType: type ?? ONDATO_MISSING_EVENT_TYPE,
    ...(subject && { subject }),
    status: statusOf(type, statusWord),
    vendorStatus: parts.length === 0 ? null : parts.join(' '),
    ...(occurredAt !== undefined && { occurredAt }),
  };
}

function readType(envelope: unknown): string | undefined {
  const type = readKey(envelope, ONDATO_ENVELOPE.type);
  return typeof type === 'string' && type.trim() !== '' ? type.trim() : undefined;
}

/** The known family of a type, or, for a family Ondato adds later, one named after its prefix. */
function resourceOf(type: string): OndatoResource | undefined {
  const lower = type.toLowerCase();
  const known = ONDATO_RESOURCES.find((r) => lower.startsWith(r.prefix.toLowerCase()));
  if (known) return known;
  // Inferred: a new `Thing.Event` type reports on a `thing` resource; naming the subject after
  // it keeps that resource's events ordered among themselves and apart from every other kind.
  const match = /^([A-Za-z][A-Za-z0-9]*)\.[A-Za-z]/.exec(type);
  const family = match?.[1];
  if (family === undefined) return undefined;
  return {
    prefix: `${family}.`,
    kind: family.charAt(0).toLowerCase() + family.slice(1),
    detailType: ONDATO_FALLBACK_DETAIL_TYPE,
    idField: `${family.charAt(0).toLowerCase()}${family.slice(1)}Id`,
  };
}

function readSubject(
  payload: unknown,
  resource: OndatoResource | undefined,
  type: string | undefined,
): SubjectRef | undefined {
  if (resource === undefined || type === undefined) return undefined;
  const id =
    text(readKey(payload, ONDATO_PAYLOAD_FIELDS.id)) ?? text(readKey(payload, resource.idField));
  if (id === undefined) return undefined;
  const externalRef = text(readKey(payload, ONDATO_PAYLOAD_FIELDS.externalReferenceId));
  const parentId = resource.parent && text(readKey(payload, resource.parent.field));
  return {
    kind: resource.kind,
    id,
    ...(externalRef !== undefined && { externalRef }),
    ...(resource.parent &&
      parentId !== undefined && {
        parent: { kind: resource.parent.kind, id: parentId },
      }),
  };
}

/** A code-shaped word exactly as sent; anything else (free text, numbers, objects) is dropped. */
function readCode(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const word = value.trim();
  return word.length <= ONDATO_CODE_MAX_LENGTH && ONDATO_CODE_PATTERN.test(word) ? word : undefined;
}

/** Overriding suffix, else a known payload word, else the type's suffix, else `unknown`. */
export function statusOf(type: string | undefined, statusWord: string | undefined): Status {
  const suffix = type === undefined ? undefined : suffixRow(type);
  if (suffix && ONDATO_OVERRIDING_SUFFIXES.includes(suffix.value)) return suffix.status;
  const word = statusWord?.toLowerCase();
  const fromPayload = ONDATO_STATUS_WORDS.find((row) => row.value.toLowerCase() === word);
  return fromPayload?.status ?? suffix?.status ?? 'unknown';
}

function suffixRow(type: string): StatusMappingRow | undefined {
  const lower = type.toLowerCase();
  return ONDATO_TYPE_SUFFIXES.find((row) => lower.endsWith(row.value.slice(1).toLowerCase()));
}
