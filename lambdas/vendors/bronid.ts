import { keccak_256, sha3_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { readStringList } from '../core/credentials.js';
import { ConfigurationError } from '../core/errors.js';
import type { NormalizedDraft, Status } from '../core/event.js';
import { bodyHash } from '../core/hash.js';
import { field, isObject, ownValue, parseJson, text } from '../core/json.js';
import type { JsonObject } from '../core/json.js';
import { findValueSpan, withoutMember } from '../core/json-span.js';
import { wireNames } from '../core/names.js';
import { matchesAny } from '../core/secure-compare.js';
import { instantFromEpochMillis } from '../core/time.js';
import { mappingRows, readSubject, type SubjectFields } from '../core/vendor-reading.js';
import { accept, applyCredentialPolicy, defineVendor, reject } from '../core/vendor.js';
import type { VendorApi } from '../core/vendor-api.js';
import type {
  BaseCredentials,
  CredentialCheck,
  Delivery,
  StatusMappingRow,
  Verification,
  WebhookRequest,
} from '../core/vendor.js';

// ---------------------------------------------------------------------------------------------
// Vendor facts, all bronID-specific knowledge (see VENDORS.md). Confirmed by bronID's webhook
// documentation unless a comment says "Inferred".
// ---------------------------------------------------------------------------------------------

export const BRONID_VENDOR_ID = 'bronid';
export const BRONID_ROUTE = '/webhooks/bronid';

/** The secret key listing every signing key currently accepted (the first one signs). */
export const BRONID_CREDENTIAL_KEYS = 'signingKeys';

/**
 * Body fields. `trace` and `submissionId` replace the deprecated `verificationUuid` in bronID's
 * newer documentation; all three are read.
 */
export const BRONID_FIELDS = {
  ...wireNames(
    'verificationStatus',
    'submissionStatus',
    'trace',
    'submissionId',
    'verificationUuid',
    'userId',
    'timestamp',
    'idvRiskScore',
    'signature',
  ),
  riskDescription: 'description',
} as const;

/**
 * Every bronID webhook reports on one verification, and `userId` is the caller's reference.
 * Which id names the verification, first present wins. Confirmed (current docs): `submissionId`
 * is the verification grouping and `trace` one attempt within it, so an individual's later
 * approval lands on the same subject as the rejection of an earlier attempt; `trace` and then the
 * deprecated `verificationUuid` name it only when no grouping is sent.
 */
export const BRONID_SUBJECT = {
  kind: 'verification',
  idFields: [BRONID_FIELDS.submissionId, BRONID_FIELDS.trace, BRONID_FIELDS.verificationUuid],
  externalRefField: BRONID_FIELDS.userId,
} as const satisfies SubjectFields;

/** The `signature` object's version member, and the only version documented. */
export const BRONID_SIGNATURE_VERSION = {
  member: 'version',
  /** Another version may mean another scheme, so it is refused. */
  supported: '1',
} as const;

/**
 * The two digests, in the order a match is reported when both match: the member of the
 * `signature` object each is in, and the prefix its hex carries on the wire.
 */
export const BRONID_DIGESTS = {
  /** Named `sha256`, but the digest is SHA3-256 (bronID says so: it is not SHA-256). */
  'sha3-256': { member: 'sha256', prefix: 'bronid_sec_sha256_', hash: sha3_256 },
  /** Keccak-256 with the original Keccak padding (as Ethereum uses), not FIPS SHA3. */
  'keccak-256': { member: 'keccak256', prefix: 'bronid_sec_keccak256_', hash: keccak_256 },
} as const;
export type BronidDigest = keyof typeof BRONID_DIGESTS;
const DIGEST_NAMES = Object.keys(BRONID_DIGESTS) as readonly BronidDigest[];

/**
 * The messages a signature may have been computed over: "the payload without its signature,
 * with the signing key appended". Inferred: bronID does not publish how it serializes the
 * payload, so each candidate below is tried and the one that matched is reported (and logged by
 * ingest), so the set can be pinned once real deliveries are seen. To change the set, edit this
 * list and `CANDIDATE_MESSAGES`; the first listed is the one `sign` produces.
 *
 * - `compact-json`: `JSON.stringify` of the parsed body minus `signature` (key order as received),
 *   which is what a JavaScript sender that signs its object before adding the signature writes.
 * - `raw-without-signature`: the received text with the `"signature": {…}` member cut out,
 *   which survives what parsing loses (`1.0`, whitespace, integer-like key order).
 */
export const BRONID_SIGNATURE_CANDIDATES = ['compact-json', 'raw-without-signature'] as const;
export type BronidCandidate = (typeof BRONID_SIGNATURE_CANDIDATES)[number];

/** Reported through `accept(…, matched)`, e.g. `compact-json:sha3-256`. */
export type BronidMatch = `${BronidCandidate}:${BronidDigest}`;

/**
 * `timestamp` units, told apart by magnitude: the examples show seconds, except the `info`
 * example in milliseconds. Inferred: the threshold. Milliseconds read correctly from 1973 on,
 * seconds until the year 5138, so every plausible delivery time is unambiguous.
 */
export const BRONID_TIMESTAMP_MILLIS_FROM = 1e11;

/** bronID webhooks all report a verification's state, including newer risk-score changes. */
export const BRONID_DETAIL_TYPE = 'KYC Verification Updated';

/**
 * `vendorEventType`: bronID sends no event name (its documentation names each example after its
 * status), so the event type is `verification.<verificationStatus>`, lower-cased; without one,
 * `submission.<submissionStatus>`; without either, `verification.unknown`.
 */
export const BRONID_EVENT_TYPE_PREFIXES = {
  verificationStatus: 'verification.',
  submissionStatus: 'submission.',
} as const;
export const BRONID_UNKNOWN_EVENT_TYPE = 'verification.unknown';

/** A status word's normalized status, and what bronID (or our reading) says it means. */
export interface BronidStatusWord {
  readonly status: Status;
  readonly note: string;
}

/** Confirmed `verificationStatus` words and meanings; the statuses are our reading. */
export const BRONID_VERIFICATION_STATUSES: Readonly<Record<string, BronidStatusWord>> = {
  pending: { status: 'in_review', note: 'pending processing by bronID' },
  verified: { status: 'approved', note: 'verification successful' },
  rejected: { status: 'rejected', note: 'verification not successful' },
  info: { status: 'needs_info', note: 'more information required (legal entities)' },
  locked: { status: 'locked', note: 'too many unsuccessful attempts' },
};

/**
 * Confirmed `submissionStatus` words ("whether the data has been received by bronID"). Inferred:
 * that this helper status decides only when `verificationStatus` is absent, and the readings of
 * `submitted` (data received, bronID is working on it) and `incomplete` (data still missing).
 */
export const BRONID_SUBMISSION_STATUSES: Readonly<Record<string, BronidStatusWord>> = {
  submitted: { status: 'in_review', note: 'data received; only without verificationStatus' },
  incomplete: { status: 'in_progress', note: 'data missing; only without verificationStatus' },
  locked: { status: 'locked', note: 'locked; only without verificationStatus' },
};

/**
 * Every mapped word, in README order. Words match case-insensitively; `verificationStatus`
 * decides whenever present (an unknown word gives `unknown`), else `submissionStatus`.
 */
export const BRONID_STATUS_MAPPING: readonly StatusMappingRow[] = [
  ...mappingRows(BRONID_FIELDS.verificationStatus, BRONID_VERIFICATION_STATUSES),
  ...mappingRows(BRONID_FIELDS.submissionStatus, BRONID_SUBMISSION_STATUSES),
];

// ---------------------------------------------------------------------------------------------
// bronID's API: `getVerificationStatus` returns the latest webhook's content, so it confirms (or
// not) what a webhook claimed; its signature serialization is unconfirmed, the API's TLS is not.
// ---------------------------------------------------------------------------------------------

/**
 * Confirmed: the documented endpoint is on bronID's test environment. The production host is not
 * in the public docs, so it is not declared: add it here once bronID gives it.
 */
export const BRONID_API_BASE_URLS = { dev: 'https://dev.bronid.com' } as const;

/** Confirmed: `POST /getVerificationStatus` with a JSON body, looked up by `trace` or `userId`. */
export const BRONID_API_PATH = '/getVerificationStatus';

/** Confirmed: the API version every documented call sends, and the body member it goes in. */
export const BRONID_API_VERSION = { member: 'metadata_version', value: '4' } as const;

/**
 * Confirmed: the API authenticates with body members, not headers. Each of the secret's `api`
 * members (bronID's service uid and API secret key) and the body member it is sent in.
 */
export const BRONID_API_CREDENTIAL_MEMBERS = {
  serviceUid: 'metadata_serviceUid',
  secretKey: 'metadata_secretKey',
} as const;

/**
 * The body member the API is asked by. Inferred: a subject is named by its `submissionId` when the
 * webhook has one; the API is asked by `trace` with that id, which is the same value in bronID's
 * sample (an entity's single attempt). For an individual with several attempts the API may not
 * find it by the grouping id.
 */
export const BRONID_API_LOOKUP = BRONID_FIELDS.trace;

/**
 * Inferred window: bronID's retries are undocumented, and a pending verification may wait for a
 * reviewer; two days without news is worth asking about.
 */
export const BRONID_RECONCILE_AFTER_MINUTES = { in_review: 48 * 60 } as const;

/** Every `vendorEventType` a status webhook gets: each is checked against the API. */
const BRONID_STATUS_EVENT_TYPES = [
  ...Object.keys(BRONID_VERIFICATION_STATUSES).map(
    (word) => BRONID_EVENT_TYPE_PREFIXES.verificationStatus + word,
  ),
  ...Object.keys(BRONID_SUBMISSION_STATUSES).map(
    (word) => BRONID_EVENT_TYPE_PREFIXES.submissionStatus + word,
  ),
];

const BRONID_API: VendorApi = {
  fetches: `getVerificationStatus (\`POST ${BRONID_API_PATH}\`, by \`${BRONID_API_LOOKUP}\`)`,
  baseUrls: BRONID_API_BASE_URLS,
  credentialKeys: Object.keys(BRONID_API_CREDENTIAL_MEMBERS),
  enrichAfter: BRONID_STATUS_EVENT_TYPES,
  resultEventType: 'Verification Status',
  reconcileAfterMinutes: BRONID_RECONCILE_AFTER_MINUTES,
  subjectKinds: [BRONID_SUBJECT.kind],
  request(subject, credentials) {
    return {
      method: 'POST',
      path: BRONID_API_PATH,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        [BRONID_API_VERSION.member]: BRONID_API_VERSION.value,
        ...Object.fromEntries(
          Object.entries(BRONID_API_CREDENTIAL_MEMBERS).map(([key, member]) => [
            member,
            credentials.values[key],
          ]),
        ),
        [BRONID_API_LOOKUP]: subject.id,
      }),
    };
  },
  read(answer) {
    if (!isObject(answer)) return undefined;
    const draft = normalizeBronid(answer);
    if (draft.status === 'unknown' && draft.vendorStatus === null) return undefined;
    const decisions = [BRONID_FIELDS.verificationStatus, BRONID_FIELDS.submissionStatus].flatMap(
      (name) => {
        const word = text(field(answer, name));
        return word === undefined ? [] : [{ by: name, word }];
      },
    );
    return {
      status: draft.status,
      vendorStatus: draft.vendorStatus,
      detailType: draft.detailType,
      ...(draft.occurredAt !== undefined && { occurredAt: draft.occurredAt }),
      findings: { decisions, failedRules: [], amlFlags: [] },
    };
  },
};

