import { createHmac } from 'node:crypto';
import { readStringList } from '../core/credentials.js';
import { ConfigurationError } from '../core/errors.js';
import type { DetailType, NormalizedDraft, Scope, Status, SubjectRef } from '../core/event.js';
import { bodyHash } from '../core/hash.js';
import { field, isObject, objectMember, ownValue, parseJson, text } from '../core/json.js';
import type { JsonObject } from '../core/json.js';
import { findMember } from '../core/json-span.js';
import { wireNames } from '../core/names.js';
import type { TextSpan } from '../core/json-span.js';
import { phpJsonEncode } from '../core/php-json.js';
import { matchesAny } from '../core/secure-compare.js';
import { instantFromIso, instantFromZonedLocal, zonedLocalTime } from '../core/time.js';
import { mappingRows } from '../core/vendor-reading.js';
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
  ...wireNames('webhookId', 'messageId'),
} as const;

/** Field names inside `object_payload`. */
export const PAYLOAD_FIELDS = {
  ...wireNames(
    'users',
    'userId',
    'userTag',
    'userStatus',
    'modifiedDate',
    'createdDate',
    'lastReviewDatetime',
    'lastRequestDatetime',
    'kycLevel',
    'kycReview',
    'kycStatus',
    'documents',
    'documentId',
    'documentStatus',
    'result',
    'transactionNumber',
    'identificationTime',
  ),
  livenessStatus: 'kyc-status',
  livenessUserId: 'user_id',
  livenessScore: 'score',
  livenessRefusal: 'refusal-details',
  livenessUpdatedAt: 'updated-at',
  livenessStartedAt: 'started-at',
} as const;

/** Event names seen in Treezor's documentation, by the family their payload's shape tells. */
export const TREEZOR_EVENTS = {
  user: ['user.create', 'user.update', 'user.cancel', 'user.kycrequest', 'user.kycreview'],
  kycReview: ['kycreview.request', 'kycreview.result'],
  document: ['document.create', 'document.update', 'document.cancel'],
  liveness: ['kycliveness.create', 'kycliveness.update'],
  identification: [
    'qes.created',
    'qes.processing',
    'qes.aborted',
    'qes.finalized',
    'videoConference.created',
    'videoConference.processing',
    'videoConference.aborted',
    'videoConference.finalized',
  ],
} as const;
export type TreezorEventFamily = keyof typeof TREEZOR_EVENTS;

/**
 * The family an event name claims, by its prefix, so a new event of a known family (say
 * `qes.expired`) still counts as one. The name is unsigned: it only labels an event, and only
 * when the signed payload's shape agrees with it (see `familyOfPayload`). Inferred: the docs list
 * events, not a naming rule.
 */
export const EVENT_FAMILY_PREFIXES: Readonly<Record<string, TreezorEventFamily>> = {
  'user.': 'user',
  'kycreview.': 'kycReview',
  'document.': 'document',
  'kycliveness.': 'liveness',
  'qes.': 'identification',
  'videoConference.': 'identification',
};

/**
 * `userStatus` words that decide whatever the KYC codes say. `CANCELED` is how a cancelled user
 * reads in the signed payload (Treezor's user object); the unsigned event name `user.cancel` is
 * never trusted for it.
 */
export const USER_STATUSES: Readonly<Record<string, Status>> = { CANCELED: 'cancelled' };

/**
 * Users' and documents' `modifiedDate` / `createdDate` are wall-clock times in Paris, to the
 * second (confirmed: `modifiedDate` is not bumped by a KYC review, so a review often carries the
 * time of the request before it; equal times are ordered by the terminal-wins rule).
 */
export const TREEZOR_LOCAL_TIME_ZONE = 'Europe/Paris';
/** The placeholder Treezor writes for a date it has not set. */
export const ZERO_DATE = /^0000-00-00/;

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
 * Live verification `kyc-status`: Ubble v1's words, which Treezor relays (confirmed by Ubble's
 * documentation; Treezor's examples show `processing` and `processed`). `refused` (Ubble v2) is
 * the user declining consent: an abandoned attempt, not a verdict. `processed` is decided by
 * `score` and `refusal-details`, so it is absent from this table.
 */
