import { createHash } from 'node:crypto';
import { keccak256 } from 'js-sha3';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import type { NormalizedDraft, Status } from '../../lambdas/core/event.js';
import { bodyHash } from '../../lambdas/core/hash.js';
import { answerPolicyOf, DEFAULT_ANSWERS } from '../../lambdas/core/http-answers.js';
import type { BaseCredentials } from '../../lambdas/core/vendor.js';
import { BRONID_ROUTE, bronid } from '../../lambdas/vendors/bronid.js';
import { vendorFixtures } from '../support/vendor-fixtures.js';
import { knownAnswers } from '../suites/known-answers.js';
import { expectInVocabulary } from '../support/drafts.js';

/*
 * Digests in these tests never come from the code under test: SHA3-256 from node:crypto
 * (OpenSSL) or Python's hashlib, Keccak-256 from js-sha3. The module uses @noble/hashes.
 */

const FIXTURES = vendorFixtures(bronid);
const KEY = 'test_signing_key';
const NO_BASE: BaseCredentials = { allowUnauthenticated: false };
const SHA3_PREFIX = 'bronid_sec_sha256_';
const KECCAK_PREFIX = 'bronid_sec_keccak256_';

/** Fixture bodies are read as bytes and decoded as ingest does; never edited in place. */
const { readBody, verifyBody: verify, normalizeBody: normalize } = FIXTURES;

const credentials = (secret: Record<string, unknown>, base: BaseCredentials = NO_BASE) =>
  FIXTURES.credentials(secret, base);
const fixtureCredentials = credentials(FIXTURES.secret());

const only = (drafts: NormalizedDraft[]): NormalizedDraft => {
  expect(drafts).toHaveLength(1);
  return drafts[0] as NormalizedDraft;
};

const sha3Hex = (message: string): string =>
  createHash('sha3-256').update(message, 'utf8').digest('hex');
const keccakHex = (message: string): string => keccak256(message);

/** `{…payload, signature}` written compactly, the signature computed here over `message`. */
const signedBody = (payload: Record<string, unknown>, signature: Record<string, unknown>): string =>
  JSON.stringify({ ...payload, signature });

/** Both digests of `message + key`, prefixed as bronID sends them. */
const digestsOf = (message: string, key = KEY) => ({
  version: '1',
  sha256: SHA3_PREFIX + sha3Hex(message + key),
  keccak256: KECCAK_PREFIX + keccakHex(message + key),
});

/**
 * The dedup id bronID deliveries get: the SHA-256 of the signed content, i.e. the body without
 * `signature`, compact, members in the order received.
 */
const contentHash = (body: string): string => {
  const { signature: _signature, ...content } = JSON.parse(body) as Record<string, unknown>;
  return bodyHash(JSON.stringify(content));
};

/** Signs `payloadText` exactly as written (the raw-text candidate), adding the signature last. */
const signRaw = (payloadText: string, key = KEY): string => {
  const head = payloadText.slice(0, payloadText.lastIndexOf('}')).trimEnd();
  const member = `,"signature":${JSON.stringify(digestsOf(payloadText, key))}`;
  return head + member + payloadText.slice(head.length);
};

/**
 * The text a fixture's digests were computed over, cut here by a regular expression rather than
 * json-span: the `signature` member (a flat object, last in every fixture) and its comma.
 */
const messageOf = (body: string): string => {
  const cut = body.replace(/,\s*"signature"\s*:\s*\{[^{}]*\}/, '');
  expect(cut).not.toBe(body);
  return cut;
};

const signatureOf = (body: string): Record<string, string> =>
  (JSON.parse(body) as { signature: Record<string, string> }).signature;

/** A private copy to mutate, parsed afresh from the shared fixture text. */
const cloneJson = (body: string): Record<string, unknown> =>
  JSON.parse(body) as Record<string, unknown>;

interface Expected {
  readonly route: string;
  readonly dedupId: string;
  readonly events: NormalizedDraft[];
}

const FIXTURE_NAMES = FIXTURES.names;

