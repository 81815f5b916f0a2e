import { createHmac } from 'node:crypto';
import { readStringList } from '../core/credentials.js';
import { ConfigurationError } from '../core/errors.js';
import type { DetailType, NormalizedDraft, Status, SubjectRef } from '../core/event.js';
import { bodyHash } from '../core/hash.js';
import { field, isObject, parseJson, text } from '../core/json.js';
import type { JsonObject } from '../core/json.js';
import { findMember } from '../core/json-span.js';
import type { TextSpan } from '../core/json-span.js';
import { phpJsonEncode } from '../core/php-json.js';
import { matchesAny } from '../core/secure-compare.js';
import { instantFromEpochMillis } from '../core/time.js';
import { accept, applyCredentialPolicy, defineVendor, reject } from '../core/vendor.js';
import type {
  BaseCredentials,
  CredentialCheck,
  Delivery,
  Verification,
  WebhookRequest,
} from '../core/vendor.js';

/*
 * Treezor (see VENDORS.md). Facts are confirmed by Treezor's documentation unless a comment
 * says "Inferred".
 */

export const TREEZOR_ROUTE = '/webhooks/treezor';

/** The envelope Treezor posts; only `object_payload` is covered by the signature. */
export const ENVELOPE_FIELDS = {
  event: 'webhook',
  eventId: 'webhook_id',
  object: 'object',
  objectId: 'object_id',
  payload: 'object_payload',
  signature: 'object_payload_signature',
  createdAt: 'webhook_created_at',
} as const;

/** The newer form wraps the envelope: `{messageId, webhookId, webhook: {…envelope…}, clientId}`. */
export const WRAPPER_FIELDS = {
  envelope: 'webhook',
  webhookId: 'webhookId',
  messageId: 'messageId',
} as const;

/** Field names inside `object_payload`. */
export const PAYLOAD_FIELDS = {
  users: 'users',
  userId: 'userId',
  userTag: 'userTag',
  kycLevel: 'kycLevel',
  kycReview: 'kycReview',
  kycStatus: 'kycStatus',
  documents: 'documents',
  documentId: 'documentId',
  documentStatus: 'documentStatus',
  livenessStatus: 'kyc-status',
  livenessUserId: 'user_id',
  livenessScore: 'score',
  livenessRefusal: 'refusal-details',
  result: 'result',
  transactionNumber: 'transactionNumber',
} as const;

/** Event names seen in Treezor's documentation, by family (the prefix before the dot). */
export const TREEZOR_EVENTS = {
  user: ['user.create', 'user.update', 'user.cancel', 'user.kycrequest', 'user.kycreview'],
  kycReview: ['kycreview.request', 'kycreview.result'],
  document: ['document.create', 'document.update', 'document.cancel'],
  liveness: ['kycliveness.create', 'kycliveness.update'],
  qes: ['qes.created', 'qes.processing', 'qes.aborted', 'qes.finalized'],
  videoConference: [
    'videoConference.created',
    'videoConference.processing',
    'videoConference.aborted',
    'videoConference.finalized',
  ],
} as const;
export type TreezorEventFamily = keyof typeof TREEZOR_EVENTS;

/**
 * Families are told by the prefix, so a new event of a known family (say `qes.expired`) is
 * still read with its family's tables. Inferred: the docs list events, not a naming rule.
 */
export const EVENT_FAMILY_PREFIXES: Readonly<Record<string, TreezorEventFamily>> = {
  'user.': 'user',
  'kycreview.': 'kycReview',
  'document.': 'document',
  'kycliveness.': 'liveness',
  'qes.': 'qes',
  'videoConference.': 'videoConference',
};

/**
 * Events whose name alone says the subject is gone, whatever the payload's codes say.
 * `document.cancel` is documented as a deletion; `user.cancel` is inferred (no example).
 */
export const CANCELLING_EVENTS: readonly string[] = ['user.cancel', 'document.cancel'];

/** `kycLevel` codes (webhooks carry them as strings). */
export const KYC_LEVELS: Readonly<Record<string, string>> = {
  '0': 'NONE',
  '1': 'LIGHT',
  '2': 'REGULAR',
  '3': 'STRONG',
  '4': 'REFUSED',
  '5': 'PREVALIDATED',
  '6': 'ENHANCED',
};

/** A user at this level is refused, whatever `kycReview` says. */
export const REFUSED_KYC_LEVEL = '4';