export const LIVENESS_STATUSES: Readonly<Record<string, Status>> = {
  uninitiated: 'pending',
  initiated: 'in_progress',
  processing: 'in_review',
  aborted: 'cancelled',
  expired: 'expired',
  refused: 'cancelled',
};
export const LIVENESS_PROCESSED = 'processed';
/**
 * Ubble's score once processed: 1 valid, 0 invalid, -1 undecidable (the user must try again).
 * Treezor: a processed liveness only means a KYC review may now be requested; the verdict on
 * the user arrives later in `user.kycreview`, so these are step results.
 */
export const LIVENESS_SCORES: Readonly<Record<string, Status>> = {
  '1': 'approved',
  '0': 'rejected',
  '-1': 'needs_info',
};

/**
 * QES and video conference `result`: IDnow's words, which Treezor relays (confirmed by IDnow's
 * documentation). `CANCELED` is an attempt cancelled for quality, document or selfie reasons
 * after which the user can start again: not a verdict. `FRAUD_SUSPICION_CONFIRMED` is the
 * definitive failure; `FRAUD_SUSPICION_PENDING` is still under IDnow's review.
 */
export const IDENTIFICATION_RESULTS: Readonly<Record<string, Status>> = {
  STARTED: 'in_progress',
  CHECK_PENDING: 'in_review',
  REVIEW_PENDING: 'in_review',
  FRAUD_SUSPICION_PENDING: 'in_review',
  ABORTED: 'cancelled',
  CANCELED: 'cancelled',
  SUCCESS: 'approved',
  SUCCESS_DATA_CHANGED: 'approved',
  FRAUD_SUSPICION_CONFIRMED: 'rejected',
};

/** Which candidate message carried a valid signature, reported through `accept(…, matched)`. */
export type TreezorMatch = 'raw-span' | 're-encoded';

export interface TreezorCredentials extends BaseCredentials {
  /** Every secret currently accepted; the first one signs (rotation: add, switch, remove). */
  readonly webhookSecrets: readonly string[];
}

const VENDOR_ID = 'treezor';
/** The key of the Treezor secret listing every accepted webhook secret. */
const WEBHOOK_SECRETS_KEY = 'webhookSecrets';

const SIGNED = 'signature' as const;
const UNSIGNED = 'none' as const;