// ---------------------------------------------------------------------------------------------

export interface BronidCredentials extends BaseCredentials {
  /** Every key currently accepted; the first one signs (rotation: add, switch, remove). */
  readonly signingKeys: readonly string[];
}

export const bronid = defineVendor<BronidCredentials>({
  id: BRONID_VENDOR_ID,
  displayName: 'bronID',
  routes: [BRONID_ROUTE],
  // Confirmed: bronID expects `200 OK`, the default answer.
  api: BRONID_API,
  answers: {
    senderRetries: 'Expects `200 OK`; its retry behaviour is not documented.',
  },
  proof: { kind: 'body-signature', signatureMembers: [[BRONID_FIELDS.signature]] },
  trust: [
    {
      field: 'every member but `signature`',
      proof: 'signature',
      use: 'status, subject (`submissionId`, else `trace`, else `verificationUuid`), ordering time (`timestamp`), and the dedup id (the SHA-256 of the signed content)',
    },
    {
      field: '`signature`',
      proof: 'signature',
      use: 'the proof: checked by ingest, removed from published payloads',
    },
    {
      field: 'whitespace, member order',
      proof: 'none',
      use: 'not used: the signature covers content, so re-indenting a delivery does not make a new event',
    },
  ],
  testing: {
    // `name` is a person in `stakeholders` (and the entity's name).
    personal: {
      fields: ['name', 'firstName', 'lastName', 'middleName'],
      freeTextFields: [],
      knownValues: ['Jane Citizen', 'Jane', 'Citizen'],
    },
    rotation: {
      secret: (signingKeys) => ({ [BRONID_CREDENTIAL_KEYS]: signingKeys }),
      credential: (name) => `bronid-signing-key-${name}`,
      fixture: 'verified',
    },
    soak: {
      fixtures: ['pending', 'info', 'verified', 'rejected', 'locked'],
      hasEventTime: true,
      bodyHashIds: true,
      render(body, facts) {
        // The first of these present names the verification; keep one so the subject is ours.
        delete body[BRONID_FIELDS.trace];
        delete body[BRONID_FIELDS.submissionId];
        body[BRONID_FIELDS.verificationUuid] = facts.subjectId;
        // Milliseconds (13 digits), so events of one subject can be apart by less than a second.
        body[BRONID_FIELDS.timestamp] = facts.occurredAtMs;
      },
      forgerySecret: { [BRONID_CREDENTIAL_KEYS]: ['not-the-bronid-key'] },
    },
  },
  statusMapping: BRONID_STATUS_MAPPING,

  secretKeys: [BRONID_CREDENTIAL_KEYS],
  parseCredentials(secret, base) {
    return {
      ...base,
      signingKeys: readStringList(secret, BRONID_CREDENTIAL_KEYS, BRONID_VENDOR_ID),
    };
  },

  verify(request: WebhookRequest, credentials: BronidCredentials): Verification {
    const json = parseJson(request.body);
    if (!isObject(json)) return reject('malformed_body');
    // Confirmed: bronID sends no event id, and its signature covers the content, not the
    // bytes. The dedup id is the digest of that content (the body without `signature`, compact,
    // members in the order received), so a captured delivery re-sent re-indented or with another
    // `signature` member is a duplicate. A re-sent status carries a new signed `timestamp`, so it
    // is a new event whose status did not change (ordering handles it).
    const dedupId = bodyHash(compactWithoutSignature(json));
    const check = checkSignature(request.body, json, credentials.signingKeys);
    if (check.result === 'valid') return accept(dedupId, check.matched);
    return (
      applyCredentialPolicy(check.result, credentials, SIGNATURE_REJECTIONS) ?? accept(dedupId)
    );
  },

  normalize(delivery: Delivery): NormalizedDraft[] {
    return [normalizeBronid(delivery.json)];
  },

  sign(body, _route, credentials) {
    const key = credentials.signingKeys[0];
    if (key === undefined) {
      throw new ConfigurationError('bronid secret: "signingKeys" lists no key to sign with');
    }
    const json = parseJson(body);
    if (!isObject(json)) throw new TypeError('A bronID body to sign must be a JSON object');
    const message = compactWithoutSignature(json) + key;
    const signature = JSON.stringify({
      [BRONID_SIGNATURE_VERSION.member]: BRONID_SIGNATURE_VERSION.supported,
      ...Object.fromEntries(
        DIGEST_NAMES.map((digest) => {
          const { member, prefix } = BRONID_DIGESTS[digest];
          return [member, prefix + hexDigest(digest, message)];
        }),
      ),
    });
    return { body: withSignature(body, signature), headers: {} };
  },
});