/**
 * `kycReview` codes: the word Treezor uses (confirmed) and what it means here. Inferred: the
 * readings of the words without an obvious one — INVESTIGATING and REVIEW_PENDING are Treezor
 * still looking (in_review), REVIEW_OPEN waits on the user (needs_info), CLOSED ends the review
 * without a verdict (cancelled).
 */
export const KYC_REVIEWS: Readonly<
  Record<string, { readonly word: string; readonly status: Status }>
> = {
  '0': { word: 'NONE', status: 'pending' },
  '1': { word: 'PENDING', status: 'in_review' },
  '2': { word: 'VALIDATED', status: 'approved' },
  '3': { word: 'REFUSED', status: 'rejected' },
  '4': { word: 'INVESTIGATING', status: 'in_review' },
  '5': { word: 'CLOSED', status: 'cancelled' },
  '6': { word: 'REVIEW_OPEN', status: 'needs_info' },
  '7': { word: 'REVIEW_PENDING', status: 'in_review' },
};

/**
 * `kycStatus` words of the new KYC life cycle (`kycreview.*`). PENDING and VALIDATED appear in
 * the examples; REFUSED is inferred from the `kycReview` words. Any other word falls back to
 * the `kycReview` code beside it.
 */
export const KYC_STATUSES: Readonly<Record<string, Status>> = {
  PENDING: 'in_review',
  VALIDATED: 'approved',
  REFUSED: 'rejected',
};

/**
 * `documentStatus` words. PENDING and CANCELED appear in the examples; VALIDATED and REFUSED
 * are inferred from the `kycReview` words.
 */
export const DOCUMENT_STATUSES: Readonly<Record<string, Status>> = {
  PENDING: 'in_review',
  VALIDATED: 'approved',
  REFUSED: 'rejected',
  CANCELED: 'cancelled',
};

/**
 * Live verification `kyc-status`. The examples show `processing` and `processed`; initiated,
 * aborted and refused are inferred. `processed` is decided by `score` and `refusal-details`,
 * so it is absent from this table.
 */
export const LIVENESS_STATUSES: Readonly<Record<string, Status>> = {
  initiated: 'in_progress',
  processing: 'in_review',
  aborted: 'cancelled',
  refused: 'rejected',
};
export const LIVENESS_PROCESSED = 'processed';
/** Inferred from the two examples: score 1 while processing, score 0 with refusal details. */
export const LIVENESS_SCORES: Readonly<Record<string, Status>> = {
  '1': 'approved',
  '0': 'rejected',
};

/**
 * QES and video conference `result` words. SUCCESS and FRAUD_SUSPICION_CONFIRMED are inferred
 * (the identification provider's result words; not in the examples); the others are shown.
 */
export const IDENTIFICATION_RESULTS: Readonly<Record<string, Status>> = {
  STARTED: 'in_progress',
  CHECK_PENDING: 'in_review',
  REVIEW_PENDING: 'in_review',
  ABORTED: 'cancelled',
  SUCCESS: 'approved',
  SUCCESS_DATA_CHANGED: 'approved',
  CANCELED: 'rejected',
  FRAUD_SUSPICION_CONFIRMED: 'rejected',
};

/**
 * `webhook_created_at` units, told apart by magnitude: Treezor documents units of 10⁻⁴ s
 * (14 digits today), yet some of its examples show 13-digit milliseconds or 10-digit seconds.
 * Inferred: the thresholds. 10⁻⁴ s reads correctly from 2001 on, milliseconds from 1973 to
 * 2286, seconds up to 5138, so every plausible delivery time is unambiguous.
 */
export const TIME_UNIT_THRESHOLDS = { tenthsOfMillis: 1e13, millis: 1e11 } as const;

/** Which candidate message carried a valid signature, reported through `accept(…, matched)`. */
export type TreezorMatch = 'raw-span' | 're-encoded';

export interface TreezorCredentials extends BaseCredentials {
  /** Every secret currently accepted; the first one signs (rotation: add, switch, remove). */
  readonly webhookSecrets: readonly string[];
}

const VENDOR_ID = 'treezor';