export const treezor = defineVendor<TreezorCredentials>({
  id: VENDOR_ID,
  displayName: 'Treezor',
  routes: [TREEZOR_ROUTE],
  answers: {
    // Treezor's docs ask for a 5xx on a signature mismatch: it retries, which also carries
    // deliveries across a secret rotation.
    refused: { missing_signature: 503, invalid_signature: 503, no_credentials_configured: 503 },
    senderRetries:
      'Retries a delivery not answered 2xx about every minute, up to 30 times (secondary source); its docs ask for a 5xx on a signature mismatch.',
  },
  proof: {
    kind: 'body-signature',
    signatureMembers: [
      [ENVELOPE_FIELDS.signature],
      [WRAPPER_FIELDS.envelope, ENVELOPE_FIELDS.signature],
    ],
  },
  trust: [
    {
      field: `\`${ENVELOPE_FIELDS.payload}\``,
      proof: SIGNED,
      use: 'everything that decides: status, subject, ordering time, and the dedup id (the SHA-256 of the signed bytes)',
    },
    {
      field: `\`${ENVELOPE_FIELDS.signature}\``,
      proof: SIGNED,
      use: 'the proof: checked by ingest, removed from published payloads',
    },
    {
      field: `\`${ENVELOPE_FIELDS.event}\``,
      proof: UNSIGNED,
      use: "label only (`vendorEventType`), and only when the signed payload's shape agrees; else `unknown`",
    },
    {
      field: `\`${ENVELOPE_FIELDS.eventId}\`, \`${WRAPPER_FIELDS.webhookId}\`, \`${WRAPPER_FIELDS.messageId}\``,
      proof: UNSIGNED,
      use: 'not used: a fresh id on a captured payload must not make a new event',
    },
    {
      field: `\`${ENVELOPE_FIELDS.createdAt}\``,
      proof: UNSIGNED,
      use: 'not used: ordering comes from the signed times',
    },
    {
      field: `\`${ENVELOPE_FIELDS.object}\`, \`${ENVELOPE_FIELDS.objectId}\``,
      proof: UNSIGNED,
      use: 'not used: subjects come from signed ids',
    },
  ],
  // Built from the tables above, so each fact stays in one place; the README's mapping table is
  // generated from these rows.
  testing: {
    personal: {
      // `name` is a document's file name, which often names its owner.
      fields: [
        'firstname',
        'lastname',
        'middleNames',
        'email',
        'birthday',
        'placeOfBirth',
        'birthplace',
        'address1',
        'address2',
        'address3',
        'postcode',
        'city',
        'phone',
        'mobile',
        'taxNumber',
        'legalName',
        'userFirstname',
        'userLastname',
        'name',
        'fileName',
        'issuingPlace',
      ],
      freeTextFields: ['kycReviewComment', 'comment'],
      knownValues: [
        'Alex',
        'Oak',
        'a.oak@example.com',
        'Élodie',
        '12 Willow Lane',
        'Caen',
        '1983-08-12',
        'Marie',
        'Perin',
        'STADT KÖLN',
      ],
    },
    rotation: {
      secret: (webhookSecrets) => ({ webhookSecrets }),
      credential: (name) => `treezor-webhook-secret-${name}`,
      fixture: 'user.kycreview',
    },
    soak: {
      fixtures: ['user.create', 'user.kycrequest', 'user.kycreview', 'user.cancel'],
      hasEventTime: true,
      // A user's signed time, `modifiedDate`, is Paris wall-clock time to the second.
      eventTimeResolutionMs: 1000,
      // Treezor's user ids are numbers.
      subjectIdShape: 'numeric',
      // The dedup id is the digest of the signed payload, which holds the subject and the time.
      bodyHashIds: true,
      render(body, facts) {
        // The wrapped form: its ids and the inner envelope's agree, as Treezor's do. They are
        // unsigned labels; the pipeline decides from the payload alone.
        body[WRAPPER_FIELDS.webhookId] = facts.eventId;
        body[WRAPPER_FIELDS.messageId] = facts.eventId.split('').reverse().join('');
        const envelope = objectMember(body, WRAPPER_FIELDS.envelope);
        envelope[ENVELOPE_FIELDS.eventId] = facts.eventId;
        envelope[ENVELOPE_FIELDS.objectId] = facts.subjectId;
        envelope[ENVELOPE_FIELDS.createdAt] = facts.occurredAtMs * 10;
        const [user] = objectsIn(
          objectMember(envelope, ENVELOPE_FIELDS.payload)[PAYLOAD_FIELDS.users],
        );
        if (!user) throw new TypeError('treezor: the soak fixture has no user');
        const writable = user as Record<string, unknown>;
        writable[PAYLOAD_FIELDS.userId] = facts.subjectId;
        writable[PAYLOAD_FIELDS.modifiedDate] = zonedLocalTime(
          facts.occurredAtMs,
          TREEZOR_LOCAL_TIME_ZONE,
        );
      },
      forgerySecret: { webhookSecrets: ['not-the-treezor-secret'] },
    },
  },
  statusMapping: [
    ...Object.entries(KYC_REVIEWS).map(([code, { word, status }]) => ({
      field: PAYLOAD_FIELDS.kycReview,
      value: code,
      status,
      note: `${word}; users, and KYC reviews without a \`${PAYLOAD_FIELDS.kycStatus}\``,
    })),
    {
      field: PAYLOAD_FIELDS.kycLevel,
      value: REFUSED_KYC_LEVEL,
      status: 'rejected',
      note: `${KYC_LEVELS[REFUSED_KYC_LEVEL] ?? REFUSED_KYC_LEVEL}, whatever \`${PAYLOAD_FIELDS.kycReview}\` says`,
    },
    ...mappingRows(PAYLOAD_FIELDS.userStatus, USER_STATUSES, 'users, whatever the KYC codes say'),
    ...mappingRows(PAYLOAD_FIELDS.kycStatus, KYC_STATUSES, 'KYC reviews (`kycreview.*`)'),
    ...mappingRows(PAYLOAD_FIELDS.documentStatus, DOCUMENT_STATUSES, 'documents (step)'),
    ...mappingRows(PAYLOAD_FIELDS.livenessStatus, LIVENESS_STATUSES, 'live verification (step)'),
    ...mappingRows(
      PAYLOAD_FIELDS.livenessScore,
      LIVENESS_SCORES,
      `live verification (step) with \`${PAYLOAD_FIELDS.livenessStatus}=${LIVENESS_PROCESSED}\`; \`${PAYLOAD_FIELDS.livenessRefusal}\` beside a score of 1 means \`rejected\``,
    ),
    ...mappingRows(
      PAYLOAD_FIELDS.result,
      IDENTIFICATION_RESULTS,
      'QES and video identification (step)',
    ),
  ],

  secretKeys: [WEBHOOK_SECRETS_KEY],
  parseCredentials(secret, base) {
    return { ...base, webhookSecrets: readStringList(secret, WEBHOOK_SECRETS_KEY, VENDOR_ID) };
  },

  verify(request: WebhookRequest, credentials: TreezorCredentials): Verification {
    const json = parseJson(request.body);
    if (json === undefined) return reject('malformed_body');
    const { envelope, payloadPath } = unwrap(json);
    const check = checkSignature(request.body, envelope, payloadPath, credentials.webhookSecrets);
    // The dedup id is the digest of exactly the signed bytes: a captured delivery sent again
    // with a fresh `webhook_id`, time, name or whitespace outside the payload is a duplicate.
    if (check.result === 'valid') return accept(bodyHash(check.message), check.matched);
    const unsigned = findMember(request.body, payloadPath)?.value;
    const dedupId = bodyHash(unsigned ? slice(request.body, unsigned) : request.body);
    return (
      applyCredentialPolicy(check.result, credentials, SIGNATURE_REJECTIONS) ?? accept(dedupId)
    );
  },

  // Everything that decides comes from `object_payload`, the only signed part: the reader is
  // chosen by the payload's shape, the subject by its ids, the order by its times. The envelope
  // only labels the event, and only when it agrees with the payload.
  normalize(delivery: Delivery): NormalizedDraft[] {
    const { envelope } = unwrap(delivery.json);
    const payload = field(envelope, ENVELOPE_FIELDS.payload);
    const family = familyOfPayload(payload);
    const eventName = text(field(envelope, ENVELOPE_FIELDS.event));
    const labelled = eventName !== undefined && familyOfName(eventName) === family;
    const vendorEventType = labelled ? eventName : 'unknown';
    const drafts =
      family === undefined || !isObject(payload)
        ? []
        : FAMILY_READERS[family](vendorEventType, payload);
    return drafts.length > 0 ? drafts : [otherEvent(vendorEventType)];
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

const SIGNATURE_REJECTIONS = { absent: 'missing_signature', invalid: 'invalid_signature' } as const;

type SignatureCheck =
  | { readonly result: 'valid'; readonly matched: TreezorMatch; readonly message: string }
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
    return { result: 'valid', matched: 'raw-span', message: raw };
  }
  const encoded = phpEncoding(field(envelope, ENVELOPE_FIELDS.payload));
  if (
    encoded !== undefined &&
    encoded !== raw &&
    matchesAny(signature, signaturesOf(encoded, secrets))
  ) {
    return { result: 'valid', matched: 're-encoded', message: encoded };
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

type FamilyReader = (vendorEventType: string, payload: JsonObject) => NormalizedDraft[];

const FAMILY_READERS: Readonly<Record<TreezorEventFamily, FamilyReader>> = {
  user: readUsers,
  kycReview: readKycReview,
  document: readDocuments,
  liveness: readLiveness,
  identification: readIdentification,
};

/** The family the signed payload's shape tells, whatever the envelope's name claims. */
function familyOfPayload(payload: unknown): TreezorEventFamily | undefined {
  if (!isObject(payload)) return undefined;
  if (Array.isArray(payload[PAYLOAD_FIELDS.users])) return 'user';
  if (Array.isArray(payload[PAYLOAD_FIELDS.documents])) return 'document';
  if (Object.hasOwn(payload, PAYLOAD_FIELDS.livenessStatus)) return 'liveness';
  if (Object.hasOwn(payload, PAYLOAD_FIELDS.result)) return 'identification';
  if (Object.hasOwn(payload, PAYLOAD_FIELDS.kycStatus)) return 'kycReview';
  if (Object.hasOwn(payload, PAYLOAD_FIELDS.kycReview)) return 'kycReview';
  return undefined;
}

function familyOfName(eventName: string): TreezorEventFamily | undefined {
  const prefix = Object.keys(EVENT_FAMILY_PREFIXES).find((p) => eventName.startsWith(p));
  return prefix === undefined ? undefined : EVENT_FAMILY_PREFIXES[prefix];
}

/**
 * Users: one draft per entry of `users` (inferred: the examples hold one; it is a list). A
 * cancelled user says so in its signed `userStatus`; ordered by its signed `modifiedDate`.
 */
function readUsers(vendorEventType: string, payload: JsonObject): NormalizedDraft[] {
  return objectsIn(payload[PAYLOAD_FIELDS.users]).map((user) => {
    const codes = kycCodes(user);
    const userStatus = text(user[PAYLOAD_FIELDS.userStatus]);
    const override = ownValue(USER_STATUSES, userStatus);
    const id = text(user[PAYLOAD_FIELDS.userId]);
    const externalRef = text(user[PAYLOAD_FIELDS.userTag]);
    return draft(vendorEventType, {
      detailType: 'KYC Verification Updated',
      scope: 'verification',
      status: override ?? codes.status,
      vendorStatus:
        override === undefined ? codes.words : words([PAYLOAD_FIELDS.userStatus, userStatus]),
      subject:
        id === undefined
          ? undefined
          : { kind: 'user', id, ...optional('externalRef', externalRef) },
      occurredAt: localTimeOf(user),
    });
  });
}

/**
 * KYC reviews (new KYC life cycle): the `kycStatus` word decides, else the codes; ordered by the
 * later of the signed review and request times.
 */
function readKycReview(vendorEventType: string, payload: JsonObject): NormalizedDraft[] {
  const codes = kycCodes(payload);
  const word = text(payload[PAYLOAD_FIELDS.kycStatus]);
  const id = text(payload[PAYLOAD_FIELDS.userId]);
  const times = [PAYLOAD_FIELDS.lastReviewDatetime, PAYLOAD_FIELDS.lastRequestDatetime]
    .map((name) => isoTimeOf(payload[name]))
    .filter((time) => time !== undefined)
    .sort();
  return [
    draft(vendorEventType, {
      detailType: 'KYC Verification Updated',
      scope: 'verification',
      status: ownValue(KYC_STATUSES, word) ?? codes.status,
      vendorStatus: word === undefined ? codes.words : `${PAYLOAD_FIELDS.kycStatus}=${word}`,
      subject: id === undefined ? undefined : { kind: 'user', id },
      occurredAt: times.at(-1),
    }),
  ];
}

/** Documents: one draft per entry of `documents`, each a step of its user. */
function readDocuments(vendorEventType: string, payload: JsonObject): NormalizedDraft[] {
  return objectsIn(payload[PAYLOAD_FIELDS.documents]).map((document) => {
    const word = text(document[PAYLOAD_FIELDS.documentStatus]);
    const id = text(document[PAYLOAD_FIELDS.documentId]);
    const parent = userRef(document[PAYLOAD_FIELDS.userId]);
    return draft(vendorEventType, {
      detailType: 'KYC Document Updated',
      scope: 'step',
      status: ownValue(DOCUMENT_STATUSES, word) ?? 'unknown',
      vendorStatus: words([PAYLOAD_FIELDS.documentStatus, word]),
      subject:
        id === undefined ? undefined : { kind: 'document', id, ...optional('parent', parent) },
      occurredAt: localTimeOf(document),
    });
  });
}

/**
 * Live verification. Its payload names no identification id of its own (the envelope's
 * `object_id` does, unsigned), so the subject is the user's live verification: kind
 * `liveness`, id the signed `user_id`, ordered by the signed `updated-at`. A user's attempts
 * therefore share one subject, whose state is that of the latest attempt.
 */
function readLiveness(vendorEventType: string, payload: JsonObject): NormalizedDraft[] {
  const word = text(payload[PAYLOAD_FIELDS.livenessStatus]);
  const score = text(payload[PAYLOAD_FIELDS.livenessScore]);
  const scored = ownValue(LIVENESS_SCORES, score);
  // Inferred: `refusal-details` beside a valid score means refused.
  const refused = payload[PAYLOAD_FIELDS.livenessRefusal] != null && scored === 'approved';
  const processed = refused ? 'rejected' : scored;
  const status = word === LIVENESS_PROCESSED ? processed : ownValue(LIVENESS_STATUSES, word);
  const userId = text(payload[PAYLOAD_FIELDS.livenessUserId]);
  return [
    draft(vendorEventType, {
      detailType: 'KYC Verification Updated',
      scope: 'step',
      status: status ?? 'unknown',
      vendorStatus: words(
        [PAYLOAD_FIELDS.livenessStatus, word],
        [PAYLOAD_FIELDS.livenessScore, score],
      ),
      subject:
        userId === undefined
          ? undefined
          : { kind: 'liveness', id: userId, parent: { kind: 'user', id: userId } },
      occurredAt:
        isoTimeOf(payload[PAYLOAD_FIELDS.livenessUpdatedAt]) ??
        isoTimeOf(payload[PAYLOAD_FIELDS.livenessStartedAt]),
    }),
  ];
}

/**
 * QES and video identification: the `result` word, for the identification named by the signed
 * `transactionNumber` (the examples show it equal to the unsigned `object_id`), ordered by the
 * signed `identificationTime` (empty while the identification has only started).
 */
function readIdentification(vendorEventType: string, payload: JsonObject): NormalizedDraft[] {
  const word = text(payload[PAYLOAD_FIELDS.result]);
  const id = text(payload[PAYLOAD_FIELDS.transactionNumber]);
  const parent = userRef(payload[PAYLOAD_FIELDS.userId]);
  return [
    draft(vendorEventType, {
      detailType: 'KYC Verification Updated',
      scope: 'step',
      status: ownValue(IDENTIFICATION_RESULTS, word) ?? 'unknown',
      vendorStatus: words([PAYLOAD_FIELDS.result, word]),
      subject:
        id === undefined
          ? undefined
          : { kind: 'identification', id, ...optional('parent', parent) },
      occurredAt: isoTimeOf(payload[PAYLOAD_FIELDS.identificationTime]),
    }),
  ];
}

/**
 * Anything else: stored and published as a generic event, never dropped. It is its own subject:
 * the envelope's `object` and `object_id` are unsigned, so they may not name one.
 */
function otherEvent(vendorEventType: string): NormalizedDraft {
  return draft(vendorEventType, {
    detailType: 'KYC Vendor Event',
    scope: 'other',
    status: 'unknown',
    vendorStatus: undefined,
    subject: undefined,
    occurredAt: undefined,
  });
}

/** Status and words from `kycReview` and `kycLevel`; a refused level overrides the review. */
function kycCodes(source: JsonObject): { status: Status; words: string | undefined } {
  const review = text(source[PAYLOAD_FIELDS.kycReview]);
  const level = text(source[PAYLOAD_FIELDS.kycLevel]);
  const reviewRow = ownValue(KYC_REVIEWS, review);
  return {
    status: level === REFUSED_KYC_LEVEL ? 'rejected' : (reviewRow?.status ?? 'unknown'),
    words: words(
      [PAYLOAD_FIELDS.kycReview, reviewRow?.word ?? review],
      [PAYLOAD_FIELDS.kycLevel, ownValue(KYC_LEVELS, level) ?? level],
    ),
  };
}

/** `modifiedDate`, else `createdDate` (Paris wall-clock time), skipping `0000-00-00` placeholders. */
function localTimeOf(resource: JsonObject): string | undefined {
  for (const name of [PAYLOAD_FIELDS.modifiedDate, PAYLOAD_FIELDS.createdDate]) {
    const value = text(resource[name]);
    if (value === undefined || ZERO_DATE.test(value)) continue;
    const instant = instantFromZonedLocal(value, TREEZOR_LOCAL_TIME_ZONE);
    if (instant !== undefined) return instant;
  }
  return undefined;
}

function isoTimeOf(value: unknown): string | undefined {
  const raw = text(value);
  return raw === undefined ? undefined : instantFromIso(raw);
}

function userRef(userId: unknown): SubjectRef['parent'] {
  const id = text(userId);
  return id === undefined ? undefined : { kind: 'user', id };
}

interface DraftParts {
  readonly detailType: DetailType;
  readonly scope: Scope;
  readonly status: Status;
  readonly vendorStatus: string | undefined;
  readonly subject: SubjectRef | undefined;
  /** A signed time, or none: the processor then orders the event by its receive time. */
  readonly occurredAt: string | undefined;
}

function draft(vendorEventType: string, parts: DraftParts): NormalizedDraft {
  return {
    detailType: parts.detailType,
    vendorEventType,
    ...optional('subject', parts.subject),
    status: parts.status,
    scope: parts.scope,
    vendorStatus: parts.vendorStatus ?? null,
    ...optional('occurredAt', parts.occurredAt),
  };
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