/* ---------------------------------------------------------------- verification helpers */

const SIGNATURE_REJECTIONS = { absent: 'missing_signature', invalid: 'invalid_signature' } as const;

type SignatureCheck =
  | { readonly result: 'valid'; readonly matched: BronidMatch }
  | { readonly result: Exclude<CredentialCheck, 'valid'> };

const CANDIDATE_MESSAGES: Readonly<
  Record<BronidCandidate, (body: string, json: JsonObject) => string | undefined>
> = {
  'compact-json': (_body, json) => compactWithoutSignature(json),
  'raw-without-signature': (body) => withoutMember(body, [BRONID_FIELDS.signature]),
};

/**
 * Checks the in-body `signature` against every key, every candidate message and both digests.
 * Each presented digest is compared in constant time against every expected value, and every
 * comparison runs even after a match. A `null` signature counts as absent; a signature that is
 * not an object, has an unknown version, or carries no well-formed digest is invalid.
 */
function checkSignature(body: string, json: JsonObject, keys: readonly string[]): SignatureCheck {
  if (keys.length === 0) return { result: 'unconfigured' };
  const signature = json[BRONID_FIELDS.signature];
  if (signature === undefined || signature === null) return { result: 'absent' };
  if (!isObject(signature)) return { result: 'invalid' };
  const version = signature[BRONID_SIGNATURE_VERSION.member];
  // Inferred: a signature without `version` is read as version 1 (the digests still decide).
  if (version !== undefined && text(version) !== BRONID_SIGNATURE_VERSION.supported) {
    return { result: 'invalid' };
  }
  const presented = DIGEST_NAMES.flatMap((digest) => {
    const hex = presentedDigest(signature, digest);
    return hex === undefined ? [] : [{ digest, hex }];
  });
  if (presented.length === 0) return { result: 'invalid' };

  const seen = new Set<string>();
  let matched: BronidMatch | undefined;
  for (const candidate of BRONID_SIGNATURE_CANDIDATES) {
    const message = CANDIDATE_MESSAGES[candidate](body, json);
    // A candidate identical to an earlier one is reported under the earlier name.
    if (message === undefined || seen.has(message)) continue;
    seen.add(message);
    for (const { digest, hex } of presented) {
      const expected = keys.map((key) => hexDigest(digest, message + key));
      if (matchesAny(hex, expected) && matched === undefined) matched = `${candidate}:${digest}`;
    }
  }
  return matched === undefined ? { result: 'invalid' } : { result: 'valid', matched };
}