export const treezor = defineVendor<TreezorCredentials>({
  id: VENDOR_ID,
  displayName: 'Treezor',
  routes: [TREEZOR_ROUTE],
  // Treezor's docs ask for a 5xx on a signature mismatch: it retries (about every minute, up to
  // 30 times), which also carries deliveries across a secret rotation.
  answers: { unauthenticated: 503 },
  // Built from the tables above, so each fact stays in one place; the README's mapping table is
  // generated from these rows and the tests feed each one through `normalize`.
  statusMapping: [
    ...Object.entries(KYC_REVIEWS).map(([code, { word, status }]) => ({
      field: PAYLOAD_FIELDS.kycReview,
      value: code,
      status,
      note: `${word}; \`user.*\`, and \`kycreview.*\` without a \`${PAYLOAD_FIELDS.kycStatus}\``,
    })),
    {
      field: PAYLOAD_FIELDS.kycLevel,
      value: REFUSED_KYC_LEVEL,
      status: 'rejected',
      note: `${KYC_LEVELS[REFUSED_KYC_LEVEL] ?? REFUSED_KYC_LEVEL}, whatever \`${PAYLOAD_FIELDS.kycReview}\` says`,
    },
    ...Object.entries(KYC_STATUSES).map(([word, status]) => ({
      field: PAYLOAD_FIELDS.kycStatus,
      value: word,
      status,
      note: '`kycreview.*`',
    })),
    ...Object.entries(DOCUMENT_STATUSES).map(([word, status]) => ({
      field: PAYLOAD_FIELDS.documentStatus,
      value: word,
      status,
      note: '`document.*`',
    })),
    ...Object.entries(LIVENESS_STATUSES).map(([word, status]) => ({
      field: PAYLOAD_FIELDS.livenessStatus,
      value: word,
      status,
      note: '`kycliveness.*`',
    })),
    ...Object.entries(LIVENESS_SCORES).map(([score, status]) => ({
      field: PAYLOAD_FIELDS.livenessScore,
      value: score,
      status,
      note: `\`kycliveness.*\` with \`${PAYLOAD_FIELDS.livenessStatus}=${LIVENESS_PROCESSED}\`; any \`${PAYLOAD_FIELDS.livenessRefusal}\` means \`rejected\``,
    })),
    ...Object.entries(IDENTIFICATION_RESULTS).map(([word, status]) => ({
      field: PAYLOAD_FIELDS.result,
      value: word,
      status,
      note: '`qes.*`, `videoConference.*`',
    })),
    ...CANCELLING_EVENTS.map((event) => ({
      field: ENVELOPE_FIELDS.event,
      value: event,
      status: 'cancelled' as const,
      note: 'whatever the payload says',
    })),
  ],

  parseCredentials(secret, base) {
    return { ...base, webhookSecrets: readStringList(secret, 'webhookSecrets', VENDOR_ID) };
  },

  verify(request: WebhookRequest, credentials: TreezorCredentials): Verification {
    const json = parseJson(request.body);
    if (json === undefined) return reject('malformed_body');
    const { envelope, payloadPath } = unwrap(json);
    const dedupId = dedupIdOf(json, envelope, request.body);
    const check = checkSignature(request.body, envelope, payloadPath, credentials.webhookSecrets);
    if (check.result === 'valid') return accept(dedupId, check.matched);
    return (
      applyCredentialPolicy(check.result, credentials, SIGNATURE_REJECTIONS) ?? accept(dedupId)
    );
  },

  // Business facts come from `object_payload`, the only signed part; the envelope supplies
  // only the event name, ids and time.
  normalize(delivery: Delivery): NormalizedDraft[] {
    const { envelope } = unwrap(delivery.json);
    const eventName = text(field(envelope, ENVELOPE_FIELDS.event));
    const base: DraftBase = {
      vendorEventType: eventName ?? 'unknown',
      occurredAt: occurredAtOf(field(envelope, ENVELOPE_FIELDS.createdAt)),
    };
    const payload = field(envelope, ENVELOPE_FIELDS.payload);
    const family = eventName === undefined ? undefined : familyOf(eventName);
    const drafts = family === undefined ? [] : FAMILY_READERS[family](base, payload, envelope);
    return drafts.length > 0 ? drafts : [otherEvent(base, envelope)];
  },

  sign(body, _route, credentials) {
    const secret = credentials.webhookSecrets[0];
    if (secret === undefined) {
      throw new ConfigurationError('treezor secret: "webhookSecrets" lists no secret to sign with');
    }
    const { payloadPath } = unwrap(parseJson(body));
    const payload = findMember(body, payloadPath);
    if (payload === undefined) {
      throw new TypeError('A Treezor body to sign must be a JSON object with an object_payload');
    }
    // Written the way PHP writes it (`/` as `\/`), like Treezor's own deliveries.
    const value = phpJsonEncode(signatureOf(slice(body, payload.value), secret));
    const existing = findMember(body, [...payloadPath.slice(0, -1), ENVELOPE_FIELDS.signature]);
    const at = existing?.value ?? { start: payload.value.end, end: payload.value.end };
    const insert = existing ? value : `,${phpJsonEncode(ENVELOPE_FIELDS.signature)}:${value}`;
    return { body: body.slice(0, at.start) + insert + body.slice(at.end), headers: {} };
  },
});

