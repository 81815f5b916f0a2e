import { createHmac } from 'node:crypto';
import { readStringList } from '../../lambdas/core/credentials.js';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import type { NormalizedDraft, Status } from '../../lambdas/core/event.js';
import { bodyHash } from '../../lambdas/core/hash.js';
import { field, isObject, ownValue, parseJson, text } from '../../lambdas/core/json.js';
import { wireNames } from '../../lambdas/core/names.js';
import { readSubject, type SubjectFields } from '../../lambdas/core/vendor-reading.js';
import { matchesAny } from '../../lambdas/core/secure-compare.js';
import { instantFromEpochMillis } from '../../lambdas/core/time.js';
import { accept, applyCredentialPolicy, defineVendor, reject } from '../../lambdas/core/vendor.js';
import type { BaseCredentials, CredentialCheck } from '../../lambdas/core/vendor.js';

/*
 * A sixth vendor, written only by following the README's "Adding a vendor", to prove that a
 * vendor is complete in one file: it lives in the test folder, is registered for every test run
 * (test/setup/register-sample-vendor.ts), and goes through every shared suite and local mode.
 * Modelled on a header-HMAC scheme such as Sumsub's: the hex HMAC of the raw body in
 * `X-Payload-Digest`, the algorithm in `X-Payload-Digest-Alg`. Its facts are made up.
 */

export const SAMPLE_VENDOR_ID = 'sample-hmac';
export const SAMPLE_ROUTE = '/webhooks/sample-hmac';

/** The two headers of the proof, lower-cased as ingest reads them. */
export const SAMPLE_HEADERS = {
  digest: 'x-payload-digest',
  algorithm: 'x-payload-digest-alg',
} as const;

/** The algorithms the sender may name, and node:crypto's name for each. */
export const SAMPLE_ALGORITHMS: Readonly<Record<string, string>> = {
  HMAC_SHA256_HEX: 'sha256',
  HMAC_SHA512_HEX: 'sha512',
};

export const SAMPLE_FIELDS = wireNames(
  'type',
  'applicantId',
  'externalUserId',
  'reviewStatus',
  'reviewAnswer',
  'reviewResult',
  'createdAtMs',
);

/** Every delivery reports on one applicant; `externalUserId` is the caller's reference. */
export const SAMPLE_SUBJECT = {
  kind: 'applicant',
  idFields: [SAMPLE_FIELDS.applicantId],
  externalRefField: SAMPLE_FIELDS.externalUserId,
} as const satisfies SubjectFields;

/** `reviewStatus` words, then `reviewResult.reviewAnswer` once the review is completed. */
export const SAMPLE_REVIEW_STATUSES: Readonly<Record<string, Status>> = {
  init: 'pending',
  pending: 'in_review',
  onHold: 'needs_info',
};
export const SAMPLE_REVIEW_ANSWERS: Readonly<Record<string, Status>> = {
  GREEN: 'approved',
  RED: 'rejected',
};

export interface SampleCredentials extends BaseCredentials {
  readonly secretKeys: readonly string[];
}

const SIGNATURE_REJECTIONS = { absent: 'missing_signature', invalid: 'invalid_signature' } as const;