/** The lower-case hex after the digest's prefix, or `undefined` when the field is malformed. */
function presentedDigest(signature: JsonObject, digest: BronidDigest): string | undefined {
  const { member, prefix } = BRONID_DIGESTS[digest];
  const value = signature[member];
  if (typeof value !== 'string' || !value.startsWith(prefix)) return undefined;
  const hex = value.slice(prefix.length);
  return /^[0-9a-fA-F]{64}$/.test(hex) ? hex.toLowerCase() : undefined;
}

function hexDigest(digest: BronidDigest, message: string): string {
  return bytesToHex(BRONID_DIGESTS[digest].hash(utf8ToBytes(message)));
}

/** Candidate 1: the parsed body without `signature`, compact, keys in the order received. */
function compactWithoutSignature(json: JsonObject): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(json).filter(([key]) => key !== BRONID_FIELDS.signature)),
  );
}

/**
 * `body` (a JSON object) with its `signature` value replaced, or the member appended right after
 * the last value, so that cutting it out again gives back `body` exactly.
 */
function withSignature(body: string, signature: string): string {
  const existing = findValueSpan(body, [BRONID_FIELDS.signature]);
  if (existing) return body.slice(0, existing.start) + signature + body.slice(existing.end);
  const head = body.slice(0, body.lastIndexOf('}')).trimEnd();
  const separator = head.endsWith('{') ? '' : ',';
  const member = `${separator}${JSON.stringify(BRONID_FIELDS.signature)}:${signature}`;
  return head + member + body.slice(head.length);
}