/* ---------------------------------------------------------------- verification helpers */

interface Unwrapped {
  readonly envelope: unknown;
  /** Where `object_payload` sits in the body text. */
  readonly payloadPath: readonly string[];
}

/** The envelope is under `webhook` when `webhook` is an object (the newer, wrapped form). */
function unwrap(json: unknown): Unwrapped {
  const inner = field(json, WRAPPER_FIELDS.envelope);
  return isObject(inner)
    ? { envelope: inner, payloadPath: [WRAPPER_FIELDS.envelope, ENVELOPE_FIELDS.payload] }
    : { envelope: json, payloadPath: [ENVELOPE_FIELDS.payload] };
}

/** Inner `webhook_id`, then the wrapper's `webhookId`, then its `messageId`, then a body hash. */
function dedupIdOf(json: unknown, envelope: unknown, body: string): string {
  return (
    text(field(envelope, ENVELOPE_FIELDS.eventId)) ??
    text(field(json, WRAPPER_FIELDS.webhookId)) ??
    text(field(json, WRAPPER_FIELDS.messageId)) ??
    bodyHash(body)
  );
}

const SIGNATURE_REJECTIONS = { absent: 'missing_signature', invalid: 'invalid_signature' } as const;

type SignatureCheck =
  | { readonly result: 'valid'; readonly matched: TreezorMatch }
  | { readonly result: Exclude<CredentialCheck, 'valid'> };

/**
 * Checks `object_payload_signature` against every secret: first over the raw text of
 * `object_payload` as received (Treezor's wire text is already PHP's encoding, and this survives
 * what JSON.parse loses: `1.0`, integer-like key order, big integers), then over PHP's
 * encoding of the parsed value (for a body that was re-serialised on the way, e.g.
 * pretty-printed). A `null` signature counts as absent; any other non-string as invalid.
 */
function checkSignature(
  body: string,
  envelope: unknown,
  payloadPath: readonly string[],
  secrets: readonly string[],
): SignatureCheck {
  const signature = field(envelope, ENVELOPE_FIELDS.signature);
  if (secrets.length === 0) return { result: 'unconfigured' };
  if (signature === undefined || signature === null) return { result: 'absent' };
  if (typeof signature !== 'string') return { result: 'invalid' };

  const span = findMember(body, payloadPath)?.value;
  const raw = span && slice(body, span);
  if (raw !== undefined && matchesAny(signature, signaturesOf(raw, secrets))) {
    return { result: 'valid', matched: 'raw-span' };
  }
  const encoded = phpEncoding(field(envelope, ENVELOPE_FIELDS.payload));
  if (
    encoded !== undefined &&
    encoded !== raw &&
    matchesAny(signature, signaturesOf(encoded, secrets))
  ) {
    return { result: 'valid', matched: 're-encoded' };
  }
  return { result: 'invalid' };
}

/** PHP's encoding of the payload; none when absent or nested deeper than PHP could encode. */
function phpEncoding(payload: unknown): string | undefined {
  if (payload === undefined) return undefined;
  try {
    return phpJsonEncode(payload);
  } catch {
    return undefined;
  }
}

function slice(body: string, span: TextSpan): string {
  return body.slice(span.start, span.end);
}

/** base64(HMAC-SHA256(secret, message)) over the message's UTF-8 bytes. */
function signatureOf(message: string, secret: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('base64');
}

function signaturesOf(message: string, secrets: readonly string[]): string[] {
  return secrets.map((secret) => signatureOf(message, secret));
}

/* ---------------------------------------------------------------- normalization helpers */

interface DraftBase {
  readonly vendorEventType: string;
  readonly occurredAt: string | undefined;
}
type FamilyReader = (base: DraftBase, payload: unknown, envelope: unknown) => NormalizedDraft[];

const FAMILY_READERS: Readonly<Record<TreezorEventFamily, FamilyReader>> = {
  user: readUsers,
  kycReview: readKycReview,
  document: readDocuments,
  liveness: readLiveness,
  qes: readIdentification,
  videoConference: readIdentification,
};

