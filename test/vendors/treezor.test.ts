import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import type { NormalizedDraft, Status } from '../../lambdas/core/event.js';
import { bodyHash } from '../../lambdas/core/hash.js';
import type { BaseCredentials } from '../../lambdas/core/vendor.js';
import { answerPolicyOf } from '../../lambdas/core/http-answers.js';
import { TREEZOR_EVENTS, TREEZOR_ROUTE, treezor } from '../../lambdas/vendors/treezor.js';
import { vendorFixtures } from '../support/vendor-fixtures.js';
import { knownAnswers } from '../suites/known-answers.js';
import { expectInVocabulary, UNREAD_VENDOR_EVENT } from '../support/drafts.js';

const FIXTURES = vendorFixtures(treezor);
const SECRET = 'test_webhook_secret';
const NO_BASE: BaseCredentials = { allowUnauthenticated: false };

/** Fixture bodies are read as bytes and decoded as ingest does; never edited in place. */
const { readBody, verifyBody: verify, normalizeBody: normalize } = FIXTURES;

const credentials = (secret: Record<string, unknown>, base: BaseCredentials = NO_BASE) =>
  FIXTURES.credentials(secret, base);
const fixtureCredentials = credentials(FIXTURES.secret());

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
        const payload = JSON.stringify(
          (JSON.parse(unsigned) as { object_payload: unknown }).object_payload,
        );
        // Unsigned, the dedup id is still the digest of the payload's text, as for signed ones.
        expect(verify(unsigned, creds)).toEqual({ ok: true, dedupId: bodyHash(payload) });
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
    ['not JSON', 'webhook=user.update'],
    ['empty', ''],
    ['truncated JSON', body.slice(0, -1)],
  ])('refuses a body that is %s as malformed_body', (_name, text) => {
    expect(verify(text)).toEqual({ ok: false, reason: 'malformed_body' });
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
    const expected = JSON.parse(readBody('qes.created.expected.json')) as Expected;
    const wrapped = `{"messageId":"m-1","webhookId":"w-outer","webhook":${flat},"clientId":"516899"}`;
    expect(verify(wrapped)).toEqual({ ok: true, dedupId: expected.dedupId, matched: 'raw-span' });
    // A decoy payload beside the envelope is not what is checked.
    const decoy = wrapped.replace('{"messageId"', '{"object_payload":{"x":1},"messageId"');
    expect(verify(decoy)).toMatchObject({ ok: true, matched: 'raw-span' });
    expect(verify(wrapped.replace('"STARTED"', '"SUCCESS"'))).toEqual({
      ok: false,
      reason: 'invalid_signature',
    });
  });

  describe('dedup id: the SHA-256 of exactly the signed bytes', () => {
    const payload = '{"a":1}';
    const inner = (id: string) =>
      `{"webhook":"user.update",${id}"object_payload":${payload},"object_payload_signature":"${hmac(payload)}"}`;
    it.each([
      [
        'an inner webhook_id',
        `{"messageId":"m","webhookId":"o","webhook":${inner('"webhook_id":"i",')}}`,
      ],
      ['a numeric inner webhook_id', inner('"webhook_id":1234,')],
      ['an outer webhookId', `{"messageId":"m","webhookId":"o","webhook":${inner('')}}`],
      ['a messageId', `{"messageId":"m","webhook":${inner('')}}`],
      ['a webhookId in a flat body', inner('"webhookId":"o",')],
      ['no id at all', inner('')],
    ])('whatever the unsigned envelope says: %s', (_name, text) => {
      expect(verify(text)).toEqual({ ok: true, dedupId: bodyHash(payload), matched: 'raw-span' });
    });

    it('the same for a payload re-serialised on the way (verified by re-encoding)', () => {
      const pretty = `{"webhook":"user.update","object_payload":{ "a" : 1 },"object_payload_signature":"${hmac(payload)}"}`;
      expect(verify(pretty)).toEqual({
        ok: true,
        dedupId: bodyHash(payload),
        matched: 're-encoded',
      });
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

describe('answers', () => {
  it('asks for a 5xx on a failed or missing signature, as Treezor documents, so it retries', () => {
    const policy = answerPolicyOf(treezor.answers);
    expect(policy.refused.invalid_signature).toBe(503);
    expect(policy.refused.missing_signature).toBe(503);
    expect(policy.accepted).toBe(200);
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

  describe('occurredAt from the signed payload, never from webhook_created_at', () => {
    it.each([
      // Paris wall-clock times: UTC+2 in summer, UTC+1 in winter.
      [
        'a user in summer',
        'user.update',
        { users: [{ userId: '7', modifiedDate: '2022-05-18 12:21:12' }] },
        '2022-05-18T10:21:12.000Z',
      ],
      [
        'a user in winter',
        'user.update',
        { users: [{ userId: '7', modifiedDate: '2022-01-18 12:21:12' }] },
        '2022-01-18T11:21:12.000Z',
      ],
      [
        'a user never modified: createdDate',
        'user.create',
        {
          users: [
            {
              userId: '7',
              modifiedDate: '0000-00-00 00:00:00',
              createdDate: '2022-01-18 12:00:00',
            },
          ],
        },
        '2022-01-18T11:00:00.000Z',
      ],
      [
        'a document',
        'document.update',
        { documents: [{ documentId: 'd', modifiedDate: '2020-05-13 18:28:43' }] },
        '2020-05-13T16:28:43.000Z',
      ],
      [
        'a KYC review: the later of review and request',
        'kycreview.result',
        {
          userId: 1,
          kycStatus: 'VALIDATED',
          lastRequestDatetime: '2015-02-25T11:06:39Z',
          lastReviewDatetime: '2015-02-25T15:06:39Z',
        },
        '2015-02-25T15:06:39.000Z',
      ],
      [
        'a KYC request, not yet reviewed',
        'kycreview.request',
        {
          userId: 1,
          kycStatus: 'PENDING',
          lastRequestDatetime: '2015-02-25T11:06:39Z',
          lastReviewDatetime: null,
        },
        '2015-02-25T11:06:39.000Z',
      ],
      [
        'a liveness check',
        'kycliveness.update',
        {
          user_id: 'u',
          'kyc-status': 'processing',
          'started-at': '2024-03-08T05:32:37.100594Z',
          'updated-at': '2024-03-08T05:37:26.076003Z',
        },
        '2024-03-08T05:37:26.076Z',
      ],
      [
        'a liveness check not updated yet',
        'kycliveness.create',
        { user_id: 'u', 'kyc-status': 'initiated', 'started-at': '2024-03-08T05:32:37.100594Z' },
        '2024-03-08T05:32:37.100Z',
      ],
      [
        'an identification',
        'qes.processing',
        {
          transactionNumber: 't',
          result: 'CHECK_PENDING',
          identificationTime: '2024-06-27T09:16:23+02:00',
        },
        '2024-06-27T07:16:23.000Z',
      ],
      [
        'an identification just started',
        'qes.created',
        { transactionNumber: 't', result: 'STARTED', identificationTime: '' },
        undefined,
      ],
      [
        'a garbage date',
        'user.update',
        { users: [{ userId: '7', modifiedDate: 'yesterday' }] },
        undefined,
      ],
    ])('%s', (_name, event, payload, expected) => {
      const draft = only(
        normalize(delivery(event, payload, { webhook_created_at: 16532945786168 })),
      );
      expect(draft.occurredAt).toBe(expected);
      if (expected === undefined) expect(draft).not.toHaveProperty('occurredAt');
    });
  });

  describe('users: kycReview and kycLevel (Treezor codes, sent as strings or numbers)', () => {
    it.each(knownAnswers<[string, string, Status]>(FIXTURES, 'kyc-review-codes.json'))(
      'kycReview %s (%s) is %s',
      (code, word, status) => {
        for (const kycReview of [code, Number(code)]) {
          const draft = only(
            normalize(
              delivery('user.kycreview', { users: [{ userId: '7', kycReview, kycLevel: '2' }] }),
            ),
          );
          expect(draft).toMatchObject({ status, scope: 'verification' });
          expect(draft.vendorStatus).toBe(`kycReview=${word} kycLevel=REGULAR`);
        }
      },
    );

    it.each(knownAnswers<[string, string]>(FIXTURES, 'kyc-level-codes.json'))(
      'kycLevel %s (%s); only REFUSED overrides a validated review',
      (code, word) => {
        const draft = only(
          normalize(
            delivery('user.update', { users: [{ userId: '7', kycReview: '2', kycLevel: code }] }),
          ),
        );
        expect(draft.vendorStatus).toBe(`kycReview=VALIDATED kycLevel=${word}`);
        expect(draft.status).toBe(word === 'REFUSED' ? 'rejected' : 'approved');
      },
    );

    it('reads cancellation from the signed userStatus, whatever the codes say', () => {
      const draft = only(
        normalize(
          delivery('user.update', {
            users: [{ userId: '7', userStatus: 'CANCELED', kycReview: '2' }],
          }),
        ),
      );
      expect(draft).toMatchObject({ status: 'cancelled', vendorStatus: 'userStatus=CANCELED' });
    });

    it('never cancels on the unsigned event name alone', () => {
      const draft = only(
        normalize(
          delivery('user.cancel', {
            users: [{ userId: '7', userStatus: 'VALIDATED', kycReview: '2' }],
          }),
        ),
      );
      expect(draft.status).toBe('approved');
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

  describe('signed status words: one draft each, its subject and scope set by the reader', () => {
    const user = { kind: 'user', id: 'u' } as const;
    const step = (kind: string, id: string) => ({ kind, id, parent: user });
    /** Per event: the payload that carries a word, the word's field, and the rest of the draft. */
    const READERS: Readonly<
      Record<string, { payload: (word: string) => unknown; field: string; draft: object }>
    > = {
      'kycreview.result': {
        payload: (word) => ({ userId: 1, kycStatus: word, kycReview: 0 }),
        field: 'kycStatus',
        draft: {
          detailType: 'KYC Verification Updated',
          subject: { kind: 'user', id: '1' },
          scope: 'verification',
        },
      },
      'document.update': {
        payload: (word) => ({
          documents: [{ documentId: 'd', userId: 'u', documentStatus: word }],
        }),
        field: 'documentStatus',
        draft: {
          detailType: 'KYC Document Updated',
          subject: step('document', 'd'),
          scope: 'step',
        },
      },
      'kycliveness.update': {
        payload: (word) => ({ user_id: 'u', 'kyc-status': word }),
        field: 'kyc-status',
        draft: {
          detailType: 'KYC Verification Updated',
          subject: step('liveness', 'u'),
          scope: 'step',
        },
      },
      ...Object.fromEntries(
        ['qes.finalized', 'videoConference.finalized'].map((event) => [
          event,
          {
            payload: (word: string) => ({ userId: 'u', transactionNumber: 't', result: word }),
            field: 'result',
            draft: {
              detailType: 'KYC Verification Updated',
              subject: step('identification', 't'),
              scope: 'step',
            },
          },
        ]),
      ),
    };

    it.each(knownAnswers<[string, string, Status]>(FIXTURES, 'signed-status-words.json'))(
      '%s: %s is %s',
      (event, word, status) => {
        const { payload, field, draft } = READERS[event] as (typeof READERS)[string];
        expect(only(normalize(delivery(event, payload(word))))).toEqual({
          ...draft,
          vendorEventType: event,
          status,
          vendorStatus: `${field}=${word}`,
        });
      },
    );
  });

  describe('KYC reviews (new life cycle): kycStatus', () => {
    it('falls back to the kycReview code for another word', () => {
      const draft = only(
        normalize(
          delivery('kycreview.result', { userId: 1, kycStatus: 'REVIEW_OPEN', kycReview: 6 }),
        ),
      );
      expect(draft).toMatchObject({ status: 'needs_info', vendorStatus: 'kycStatus=REVIEW_OPEN' });
    });
  });

  describe('documents: documentStatus, each a step of its user', () => {
    it('never cancels on the unsigned name document.cancel alone', () => {
      const draft = only(
        normalize(
          delivery('document.cancel', {
            documents: [{ documentId: 'd', documentStatus: 'VALIDATED' }],
          }),
        ),
      );
      expect(draft.status).toBe('approved');
    });
  });

  describe("live verification: Ubble's words, the user's liveness step", () => {
    const liveness = (payload: Record<string, unknown>) =>
      only(normalize(delivery('kycliveness.update', { user_id: 'u', ...payload })));

    it.each([
      [1, 'approved'],
      [0, 'rejected'],
      // Undecidable: the user must try again.
      [-1, 'needs_info'],
    ])('processed with score %s is %s', (score, status) => {
      expect(liveness({ 'kyc-status': 'processed', score })).toMatchObject({
        status,
        vendorStatus: `kyc-status=processed score=${score}`,
      });
    });

    it('processed with refusal-details beside a score of 1 is rejected', () => {
      expect(
        liveness({ 'kyc-status': 'processed', score: 1, 'refusal-details': {} }),
      ).toMatchObject({
        status: 'rejected',
      });
    });

    it('processed without a score is unknown', () => {
      expect(liveness({ 'kyc-status': 'processed' }).status).toBe('unknown');
    });

    it('names no subject from the unsigned object_id', () => {
      const draft = only(normalize(delivery('kycliveness.update', { 'kyc-status': 'processing' })));
      expect(draft).not.toHaveProperty('subject');
    });
  });

  describe.each(['qes.finalized', 'videoConference.finalized'])(
    "%s: IDnow's result words, an identification step",
    (event) => {
      it('never takes the subject from the unsigned object_id, and is unknown for another result', () => {
        const draft = only(normalize(delivery(event, { result: 'SOMETHING_NEW' })));
        expect(draft).toMatchObject({ status: 'unknown', vendorStatus: 'result=SOMETHING_NEW' });
        expect(draft).not.toHaveProperty('subject');
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

  it('chooses the reader by the signed payload, and labels a contradicting name unknown', () => {
    const user = { users: [{ userId: '7', kycReview: '2' }] };
    expect(only(normalize(delivery('qes.finalized', user)))).toMatchObject({
      vendorEventType: 'unknown',
      subject: { kind: 'user', id: '7' },
      status: 'approved',
    });
    expect(only(normalize(delivery('user.kycreview', user))).vendorEventType).toBe(
      'user.kycreview',
    );
  });

  it('publishes any other event as a KYC Vendor Event of its own, naming no subject', () => {
    expect(normalize(delivery('card.create', { cards: [] }, { object: 'card' }))).toEqual([
      {
        detailType: 'KYC Vendor Event',
        vendorEventType: 'card.create',
        status: 'unknown',
        scope: 'other',
        vendorStatus: null,
      },
    ]);
  });

  it('gives an unrecognised shape one unknown draft without a subject', () => {
    expect(normalize('{}')).toEqual([UNREAD_VENDOR_EVENT]);
  });

  it.each([
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
    for (const draft of drafts) expectInVocabulary(draft);
  });
});