/* ---------------------------------------------------------------- normalization helpers */

/** One draft for any input: an unrecognised shape is still published, with status `unknown`. */
function normalizeBronid(json: unknown): NormalizedDraft {
  const verificationWord = text(field(json, BRONID_FIELDS.verificationStatus));
  const submissionWord = text(field(json, BRONID_FIELDS.submissionStatus));
  const riskWord = text(
    field(field(json, BRONID_FIELDS.idvRiskScore), BRONID_FIELDS.riskDescription),
  );
  const status =
    verificationWord !== undefined
      ? statusOf(BRONID_VERIFICATION_STATUSES, verificationWord)
      : submissionWord !== undefined
        ? statusOf(BRONID_SUBMISSION_STATUSES, submissionWord)
        : 'unknown';
  const subject = readSubject(json, BRONID_SUBJECT);
  const occurredAt = occurredAtOf(field(json, BRONID_FIELDS.timestamp));
  return {
    detailType: BRONID_DETAIL_TYPE,
    vendorEventType: eventTypeOf(verificationWord, submissionWord),
    ...(subject && { subject }),
    status,
    // Every bronID webhook reports on the verification of an individual or an entity.
    scope: 'verification',
    // The risk score is kept beside the status words: a risk-score change arrives as a webhook
    // whose status did not change, and this is where it shows.
    vendorStatus: words(
      [BRONID_FIELDS.verificationStatus, verificationWord],
      [BRONID_FIELDS.submissionStatus, submissionWord],
      [BRONID_FIELDS.idvRiskScore, riskWord],
    ),
    ...(occurredAt !== undefined && { occurredAt }),
  };
}