/** Which candidate and digest each fixture is expected to match; the rest match both, compact. */
const MATCHED: Readonly<Record<string, string>> = {
  'pending-pretty': 'raw-without-signature:sha3-256',
  'verified-keccak-only': 'compact-json:keccak-256',
};
const SHA3_WRONG = ['verified-keccak-only'];
const KECCAK_WRONG = ['verified-sha3-only'];
/** Compact bodies signed with both digests: `sign()` must reproduce them byte for byte. */
const REPRODUCIBLE = FIXTURE_NAMES.filter((name) => !MATCHED[name] && !KECCAK_WRONG.includes(name));

describe('bronid fixtures', () => {
  it('cover every documented example and the variants', () => {
    expect(FIXTURE_NAMES).toEqual([
      'incomplete',
      'info',
      'locked',
      'pending',
      'pending-pretty',
      'rejected',
      'rejected-trace',
      'verified',
      'verified-keccak-only',
      'verified-sha3-only',
      'verified-trace',
    ]);
  });

  describe.each(FIXTURE_NAMES)('%s', (name) => {
    const body = readBody(`${name}.json`);
    const expected = JSON.parse(readBody(`${name}.expected.json`)) as Expected;
    const signature = signatureOf(body);
    const message = messageOf(body);

    it('verifies with credentials.json, reporting the candidate that matched', () => {
      expect(expected.route).toBe(BRONID_ROUTE);
      expect(verify(body)).toEqual({
        ok: true,
        dedupId: expected.dedupId,
        matched: MATCHED[name] ?? 'compact-json:sha3-256',
      });
    });

    it('normalizes to the expected events', () => {
      expect(normalize(body)).toEqual(expected.events);
    });

    it('carries a keccak256 field that js-sha3 reproduces (unless deliberately wrong)', () => {
      const keccak = KECCAK_PREFIX + keccakHex(message + KEY);
      if (KECCAK_WRONG.includes(name)) expect(signature['keccak256']).not.toBe(keccak);
      else expect(signature['keccak256']).toBe(keccak);
    });

    it('carries a sha256 field that is SHA3-256 by node:crypto (unless deliberately wrong)', () => {
      const sha3 = SHA3_PREFIX + sha3Hex(message + KEY);
      if (SHA3_WRONG.includes(name)) expect(signature['sha256']).not.toBe(sha3);
      else expect(signature['sha256']).toBe(sha3);
    });

    if (REPRODUCIBLE.includes(name)) {
      it('is reproduced byte for byte by sign()', () => {
        expect(bronid.sign(body, BRONID_ROUTE, fixtureCredentials).body).toBe(body);
      });
    } else {
      it('verifies on the compact candidate once re-signed by sign()', () => {
        const signed = bronid.sign(body, BRONID_ROUTE, fixtureCredentials).body;
        expect(verify(signed)).toMatchObject({ ok: true, matched: 'compact-json:sha3-256' });
      });
    }
  });

  it('pending-pretty is the pretty-printed pending body, which compact JSON cannot reproduce', () => {
    const pretty = readBody('pending-pretty.json');
    const compact = readBody('pending.json');
    expect(JSON.parse(pretty)).toMatchObject({ ...cloneJson(compact), signature: {} });
    const json = cloneJson(pretty);
    delete json['signature'];
    expect(JSON.stringify(json)).not.toBe(messageOf(pretty));
  });

  describe('the unsigned info example', () => {
    const unsigned = readBody('unsigned/info.json');

    it('is refused as missing_signature', () => {
      expect(verify(unsigned)).toEqual({ ok: false, reason: 'missing_signature' });
    });

    it('is accepted only when the operator allows unauthenticated deliveries', () => {
      const open = credentials({ signingKeys: [KEY] }, { allowUnauthenticated: true });
      expect(verify(unsigned, open)).toEqual({ ok: true, dedupId: bodyHash(unsigned) });
    });

    it('becomes the signed info fixture through sign()', () => {
      expect(bronid.sign(unsigned, BRONID_ROUTE, fixtureCredentials).body).toBe(
        readBody('info.json'),
      );
    });
  });
});