function familyOf(eventName: string): TreezorEventFamily | undefined {
  const prefix = Object.keys(EVENT_FAMILY_PREFIXES).find((p) => eventName.startsWith(p));
  return prefix === undefined ? undefined : EVENT_FAMILY_PREFIXES[prefix];
}

/** `user.*`: one draft per entry of `users` (inferred: the examples hold one; it is a list). */
function readUsers(base: DraftBase, payload: unknown): NormalizedDraft[] {
  const cancelled = CANCELLING_EVENTS.includes(base.vendorEventType);
  return objectsIn(field(payload, PAYLOAD_FIELDS.users)).map((user) => {
    const codes = kycCodes(user);
    const id = text(user[PAYLOAD_FIELDS.userId]);
    const externalRef = text(user[PAYLOAD_FIELDS.userTag]);
    return draft(base, {
      detailType: 'KYC Verification Updated',
      status: cancelled ? 'cancelled' : codes.status,
      vendorStatus: codes.words,
      subject:
        id === undefined
          ? undefined
          : { kind: 'user', id, ...optional('externalRef', externalRef) },
    });
  });
}

/** `kycreview.*` (new KYC life cycle): the `kycStatus` word decides, else the codes. */
function readKycReview(base: DraftBase, payload: unknown): NormalizedDraft[] {
  if (!isObject(payload)) return [];
  const codes = kycCodes(payload);
  const word = text(payload[PAYLOAD_FIELDS.kycStatus]);
  const id = text(payload[PAYLOAD_FIELDS.userId]);
  return [
    draft(base, {
      detailType: 'KYC Verification Updated',
      status: lookup(KYC_STATUSES, word) ?? codes.status,
      vendorStatus: word === undefined ? codes.words : `${PAYLOAD_FIELDS.kycStatus}=${word}`,
      subject: id === undefined ? undefined : { kind: 'user', id },
    }),
  ];
}

/** `document.*`: one draft per entry of `documents`, each a child of its user. */
function readDocuments(base: DraftBase, payload: unknown): NormalizedDraft[] {
  const cancelled = CANCELLING_EVENTS.includes(base.vendorEventType);
  return objectsIn(field(payload, PAYLOAD_FIELDS.documents)).map((document) => {
    const word = text(document[PAYLOAD_FIELDS.documentStatus]);
    const id = text(document[PAYLOAD_FIELDS.documentId]);
    const parent = userRef(document[PAYLOAD_FIELDS.userId]);
    return draft(base, {
      detailType: 'KYC Document Updated',
      status: cancelled ? 'cancelled' : (lookup(DOCUMENT_STATUSES, word) ?? 'unknown'),
      vendorStatus: words([PAYLOAD_FIELDS.documentStatus, word]),
      subject:
        id === undefined ? undefined : { kind: 'document', id, ...optional('parent', parent) },
    });
  });
}

/**
 * `kycliveness.*`: the user is the payload's `user_id`. Inferred: the identification is the
 * envelope's `object_id`, since the payload names no id of its own.
 */
function readLiveness(base: DraftBase, payload: unknown, envelope: unknown): NormalizedDraft[] {
  if (!isObject(payload)) return [];
  const word = text(payload[PAYLOAD_FIELDS.livenessStatus]);
  const score = text(payload[PAYLOAD_FIELDS.livenessScore]);
  // Inferred: any `refusal-details` means refused, even beside a score of 1.
  const refused = payload[PAYLOAD_FIELDS.livenessRefusal] != null;
  const processed = refused ? 'rejected' : lookup(LIVENESS_SCORES, score);
  const status = word === LIVENESS_PROCESSED ? processed : lookup(LIVENESS_STATUSES, word);
  const id = text(field(envelope, ENVELOPE_FIELDS.objectId));
  return [
    draft(base, {
      detailType: 'KYC Verification Updated',
      status: status ?? 'unknown',
      vendorStatus: words(
        [PAYLOAD_FIELDS.livenessStatus, word],
        [PAYLOAD_FIELDS.livenessScore, score],
      ),
      subject: identification(id, payload[PAYLOAD_FIELDS.livenessUserId]),
    }),
  ];
}

/**
 * `qes.*` and `videoConference.*`: the `result` word. The identification is the payload's
 * `transactionNumber` (signed), which the examples show equal to the envelope's `object_id`.
 */