/** The lower-cased word's status; a word not in the table is `unknown`. */
function statusOf(table: Readonly<Record<string, BronidStatusWord>>, word: string): Status {
  return ownValue(table, word.toLowerCase())?.status ?? 'unknown';
}

function eventTypeOf(verificationWord?: string, submissionWord?: string): string {
  if (verificationWord !== undefined) {
    return BRONID_EVENT_TYPE_PREFIXES.verificationStatus + verificationWord.toLowerCase();
  }
  if (submissionWord !== undefined) {
    return BRONID_EVENT_TYPE_PREFIXES.submissionStatus + submissionWord.toLowerCase();
  }
  return BRONID_UNKNOWN_EVENT_TYPE;
}

/** `verificationStatus=verified submissionStatus=submitted`, skipping absent words; else null. */
function words(...pairs: ReadonlyArray<readonly [string, string | undefined]>): string | null {
  const present = pairs.flatMap(([name, value]) =>
    value === undefined ? [] : [`${name}=${value}`],
  );
  return present.length > 0 ? present.join(' ') : null;
}

/**
 * `timestamp` → canonical instant: a positive number (or a string of one) in seconds, or in
 * milliseconds from `BRONID_TIMESTAMP_MILLIS_FROM` on. Anything else gives no vendor time.
 */
function occurredAtOf(value: unknown): string | undefined {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+(?:\.\d+)?$/.test(value.trim())
        ? Number(value)
        : Number.NaN;
  if (!Number.isFinite(number) || number <= 0) return undefined;
  return instantFromEpochMillis(number >= BRONID_TIMESTAMP_MILLIS_FROM ? number : number * 1000);
}
