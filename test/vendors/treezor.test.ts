import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import { DETAIL_TYPES, STATUSES } from '../../lambdas/core/event.js';
import type { NormalizedDraft } from '../../lambdas/core/event.js';
import { bodyHash } from '../../lambdas/core/hash.js';
import type { BaseCredentials } from '../../lambdas/core/vendor.js';
import {
  DOCUMENT_STATUSES,
  IDENTIFICATION_RESULTS,
  KYC_LEVELS,
  KYC_REVIEWS,
  KYC_STATUSES,
  LIVENESS_SCORES,
  LIVENESS_STATUSES,
  TREEZOR_EVENTS,
  TREEZOR_ROUTE,
  treezor,
} from '../../lambdas/vendors/treezor.js';
import { vendorFixtures } from '../support/vendor-fixtures.js';

const FIXTURES = vendorFixtures(treezor);
const SECRET = 'test_webhook_secret';
const NO_BASE: BaseCredentials = { allowUnauthenticated: false };

/** Fixture bodies are read as bytes and decoded as ingest does; never edited in place. */
const readBody = FIXTURES.readBody;

const credentials = (secret: Record<string, unknown>, base: BaseCredentials = NO_BASE) =>
  FIXTURES.credentials(secret, base);
const fixtureCredentials = credentials(FIXTURES.secret());
const verify = FIXTURES.verifyBody;
const normalize = FIXTURES.normalizeBody;

const hmac = (message: string, secret = SECRET): string =>
  createHmac('sha256', secret).update(message, 'utf8').digest('base64');

/** A flat envelope carrying `payloadText` verbatim, signed over exactly that text. */
const envelopeWith = (payloadText: string, signature = hmac(payloadText)): string =>
  `{"webhook":"user.update","webhook_id":"w-1","object_payload":${payloadText},"object_payload_signature":${JSON.stringify(signature)}}`;

/** A private copy to mutate, parsed afresh from the fixture text that every test shares. */
const cloneJson = (body: string): Record<string, unknown> =>
  JSON.parse(body) as Record<string, unknown>;

/** Re-signs with the fixture secret (through `sign`, whose own correctness is tested below). */
const signed = (body: string): string => treezor.sign(body, TREEZOR_ROUTE, fixtureCredentials).body;

interface Expected {
  readonly route: string;
  readonly dedupId: string;
  readonly events: NormalizedDraft[];
}

const FIXTURE_NAMES = FIXTURES.names;

/** This fixture's wire text is not PHP's encoding; every other one is. */
const RE_ENCODED_ONLY = 'user.kycreview-pretty-utf8';

describe('treezor fixtures', () => {
  it('cover every event of the documentation', () => {
    const covered = new Set(FIXTURE_NAMES.map((name) => name.replace(/-[a-z0-9-]+$/, '')));
    expect([...covered].sort()).toEqual(Object.values(TREEZOR_EVENTS).flat().sort());
  });

  describe.each(FIXTURE_NAMES)('%s', (name) => {
    const body = readBody(`${name}.json`);
    const expected = JSON.parse(readBody(`${name}.expected.json`)) as Expected;

    it('verifies with credentials.json, on the expected candidate', () => {
      expect(expected.route).toBe(TREEZOR_ROUTE);
      expect(verify(body)).toEqual({
        ok: true,
        dedupId: expected.dedupId,
        matched: name === RE_ENCODED_ONLY ? 're-encoded' : 'raw-span',
      });
    });

    it('normalizes to the expected events', () => {
      expect(normalize(body)).toEqual(expected.events);
    });

    if (name === RE_ENCODED_ONLY) {
      it('is re-signed by sign() over its own raw text', () => {
        expect(verify(signed(body))).toMatchObject({ ok: true, matched: 'raw-span' });
      });
    } else {
      it('is reproduced byte for byte by sign()', () => {
        expect(signed(body)).toBe(body);
      });
    }
  });
});