describe('known answers from independent implementations', () => {
  // Key `kat_signing_key` over the compact body below; the non-ASCII name checks UTF-8 bytes.
  const KAT_PAYLOAD = {
    name: 'Zoë Example',
    verificationStatus: 'verified',
    verificationUuid: 'kat-0001',
    timestamp: 1700000000,
  };
  const KAT_KEY = 'kat_signing_key';
  const KAT_MESSAGE = `${JSON.stringify(KAT_PAYLOAD)}${KAT_KEY}`;
  /** Python 3: hashlib.sha3_256(KAT_MESSAGE.encode('utf-8')).hexdigest() */
  const PYTHON_SHA3_256 = 'e8a8365f415489abe7b31a3e92a99d136502803dbfbb9701e6cae95a8f4d767a';
  /** js-sha3 0.13: keccak256(KAT_MESSAGE), via test/fixtures/bronid/keccak256.mjs */
  const JS_SHA3_KECCAK_256 = '0a0d5170bf4c83122239eb7f50ea34c17a270717f6648ba96e7e0f3154662a24';
  const ZEROS = '0'.repeat(64);
  const katCredentials = credentials({ signingKeys: [KAT_KEY] });

  it('the cross-checking tools are what they claim (standard empty-message vectors)', () => {
    expect(sha3Hex('')).toBe('a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a');
    expect(keccakHex('')).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(sha3Hex(KAT_MESSAGE)).toBe(PYTHON_SHA3_256);
    expect(keccakHex(KAT_MESSAGE)).toBe(JS_SHA3_KECCAK_256);
  });

  it.each([
    ['the Python SHA3-256 in the sha256 field', PYTHON_SHA3_256, ZEROS, 'compact-json:sha3-256'],
    [
      'the js-sha3 Keccak-256 in the keccak256 field',
      ZEROS,
      JS_SHA3_KECCAK_256,
      'compact-json:keccak-256',
    ],
  ])('accepts %s', (_name, sha3, keccak, matched) => {
    const signature = {
      version: '1',
      sha256: SHA3_PREFIX + sha3,
      keccak256: KECCAK_PREFIX + keccak,
    };
    const body = signedBody(KAT_PAYLOAD, signature);
    expect(verify(body, katCredentials)).toEqual({ ok: true, dedupId: contentHash(body), matched });
  });

  it('refuses SHA-256 (SHA-2) in the sha256 field: bronID means SHA3-256', () => {
    const sha2 = createHash('sha256').update(KAT_MESSAGE, 'utf8').digest('hex');
    expect(sha2).not.toBe(PYTHON_SHA3_256);
    const body = signedBody(KAT_PAYLOAD, { version: '1', sha256: SHA3_PREFIX + sha2 });
    expect(verify(body, katCredentials)).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('refuses SHA3-256 in the keccak256 field: the two digests differ', () => {
    const body = signedBody(KAT_PAYLOAD, {
      version: '1',
      keccak256: KECCAK_PREFIX + PYTHON_SHA3_256,
    });
    expect(verify(body, katCredentials)).toEqual({ ok: false, reason: 'invalid_signature' });
  });
});

describe('verify', () => {
  const body = readBody('verified.json');

  it.each([
    ['the verification status', (b: string) => b.replace('"verified"', '"rejected"')],
    ['the verification id', (b: string) => b.replace('63152524', '63152525')],
    ['the timestamp', (b: string) => b.replace('1585548662', '1585548663')],
    ['a nested value', (b: string) => b.replace('"Low"', '"High"')],
    ['an added member', (b: string) => b.replace('{"name"', '{"extra":1,"name"')],
    [
      'each digest, one hex digit changed',
      (b: string) => b.replace('_b80bcec4', '_b80bcec5').replace('_8e9f1bc9', '_8e9f1bc8'),
    ],
    [
      'both digests without their prefixes',
      (b: string) => b.replace(SHA3_PREFIX, '').replace(KECCAK_PREFIX, ''),
    ],
    [
      'a valid digest under the wrong prefix',
      (b: string) =>
        b.replace(SHA3_PREFIX, 'bronid_sec_sha3_').replace(KECCAK_PREFIX, 'bronid_sec_keccak_'),
    ],
    ['a signature made with another key', () => signRaw('{"verificationStatus":"x"}', 'other')],
  ])('refuses %s as invalid_signature', (_name, tamper) => {
    expect(verify(tamper(body))).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('refuses the sha3-only fixture when its good digest lacks the prefix', () => {
    const sha3Only = readBody('verified-sha3-only.json');
    expect(verify(sha3Only.replace(SHA3_PREFIX, ''))).toEqual({
      ok: false,
      reason: 'invalid_signature',
    });
  });

  it.each([
    ['a string', '"bronid_sec_sha256_abc"'],
    ['an array', '[]'],
    ['a number', '1'],
    ['an empty object', '{}'],
    ['an unknown version', '{"version":"2","sha256":"@SHA3@"}'],
    ['digests that are not strings', '{"version":"1","sha256":1,"keccak256":null}'],
    ['a digest that is too short', `{"version":"1","sha256":"${SHA3_PREFIX}abcd"}`],
    ['a digest that is not hex', `{"version":"1","sha256":"${SHA3_PREFIX}${'g'.repeat(64)}"}`],
  ])('refuses a signature that is %s as invalid_signature', (_name, signature) => {
    const payload = '{"verificationStatus":"verified"}';
    const good = JSON.stringify(SHA3_PREFIX + sha3Hex(payload + KEY));
    const text = `{"verificationStatus":"verified","signature":${signature.replace('"@SHA3@"', good)}}`;
    expect(verify(text)).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('accepts upper-case hex, and a signature without a version', () => {
    const payload = { verificationStatus: 'verified' };
    const message = JSON.stringify(payload) + KEY;
    const upper = signedBody(payload, {
      version: '1',
      sha256: SHA3_PREFIX + sha3Hex(message).toUpperCase(),
    });
    expect(verify(upper)).toMatchObject({ ok: true, matched: 'compact-json:sha3-256' });
    const unversioned = signedBody(payload, { keccak256: KECCAK_PREFIX + keccakHex(message) });
    expect(verify(unversioned)).toMatchObject({ ok: true, matched: 'compact-json:keccak-256' });
  });

  it.each([
    ['absent', readBody('unsigned/info.json')],
    ['null', '{"verificationStatus":"verified","signature":null}'],
  ])('treats a signature that is %s as missing', (_name, text) => {
    expect(verify(text)).toEqual({ ok: false, reason: 'missing_signature' });
    const open = credentials({ signingKeys: [KEY] }, { allowUnauthenticated: true });
    expect(verify(text, open)).toEqual({ ok: true, dedupId: contentHash(text) });
  });

  it.each([
    ['not JSON', 'verificationStatus=verified'],
    ['empty', ''],
    ['truncated JSON', body.slice(0, -1)],
    ['a JSON array', '[{"verificationStatus":"verified"}]'],
    ['JSON null', 'null'],
    ['a JSON string', '"x"'],
  ])('refuses a body that is %s as malformed_body', (_name, text) => {
    expect(verify(text)).toEqual({ ok: false, reason: 'malformed_body' });
  });

  it('accepts a delivery signed with any configured key', () => {
    const creds = credentials({ signingKeys: ['one', 'two', 'three'] });
    expect(verify(signRaw('{"verificationStatus":"verified"}', 'three'), creds)).toMatchObject({
      ok: true,
    });
  });

  describe('reports which candidate message matched', () => {
    it.each([
      ['a number written 1.0', '{"verificationStatus":"verified","timestamp":1585548662.0}'],
      ['integer-like keys out of numeric order', '{"2":"a","1":"b"}'],
      ['whitespace between members', '{ "verificationStatus" : "verified" }'],
      ['an escaped slash', '{"name":"A\\/B"}'],
    ])('raw-without-signature for %s, which parsing cannot reproduce', (_name, payload) => {
      expect(verify(signRaw(payload))).toMatchObject({
        ok: true,
        matched: 'raw-without-signature:sha3-256',
      });
    });

    it('compact-json when the two candidates are the same text', () => {
      expect(verify(signRaw('{"verificationStatus":"verified"}'))).toMatchObject({
        ok: true,
        matched: 'compact-json:sha3-256',
      });
    });

    it('compact-json for a compact body whose signature is not the last member', () => {
      const payload = { name: 'My Company', verificationStatus: 'verified' };
      const signature = digestsOf(JSON.stringify(payload));
      const text = JSON.stringify({ signature, ...payload });
      expect(verify(text)).toMatchObject({ ok: true, matched: 'compact-json:sha3-256' });
    });

    it('compact-json for a re-serialised body (pretty-printed after signing)', () => {
      const payload = { verificationStatus: 'verified', timestamp: 1 };
      const signature = digestsOf(JSON.stringify(payload));
      const text = JSON.stringify({ ...payload, signature }, null, 2);
      expect(verify(text)).toMatchObject({ ok: true, matched: 'compact-json:sha3-256' });
    });
  });

  it('hashes the signed content for the dedup id (bronID sends no event id)', () => {
    const content = '{"verificationStatus":"verified","timestamp":1}';
    expect(verify(signRaw(content))).toMatchObject({ dedupId: bodyHash(content) });
  });

  it('gives a copy re-indented, or with another signature member, the same dedup id', () => {
    const content = '{"verificationStatus":"verified","timestamp":1}';
    const compact = signRaw(content);
    const pretty = JSON.stringify(JSON.parse(compact), null, 4);
    expect(verify(pretty)).toMatchObject({ ok: true, dedupId: bodyHash(content) });
    const doubled = compact.replace('"verificationStatus"', '"signature":{},"verificationStatus"');
    expect(verify(doubled)).toMatchObject({ dedupId: bodyHash(content) });
  });
});

describe('sign', () => {
  it('adds a signature to a body without one, leaving the rest byte-exact', () => {
    const text = '{ "verificationStatus": "verified", "timestamp": 1.0 }';
    const result = bronid.sign(text, BRONID_ROUTE, fixtureCredentials);
    expect(result.headers).toEqual({});
    const signature = digestsOf('{"verificationStatus":"verified","timestamp":1}');
    expect(result.body).toBe(
      `{ "verificationStatus": "verified", "timestamp": 1.0,"signature":${JSON.stringify(signature)} }`,
    );
    expect(verify(result.body)).toMatchObject({ ok: true, matched: 'compact-json:sha3-256' });
  });

  it('signs an empty object', () => {
    const result = bronid.sign('{}', BRONID_ROUTE, fixtureCredentials).body;
    expect(result).toBe(`{"signature":${JSON.stringify(digestsOf('{}'))}}`);
    expect(verify(result)).toMatchObject({ ok: true });
  });

  it('replaces an existing signature in place', () => {
    const text = '{"signature":"stale","verificationStatus":"verified"}';
    const result = bronid.sign(text, BRONID_ROUTE, fixtureCredentials).body;
    expect(result).toBe(
      `{"signature":${JSON.stringify(digestsOf('{"verificationStatus":"verified"}'))},"verificationStatus":"verified"}`,
    );
  });

  it('signs with the first key', () => {
    const creds = credentials({ signingKeys: ['first', 'second'] });
    const result = bronid.sign('{"a":1}', BRONID_ROUTE, creds).body;
    expect(signatureOf(result)).toEqual(digestsOf('{"a":1}', 'first'));
  });

  it('refuses without a key, and for a body that is not a JSON object', () => {
    expect(() => bronid.sign('{}', BRONID_ROUTE, credentials({}))).toThrow(ConfigurationError);
    expect(() => bronid.sign('[]', BRONID_ROUTE, fixtureCredentials)).toThrow(TypeError);
  });
});

describe('answers', () => {
  it('keeps the default answers: bronID wants 200 OK', () => {
    expect(answerPolicyOf(bronid.answers)).toEqual(DEFAULT_ANSWERS);
  });
});

describe('normalize', () => {
  const from = (json: Record<string, unknown>): NormalizedDraft =>
    only(normalize(JSON.stringify(json)));

  describe('status words', () => {
    /** bronID's words and what they mean here, written from its documentation, not the code. */
    const EXPECTED = knownAnswers<[string, string, Status]>(FIXTURES, 'status-words.json');

    it('are the README table rows, no more and no fewer', () => {
      expect(bronid.statusMapping.map((row) => [row.field, row.value, row.status])).toEqual(
        EXPECTED,
      );
    });

    it.each(EXPECTED)('%s %s → %s, in any case', (fieldName, word, status) => {
      expect(from({ [fieldName]: word })).toEqual({
        detailType: 'KYC Verification Updated',
        vendorEventType: `${fieldName === 'verificationStatus' ? 'verification' : 'submission'}.${word}`,
        status,
        scope: 'verification',
        vendorStatus: `${fieldName}=${word}`,
      });
      expect(from({ [fieldName]: word.toUpperCase() }).status).toBe(status);
    });
  });

  it('lets verificationStatus decide over submissionStatus', () => {
    expect(from({ verificationStatus: 'verified', submissionStatus: 'incomplete' })).toMatchObject({
      status: 'approved',
      vendorEventType: 'verification.verified',
    });
  });

  it('gives unknown for an unknown verificationStatus, whatever submissionStatus says', () => {
    expect(from({ verificationStatus: 'Escalated', submissionStatus: 'submitted' })).toEqual({
      detailType: 'KYC Verification Updated',
      vendorEventType: 'verification.escalated',
      status: 'unknown',
      scope: 'verification',
      vendorStatus: 'verificationStatus=Escalated submissionStatus=submitted',
    });
  });

  it('gives unknown for an unknown submissionStatus alone', () => {
    expect(from({ submissionStatus: 'archived' })).toMatchObject({
      status: 'unknown',
      vendorEventType: 'submission.archived',
    });
  });

  it('adds the risk score to vendorStatus, where a risk-score change shows', () => {
    expect(
      from({ verificationStatus: 'verified', idvRiskScore: { description: 'High' } }),
    ).toMatchObject({
      status: 'approved',
      vendorStatus: 'verificationStatus=verified idvRiskScore=High',
    });
  });

  describe('subject', () => {
    it.each([
      [
        'the grouping (submissionId) first, so every attempt lands on one subject',
        { trace: 't', submissionId: 's', verificationUuid: 'v', userId: 'u' },
        { kind: 'verification', id: 's', externalRef: 'u' },
      ],
      [
        'then the attempt (trace)',
        { trace: 't', verificationUuid: 'v' },
        { kind: 'verification', id: 't' },
      ],
      ['then verificationUuid', { verificationUuid: 'v' }, { kind: 'verification', id: 'v' }],
      [
        'skipping empty ids',
        { trace: '', verificationUuid: 'v' },
        { kind: 'verification', id: 'v' },
      ],
      ['a numeric id as text', { verificationUuid: 42 }, { kind: 'verification', id: '42' }],
    ])('%s', (_name, json, subject) => {
      expect(from(json).subject).toEqual(subject);
    });

    it('is absent when the body names no verification, even with a userId', () => {
      expect(from({ userId: 'u', verificationStatus: 'verified' })).not.toHaveProperty('subject');
    });
  });

  describe('occurredAt from timestamp', () => {
    it.each([
      ['seconds', 1585548662, '2020-03-30T06:11:02.000Z'],
      ['milliseconds', 1583455152245, '2020-03-06T00:39:12.245Z'],
      ['fractional seconds', 1585548662.5, '2020-03-30T06:11:02.500Z'],
      ['seconds as a string', '1585548662', '2020-03-30T06:11:02.000Z'],
      ['the last second before the threshold', 99_999_999_999, '5138-11-16T09:46:39.000Z'],
      ['the threshold itself, as milliseconds', 100_000_000_000, '1973-03-03T09:46:40.000Z'],
    ])('reads %s', (_name, timestamp, occurredAt) => {
      expect(from({ verificationStatus: 'verified', timestamp }).occurredAt).toBe(occurredAt);
    });

    it.each([
      ['absent', undefined],
      ['zero', 0],
      ['negative', -1],
      ['not a number', 'yesterday'],
      ['an object', {}],
      ['too large for a date', 1e300],
    ])('omits it when the timestamp is %s', (_name, timestamp) => {
      expect(from({ verificationStatus: 'verified', timestamp })).not.toHaveProperty('occurredAt');
    });
  });

  it.each([
    ['statuses of odd types', '{"verificationStatus":{},"submissionStatus":[1]}'],
    ['prototype words', '{"verificationStatus":"constructor","submissionStatus":"__proto__"}'],
    ['a __proto__ member', '{"__proto__":{"verificationStatus":"verified"}}'],
    ['ids of odd types', '{"trace":{},"submissionId":[],"verificationUuid":null,"userId":{}}'],
    ['an odd risk score', '{"idvRiskScore":"High"}'],
  ])('never throws, and returns one draft, for %s', (_name, text) => {
    expectInVocabulary(only(normalize(text)));
  });

  it('gives an unrecognised shape one unknown draft without a subject', () => {
    for (const text of ['{}', '[]', 'null', '"x"', '42', 'not json']) {
      expect(normalize(text)).toEqual([
        {
          detailType: 'KYC Verification Updated',
          vendorEventType: 'verification.unknown',
          status: 'unknown',
          scope: 'verification',
          vendorStatus: null,
        },
      ]);
    }
  });
});