export const sampleHmac = defineVendor<SampleCredentials>({
  id: SAMPLE_VENDOR_ID,
  displayName: 'Sample HMAC',
  routes: [SAMPLE_ROUTE],
  answers: { senderRetries: 'Retries a delivery not answered 2xx (made up for the sample).' },
  proof: { kind: 'header-signature', headers: [SAMPLE_HEADERS.digest, SAMPLE_HEADERS.algorithm] },
  trust: [
    {
      field: '`X-Payload-Digest`, `X-Payload-Digest-Alg`',
      proof: 'signature',
      use: 'the proof: the HMAC of the raw body, with the named algorithm',
    },
    {
      field: 'the whole body',
      proof: 'signature',
      use: 'status, subject, time, and the dedup id (the SHA-256 of the body)',
    },
  ],
  testing: {
    personal: { fields: ['firstName', 'lastName'], freeTextFields: [], knownValues: ['Sam'] },
    rotation: {
      secret: (secretKeys) => ({ secretKeys }),
      credential: (name) => `sample-hmac-key-${name}`,
      fixture: 'applicant-reviewed-green',
    },
    soak: {
      fixtures: ['applicant-created', 'applicant-pending', 'applicant-reviewed-green'],
      hasEventTime: true,
      bodyHashIds: true,
      render(body, facts) {
        body[SAMPLE_FIELDS.applicantId] = facts.subjectId;
        body[SAMPLE_FIELDS.createdAtMs] = facts.occurredAtMs;
      },
      forgerySecret: { secretKeys: ['not-the-sample-key'] },
    },
  },
  statusMapping: [
    ...Object.entries(SAMPLE_REVIEW_STATUSES).map(([value, status]) => ({
      field: SAMPLE_FIELDS.reviewStatus,
      value,
      status,
    })),
    ...Object.entries(SAMPLE_REVIEW_ANSWERS).map(([value, status]) => ({
      field: `${SAMPLE_FIELDS.reviewResult}.${SAMPLE_FIELDS.reviewAnswer}`,
      value,
      status,
      note: 'reviewStatus=completed',
    })),
  ],

  secretKeys: ['secretKeys'],
  parseCredentials(secret, base) {
    return { ...base, secretKeys: readStringList(secret, 'secretKeys', SAMPLE_VENDOR_ID) };
  },

  verify(request, credentials) {
    const check = checkDigest(request.body, request.headers, credentials.secretKeys);
    const refused = applyCredentialPolicy(check, credentials, SIGNATURE_REJECTIONS);
    if (refused) return refused;
    if (!isObject(parseJson(request.body))) return reject('malformed_body');
    return accept(bodyHash(request.body));
  },

  normalize(delivery): NormalizedDraft[] {
    const json = delivery.json;
    const review = text(field(json, SAMPLE_FIELDS.reviewStatus));
    const answer = text(field(field(json, SAMPLE_FIELDS.reviewResult), SAMPLE_FIELDS.reviewAnswer));
    const status =
      review === 'completed'
        ? (ownValue(SAMPLE_REVIEW_ANSWERS, answer) ?? 'unknown')
        : (ownValue(SAMPLE_REVIEW_STATUSES, review) ?? 'unknown');
    const subject = readSubject(json, SAMPLE_SUBJECT);
    const time = field(json, SAMPLE_FIELDS.createdAtMs);
    const occurredAt = typeof time === 'number' ? instantFromEpochMillis(time) : undefined;
    return [
      {
        detailType: subject === undefined ? 'KYC Vendor Event' : 'KYC Verification Updated',
        vendorEventType: text(field(json, SAMPLE_FIELDS.type)) ?? 'unknown',
        ...(subject && { subject }),
        status,
        scope: subject === undefined ? 'other' : 'verification',
        vendorStatus:
          review === undefined
            ? null
            : `reviewStatus=${review}${answer ? ` reviewAnswer=${answer}` : ''}`,
        ...(occurredAt !== undefined && { occurredAt }),
      },
    ];
  },

  sign(body, _route, credentials) {
    const [key] = credentials.secretKeys;
    if (key === undefined) throw new ConfigurationError('sample-hmac secret lists no key');
    return {
      body,
      headers: {
        [SAMPLE_HEADERS.digest]: digestOf(body, key, 'sha256'),
        [SAMPLE_HEADERS.algorithm]: 'HMAC_SHA256_HEX',
      },
    };
  },
});

function checkDigest(
  body: string,
  headers: Readonly<Record<string, string | undefined>>,
  keys: readonly string[],
): CredentialCheck {
  if (keys.length === 0) return 'unconfigured';
  const presented = headers[SAMPLE_HEADERS.digest]?.trim();
  const named = headers[SAMPLE_HEADERS.algorithm]?.trim();
  if (presented === undefined || named === undefined) return 'absent';
  const algorithm = ownValue(SAMPLE_ALGORITHMS, named);
  if (algorithm === undefined || !/^[0-9a-f]+$/i.test(presented)) return 'invalid';
  const expected = keys.map((key) => digestOf(body, key, algorithm));
  return matchesAny(presented.toLowerCase(), expected) ? 'valid' : 'invalid';
}

function digestOf(body: string, key: string, algorithm: string): string {
  return createHmac(algorithm, key).update(body, 'utf8').digest('hex');
}