describe('known-answer vectors (VENDORS.md, key test_webhook_secret)', () => {
  it.each([
    {
      vector: 'users',
      payload:
        '{"users":[{"userId":"123456","firstname":"Élodie","lastname":"Oak","kycLevel":"2","kycReview":"2","email":"a.oak@example.com","website":"https://example.com/x","createdDate":"2024-01-08 11:00:42"}]}',
      php: '{"users":[{"userId":"123456","firstname":"\\u00c9lodie","lastname":"Oak","kycLevel":"2","kycReview":"2","email":"a.oak@example.com","website":"https:\\/\\/example.com\\/x","createdDate":"2024-01-08 11:00:42"}]}',
      signature: 'qwuX8SWdoZl2kxCMU6T3i36bliSDbplBLygC8UCR1Zg=',
    },
    {
      vector: 'emoji',
      payload: '{"a":"😀 – ü","b":null,"c":[1,2.5,true]}',
      php: '{"a":"\\ud83d\\ude00 \\u2013 \\u00fc","b":null,"c":[1,2.5,true]}',
      signature: 'doiymCd4bzzYRlWTbC+3dbPZ9GQ4vFv9wT2Bbwsaghg=',
    },
  ])(
    '$vector vector verifies as sent by PHP and as re-serialised',
    ({ payload, php, signature }) => {
      expect(verify(envelopeWith(php, signature))).toMatchObject({ ok: true, matched: 'raw-span' });
      expect(verify(envelopeWith(payload, signature))).toMatchObject({
        ok: true,
        matched: 're-encoded',
      });
    },
  );
});