function readIdentification(
  base: DraftBase,
  payload: unknown,
  envelope: unknown,
): NormalizedDraft[] {
  if (!isObject(payload)) return [];
  const word = text(payload[PAYLOAD_FIELDS.result]);
  const id =
    text(payload[PAYLOAD_FIELDS.transactionNumber]) ??
    text(field(envelope, ENVELOPE_FIELDS.objectId));
  return [
    draft(base, {
      detailType: 'KYC Verification Updated',
      status: lookup(IDENTIFICATION_RESULTS, word) ?? 'unknown',
      vendorStatus: words([PAYLOAD_FIELDS.result, word]),
      subject: identification(id, payload[PAYLOAD_FIELDS.userId]),
    }),
  ];
}

/** Anything else: stored and published as a generic event, never dropped. */
function otherEvent(base: DraftBase, envelope: unknown): NormalizedDraft {
  const id = text(field(envelope, ENVELOPE_FIELDS.objectId));
  const kind = text(field(envelope, ENVELOPE_FIELDS.object)) ?? 'unknown';
  return draft(base, {
    detailType: 'KYC Vendor Event',
    status: 'unknown',
    vendorStatus: undefined,
    subject: id === undefined ? undefined : { kind, id },
  });
}

/** Status and words from `kycReview` and `kycLevel`; a refused level overrides the review. */
function kycCodes(source: JsonObject): { status: Status; words: string | undefined } {
  const review = text(source[PAYLOAD_FIELDS.kycReview]);
  const level = text(source[PAYLOAD_FIELDS.kycLevel]);
  const reviewRow = lookup(KYC_REVIEWS, review);
  return {
    status: level === REFUSED_KYC_LEVEL ? 'rejected' : (reviewRow?.status ?? 'unknown'),
    words: words(
      [PAYLOAD_FIELDS.kycReview, reviewRow?.word ?? review],
      [PAYLOAD_FIELDS.kycLevel, lookup(KYC_LEVELS, level) ?? level],
    ),
  };
}

function userRef(userId: unknown): SubjectRef['parent'] {
  const id = text(userId);
  return id === undefined ? undefined : { kind: 'user', id };
}

function identification(id: string | undefined, userId: unknown): SubjectRef | undefined {
  if (id === undefined) return undefined;
  return { kind: 'identification', id, ...optional('parent', userRef(userId)) };
}

interface DraftParts {
  readonly detailType: DetailType;
  readonly status: Status;
  readonly vendorStatus: string | undefined;
  readonly subject: SubjectRef | undefined;
}

function draft(base: DraftBase, parts: DraftParts): NormalizedDraft {
  return {
    detailType: parts.detailType,
    vendorEventType: base.vendorEventType,
    ...optional('subject', parts.subject),
    status: parts.status,
    vendorStatus: parts.vendorStatus ?? null,
    ...optional('occurredAt', base.occurredAt),
  };
}

/** Own-property lookup, so a vendor word like `constructor` never reaches the prototype. */
function lookup<T>(table: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

function objectsIn(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** `kycReview=VALIDATED kycLevel=REGULAR`, skipping the names whose value is absent. */
function words(...pairs: ReadonlyArray<readonly [string, string | undefined]>): string | undefined {
  const present = pairs.flatMap(([name, value]) =>
    value === undefined ? [] : [`${name}=${value}`],
  );
  return present.length > 0 ? present.join(' ') : undefined;
}

/** `{ [key]: value }` when the value is present, else `{}`: absent fields stay absent. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/**
 * `webhook_created_at` → canonical instant. A number or numeric string; the unit is decided by
 * the magnitude of the whole part (see TIME_UNIT_THRESHOLDS); a fraction is read in that unit
 * ("1653294578.6168" is seconds). Digits are handled as text so no float error creeps in.
 */
function occurredAtOf(value: unknown): string | undefined {
  const raw = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof raw !== 'string') return undefined;
  const match = /^(\d+)(?:\.(\d+))?$/.exec(raw.trim());
  if (!match) return undefined;
  const whole = Number(match[1]);
  // A zero time is a placeholder, not 1970.
  if (whole === 0) return undefined;
  const millis =
    whole >= TIME_UNIT_THRESHOLDS.tenthsOfMillis
      ? Math.floor(whole / 10)
      : whole >= TIME_UNIT_THRESHOLDS.millis
        ? whole
        : whole * 1000 + Number((match[2] ?? '').padEnd(3, '0').slice(0, 3));
  return instantFromEpochMillis(millis);
}