describe('verify', () => {
  const body = readBody('user.kycreview.json');

  it.each([
    ['a float written 1.0', '{"amount":1.0,"currency":"EUR"}'],
    ['integer-like keys out of numeric order', '{"2":"a","1":"b"}'],
    ['an integer beyond 2^53', '{"walletId":123456789012345678}'],
  ])('accepts %s, which re-encoding cannot reproduce, over the raw span', (_name, payload) => {
    expect(verify(envelopeWith(payload))).toMatchObject({ ok: true, matched: 'raw-span' });
  });

  it.each([
    ['object_payload changed by one character', (b: string) => b.replace('"Alex"', '"Alec"')],
    [
      'object_payload changed after re-serialising',
      (b: string) => {
        const json = cloneJson(b);
        (json['webhook'] as { object_payload: unknown }).object_payload = { users: [] };
        return JSON.stringify(json);
      },
    ],
    [
      'a signature made with another secret',
      () => envelopeWith('{"a":1}', hmac('{"a":1}', 'another_secret')),
    ],
    [
      'a signature that is not a string',
      (b: string) => {
        const json = cloneJson(b);
        (json['webhook'] as Record<string, unknown>)['object_payload_signature'] = 42;
        return JSON.stringify(json);
      },
    ],
    ['an empty signature', () => envelopeWith('{"a":1}', '')],
    [
      'a signature but no object_payload',
      () => `{"webhook":"user.update","object_payload_signature":"${hmac('null')}"}`,
    ],
  ])('refuses %s as invalid_signature', (_name, tamper) => {
    expect(verify(tamper(body))).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('refuses a body nested deeper than any real payload as malformed, before any signature work', () => {
    const deep = envelopeWith(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'AAAA');
    expect(verify(deep)).toEqual({ ok: false, reason: 'malformed_body' });
  });

  it('refuses a tampered signature even when unauthenticated deliveries are allowed', () => {
    const creds = credentials({ webhookSecrets: [SECRET] }, { allowUnauthenticated: true });
    expect(verify(body.replace('"Alex"', '"Alec"'), creds)).toEqual({
      ok: false,
      reason: 'invalid_signature',
    });
  });

  it.each([
    ['webhook_created_at', (e: Record<string, unknown>) => (e['webhook_created_at'] = 1)],
    ['object_id', (e: Record<string, unknown>) => (e['object_id'] = 'someone-else')],
    ['webhook (event name)', (e: Record<string, unknown>) => (e['webhook'] = 'user.cancel')],
  ])(
    'still accepts a changed envelope field (%s): Treezor signs only object_payload, so business facts are read from there',
    (_name, change) => {
      const json = cloneJson(body);
      change(json['webhook'] as Record<string, unknown>);
      expect(verify(JSON.stringify(json))).toMatchObject({ ok: true });
    },
  );

  describe.each(['kycreview.request', 'kycreview.result'])(
    'the unsigned documentation example %s',
    (name) => {
      const unsigned = readBody(`unsigned/${name}.json`);

      it('is refused: an unsigned delivery is missing_signature', () => {
        expect(verify(unsigned)).toEqual({ ok: false, reason: 'missing_signature' });
      });

      it('is accepted only when the operator allows unauthenticated deliveries', () => {
        const creds = credentials({ webhookSecrets: [SECRET] }, { allowUnauthenticated: true });
        expect(verify(unsigned, creds)).toEqual({ ok: true, dedupId: bodyHash(unsigned) });
      });

      it('verifies over the raw span once signed', () => {
        expect(verify(signed(unsigned))).toMatchObject({ ok: true, matched: 'raw-span' });
      });
    },
  );

  it('treats a null signature as missing', () => {
    const json = cloneJson(body);
    (json['webhook'] as Record<string, unknown>)['object_payload_signature'] = null;
    expect(verify(JSON.stringify(json))).toEqual({ ok: false, reason: 'missing_signature' });
  });

  it.each([
    ['no webhookSecrets', {}],
    ['an empty webhookSecrets', { webhookSecrets: [] }],
  ])('refuses everything when the secret has %s', (_name, secret) => {
    expect(verify(body, credentials(secret))).toEqual({
      ok: false,
      reason: 'no_credentials_configured',
    });
    const open = credentials(secret, { allowUnauthenticated: true });
    expect(verify(body, open)).toEqual({
      ok: true,
      dedupId: '8f3577ec-c126-4e94-a3df-1bdccfb0b89f',
    });
  });

  it.each([
    ['not JSON', 'webhook=user.update'],
    ['empty', ''],
    ['truncated JSON', body.slice(0, -1)],
  ])('refuses a body that is %s as malformed_body', (_name, text) => {
    expect(verify(text)).toEqual({ ok: false, reason: 'malformed_body' });
  });

  it.each([
    ['the old secret', ['new_secret', SECRET]],
    ['the new secret', [SECRET, 'new_secret']],
  ])('accepts %s while two secrets are active (rotation)', (_name, secrets) => {
    expect(verify(body, credentials({ webhookSecrets: secrets }))).toMatchObject({ ok: true });
  });

  it('accepts a delivery signed with any configured secret', () => {
    const payload = '{"a":1}';
    const creds = credentials({ webhookSecrets: ['one', 'two', 'three'] });
    expect(verify(envelopeWith(payload, hmac(payload, 'three')), creds)).toMatchObject({
      ok: true,
    });
  });

  it('unwraps the newer form and checks the inner object_payload', () => {
    const flat = readBody('qes.created.json');
    const wrapped = `{"messageId":"m-1","webhookId":"w-outer","webhook":${flat},"clientId":"516899"}`;
    expect(verify(wrapped)).toEqual({
      ok: true,
      dedupId: 'af5a6c9e-4dc8-4d58-a245-e26dc27xx9aa',
      matched: 'raw-span',
    });
    // A decoy payload beside the envelope is not what is checked.
    const decoy = wrapped.replace('{"messageId"', '{"object_payload":{"x":1},"messageId"');
    expect(verify(decoy)).toMatchObject({ ok: true, matched: 'raw-span' });
    expect(verify(wrapped.replace('"STARTED"', '"SUCCESS"'))).toEqual({
      ok: false,
      reason: 'invalid_signature',
    });
  });

  describe('dedupId precedence', () => {
    const payload = '{"a":1}';
    const inner = (id: string) =>
      `{"webhook":"user.update",${id}"object_payload":${payload},"object_payload_signature":"${hmac(payload)}"}`;
    it.each([
      [
        'the inner webhook_id',
        `{"messageId":"m","webhookId":"o","webhook":${inner('"webhook_id":"i",')}}`,
        'i',
      ],
      ['a numeric inner webhook_id', inner('"webhook_id":1234,'), '1234'],
      ['else the outer webhookId', `{"messageId":"m","webhookId":"o","webhook":${inner('')}}`, 'o'],
      ['else the messageId', `{"messageId":"m","webhook":${inner('')}}`, 'm'],
      ['else the webhookId of a flat body', inner('"webhookId":"o",'), 'o'],
    ])('%s', (_name, text, dedupId) => {
      expect(verify(text)).toEqual({ ok: true, dedupId, matched: 'raw-span' });
    });

    it('else a hash of the body', () => {
      const text = inner('');
      expect(verify(text)).toEqual({ ok: true, dedupId: bodyHash(text), matched: 'raw-span' });
    });
  });
});

describe('sign', () => {
  it('inserts a signature when the body has none, leaving the rest byte-exact', () => {
    const body = '{"webhook":"qes.created","object_payload":{"amount":1.0},"object_id":"x"}';
    const result = treezor.sign(body, TREEZOR_ROUTE, fixtureCredentials);
    expect(result.headers).toEqual({});
    expect(result.body).toBe(
      `{"webhook":"qes.created","object_payload":{"amount":1.0},"object_payload_signature":"${hmac('{"amount":1.0}').replaceAll('/', '\\/')}","object_id":"x"}`,
    );
    expect(verify(result.body)).toMatchObject({ ok: true, matched: 'raw-span' });
  });

  it('signs with the first secret', () => {
    const creds = credentials({ webhookSecrets: ['first', 'second'] });
    const body = treezor.sign(envelopeWith('{"a":1}', 'x'), TREEZOR_ROUTE, creds).body;
    expect(JSON.parse(body)).toMatchObject({ object_payload_signature: hmac('{"a":1}', 'first') });
  });

  it('refuses without a secret, and without an object_payload', () => {
    expect(() => treezor.sign('{"object_payload":{}}', TREEZOR_ROUTE, credentials({}))).toThrow(
      ConfigurationError,
    );
    expect(() => treezor.sign('{"webhook":"x"}', TREEZOR_ROUTE, fixtureCredentials)).toThrow(
      TypeError,
    );
  });
});

describe('parseCredentials', () => {
  it('reads webhookSecrets beside the base fields', () => {
    expect(
      treezor.parseCredentials({ webhookSecrets: ['a', 'b'] }, { allowUnauthenticated: true }),
    ).toEqual({ allowUnauthenticated: true, webhookSecrets: ['a', 'b'] });
  });

  it.each([[['']], ['a'], [[1]]])('refuses webhookSecrets = %j', (webhookSecrets) => {
    expect(() => credentials({ webhookSecrets })).toThrow(ConfigurationError);
  });
});

describe('answers', () => {
  it('asks for a 5xx on a failed signature, as Treezor documents, so it retries', () => {
    expect(treezor.answers?.unauthenticated).toBe(503);
  });
});

describe('normalize', () => {
  /** One delivery of `event` with `payload`; the envelope is flat and unsigned. */
  const delivery = (event: string, payload: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ webhook: event, object_id: 'obj-1', object_payload: payload, ...extra });
  const only = (drafts: NormalizedDraft[]): NormalizedDraft => {
    expect(drafts).toHaveLength(1);
    return drafts[0] as NormalizedDraft;
  };

  describe('occurredAt from webhook_created_at', () => {
    it.each([
      ['10⁻⁴ s units', 16532945786168, '2022-05-23T08:29:38.616Z'],
      ['10⁻⁴ s units as a string', '16532945786168', '2022-05-23T08:29:38.616Z'],
      ['13-digit milliseconds', 1653294578616, '2022-05-23T08:29:38.616Z'],
      ['10-digit seconds', 1653294578, '2022-05-23T08:29:38.000Z'],
      ['decimal seconds as a string', '1653294578.6168', '2022-05-23T08:29:38.616Z'],
      ['decimal seconds as a number', 1653294578.6168, '2022-05-23T08:29:38.616Z'],
      ['garbage', 'yesterday', undefined],
      ['a negative number', -16532945786168, undefined],
      ['zero', 0, undefined],
      ['an exponent', '1.6e13', undefined],
      ['out of range', 1e300, undefined],
      ['an object', { at: 1 }, undefined],
      ['null', null, undefined],
    ])('%s', (_name, createdAt, expected) => {
      const draft = only(normalize(delivery('qes.created', {}, { webhook_created_at: createdAt })));
      expect(draft.occurredAt).toBe(expected);
      if (expected === undefined) expect(draft).not.toHaveProperty('occurredAt');
    });
  });

  describe('user.* status from kycReview', () => {
    it.each(Object.entries(KYC_REVIEWS))('kycReview %s', (code, row) => {
      for (const kycReview of [code, Number(code)]) {
        const draft = only(
          normalize(
            delivery('user.kycreview', { users: [{ userId: '7', kycReview, kycLevel: '2' }] }),
          ),
        );
        expect(draft.status).toBe(row.status);
        expect(draft.vendorStatus).toBe(`kycReview=${row.word} kycLevel=REGULAR`);
      }
    });

    it.each(Object.entries(KYC_LEVELS))('kycLevel %s', (code, word) => {
      const draft = only(
        normalize(
          delivery('user.update', { users: [{ userId: '7', kycReview: '2', kycLevel: code }] }),
        ),
      );
      expect(draft.vendorStatus).toBe(`kycReview=VALIDATED kycLevel=${word}`);
      expect(draft.status).toBe(word === 'REFUSED' ? 'rejected' : 'approved');
    });

    it('makes user.cancel cancelled whatever the codes say', () => {
      const draft = only(
        normalize(delivery('user.cancel', { users: [{ userId: '7', kycReview: '2' }] })),
      );
      expect(draft.status).toBe('cancelled');
    });

    it('keeps unknown codes as written, with status unknown', () => {
      const draft = only(
        normalize(
          delivery('user.update', { users: [{ userId: '7', kycReview: '9', kycLevel: 'x' }] }),
        ),
      );
      expect(draft).toMatchObject({ status: 'unknown', vendorStatus: 'kycReview=9 kycLevel=x' });
    });

    it('reads userTag as the external reference only when non-empty', () => {
      const drafts = normalize(
        delivery('user.update', {
          users: [
            { userId: '1', userTag: 'ref-1' },
            { userId: '2', userTag: '' },
          ],
        }),
      );
      expect(drafts.map((d) => d.subject)).toEqual([
        { kind: 'user', id: '1', externalRef: 'ref-1' },
        { kind: 'user', id: '2' },
      ]);
    });
  });

  describe('kycreview.* status from kycStatus', () => {
    it.each(Object.entries(KYC_STATUSES))('kycStatus %s', (word, status) => {
      const draft = only(
        normalize(delivery('kycreview.result', { userId: 1, kycStatus: word, kycReview: 0 })),
      );
      expect(draft).toEqual({
        detailType: 'KYC Verification Updated',
        vendorEventType: 'kycreview.result',
        subject: { kind: 'user', id: '1' },
        status,
        vendorStatus: `kycStatus=${word}`,
      });
    });

    it('falls back to the kycReview code for another word', () => {
      const draft = only(
        normalize(
          delivery('kycreview.result', { userId: 1, kycStatus: 'REVIEW_OPEN', kycReview: 6 }),
        ),
      );
      expect(draft).toMatchObject({ status: 'needs_info', vendorStatus: 'kycStatus=REVIEW_OPEN' });
    });
  });

  describe('document.* status from documentStatus', () => {
    it.each(Object.entries(DOCUMENT_STATUSES))('documentStatus %s', (word, status) => {
      const draft = only(
        normalize(
          delivery('document.update', {
            documents: [{ documentId: 'd', userId: 'u', documentStatus: word }],
          }),
        ),
      );
      expect(draft).toEqual({
        detailType: 'KYC Document Updated',
        vendorEventType: 'document.update',
        subject: { kind: 'document', id: 'd', parent: { kind: 'user', id: 'u' } },
        status,
        vendorStatus: `documentStatus=${word}`,
      });
    });

    it('makes document.cancel cancelled', () => {
      const draft = only(
        normalize(
          delivery('document.cancel', {
            documents: [{ documentId: 'd', documentStatus: 'VALIDATED' }],
          }),
        ),
      );
      expect(draft.status).toBe('cancelled');
    });
  });

  describe('kycliveness.* status from kyc-status', () => {
    const liveness = (payload: Record<string, unknown>) =>
      only(normalize(delivery('kycliveness.update', { user_id: 'u', ...payload })));

    it.each(Object.entries(LIVENESS_STATUSES))('kyc-status %s', (word, status) => {
      expect(liveness({ 'kyc-status': word })).toEqual({
        detailType: 'KYC Verification Updated',
        vendorEventType: 'kycliveness.update',
        subject: { kind: 'identification', id: 'obj-1', parent: { kind: 'user', id: 'u' } },
        status,
        vendorStatus: `kyc-status=${word}`,
      });
    });

    it.each(Object.entries(LIVENESS_SCORES))('processed with score %s', (score, status) => {
      expect(liveness({ 'kyc-status': 'processed', score: Number(score) })).toMatchObject({
        status,
        vendorStatus: `kyc-status=processed score=${score}`,
      });
    });

    it('processed with refusal-details is rejected whatever the score', () => {
      expect(
        liveness({ 'kyc-status': 'processed', score: 1, 'refusal-details': {} }),
      ).toMatchObject({
        status: 'rejected',
      });
    });

    it('processed without a score is unknown', () => {
      expect(liveness({ 'kyc-status': 'processed' }).status).toBe('unknown');
    });
  });

  describe.each(['qes.finalized', 'videoConference.finalized'])(
    '%s status from result',
    (event) => {
      it.each(Object.entries(IDENTIFICATION_RESULTS))('result %s', (word, status) => {
        const draft = only(
          normalize(delivery(event, { userId: 'u', transactionNumber: 't', result: word })),
        );
        expect(draft).toEqual({
          detailType: 'KYC Verification Updated',
          vendorEventType: event,
          subject: { kind: 'identification', id: 't', parent: { kind: 'user', id: 'u' } },
          status,
          vendorStatus: `result=${word}`,
        });
      });

      it('uses object_id when transactionNumber is absent, and unknown for another result', () => {
        const draft = only(normalize(delivery(event, { result: 'SOMETHING_NEW' })));
        expect(draft).toMatchObject({
          subject: { kind: 'identification', id: 'obj-1' },
          status: 'unknown',
          vendorStatus: 'result=SOMETHING_NEW',
        });
      });
    },
  );

  it('reads business facts from object_payload, never from the unsigned envelope', () => {
    const body = delivery(
      'kycreview.result',
      { userId: 1, kycStatus: 'PENDING' },
      { kycStatus: 'VALIDATED', userId: 2 },
    );
    expect(only(normalize(body))).toMatchObject({ subject: { id: '1' }, status: 'in_review' });
  });

  it('publishes any other event as a KYC Vendor Event', () => {
    expect(normalize(delivery('card.create', { cards: [] }, { object: 'card' }))).toEqual([
      {
        detailType: 'KYC Vendor Event',
        vendorEventType: 'card.create',
        subject: { kind: 'card', id: 'obj-1' },
        status: 'unknown',
        vendorStatus: null,
      },
    ]);
  });

  it('gives an unrecognised shape one unknown draft without a subject', () => {
    expect(normalize('{}')).toEqual([
      {
        detailType: 'KYC Vendor Event',
        vendorEventType: 'unknown',
        status: 'unknown',
        vendorStatus: null,
      },
    ]);
  });

  it.each([
    ['{}', '{}'],
    ['[]', '[]'],
    ['null', 'null'],
    ['a string', '"x"'],
    ['a number', '42'],
    ['not JSON', 'not json'],
    ['an empty envelope under webhook', '{"webhook":{}}'],
    ['a nested wrapper', '{"webhook":{"webhook":{"webhook":"user.update"}}}'],
    ['an event name that is an array', '{"webhook":["user.update"]}'],
    ['a prototype word as event name', '{"webhook":"constructor","object_id":{}}'],
    ['a __proto__ member', '{"__proto__":{"webhook":"user.update"},"object_payload":1}'],
    [
      'users that are not objects',
      '{"webhook":"user.update","object_payload":{"users":[null,1,"x",[]]}}',
    ],
    [
      'users with odd fields',
      '{"webhook":"user.update","object_payload":{"users":[{"userId":{},"kycReview":"toString","kycLevel":"__proto__"}]}}',
    ],
    [
      'documents that are a string',
      '{"webhook":"document.create","object_payload":{"documents":"x"}}',
    ],
    ['a liveness payload that is an array', '{"webhook":"kycliveness.create","object_payload":[]}'],
    ['a qes payload that is null', '{"webhook":"qes.created","object_payload":null}'],
    [
      'a kycreview payload of odd types',
      '{"webhook":"kycreview.result","object_payload":{"userId":[],"kycStatus":{}}}',
    ],
    ['a huge time', '{"webhook":"qes.created","webhook_created_at":"99999999999999999999999999"}'],
  ])('never throws, and returns at least one draft, for %s', (_name, body) => {
    const drafts = normalize(body);
    expect(drafts.length).toBeGreaterThanOrEqual(1);
    for (const draft of drafts) {
      expect(STATUSES).toContain(draft.status);
      expect(DETAIL_TYPES).toContain(draft.detailType);
    }
  });
});
