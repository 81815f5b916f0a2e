import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBaseCredentials } from '../../lambdas/core/credentials.js';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import { parseJson } from '../../lambdas/core/json.js';
import type { Vendor, WebhookRequest } from '../../lambdas/core/vendor.js';
import { findVendorByRoute } from '../../lambdas/vendors/registry.js';
import { vendorFixtures, type Fixture } from '../support/vendor-fixtures.js';
import { expectInVocabulary } from '../support/drafts.js';

/**
 * The contract every registered vendor must pass, on its byte-exact fixtures in
 * test/fixtures/<vendor>/: `<name>.json` (the body as the vendor sends it) beside
 * `<name>.expected.json` (route, headers to send, dedup id, normalized drafts).
 */

const NOW = new Date('2026-06-01T12:00:00.000Z');
const RECEIVED_AT = '2026-06-01T12:00:00.000Z';

function requestFor(fixture: Fixture, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    route: fixture.expected.route,
    body: fixture.body,
    headers: fixture.expected.headers ?? {},
    sourceIp: '203.0.113.1',
    now: NOW,
    ...overrides,
  };
}

/**
 * The body with one character changed in its most deeply nested string value: vendors that sign
 * in the body sign the nested payload, while envelope fields beside it may be unsigned.
 */
function tamper(body: string): string {
  let depth = 0;
  let best = { depth: -1, at: -1 };
  for (let i = 0; i < body.length; i += 1) {
    const char = body[i];
    if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') depth -= 1;
    else if (char === '"') {
      const start = i;
      for (i += 1; i < body.length && body[i] !== '"'; i += 1) if (body[i] === '\\') i += 1;
      const isValue = /^\s*[,}\]]/.test(body.slice(i + 1));
      const plain = /^[A-Za-z0-9 ]{2,}$/.test(body.slice(start + 1, i));
      if (isValue && plain && depth > best.depth) best = { depth, at: start + 1 };
    }
  }
  if (best.at < 0) throw new Error('nothing to tamper with');
  const swapped = body[best.at] === 'a' ? 'b' : 'a';
  return body.slice(0, best.at) + swapped + body.slice(best.at + 1);
}

/** The contract one vendor must pass; every registered vendor runs it (below). */
export function describeVendorContract(vendor: Vendor): void {
  describe(`vendor contract: ${vendor.id}`, () => {
    const fixtureSet = vendorFixtures(vendor);
    const fixtures = fixtureSet.all();
    const credentials = fixtureSet.credentials();

    it('has fixtures and development credentials', () => {
      expect(fixtures.length).toBeGreaterThan(0);
      expect(existsSync(join(fixtureSet.dir, 'README.md'))).toBe(true);
    });

    it('reads the secret its rotation facts describe, and refuses each of its keys mistyped', () => {
      const { rotation } = vendor.testing;
      const secret = rotation.secret([rotation.credential('a'), rotation.credential('b')]);
      expect(() =>
        vendor.parseCredentials(secret, parseBaseCredentials(secret, vendor.id)),
      ).not.toThrow();
      expect(vendor.secretKeys.length).toBeGreaterThan(0);
      for (const key of vendor.secretKeys) {
        expect(
          () => vendor.parseCredentials({ [key]: 42 }, { allowUnauthenticated: false }),
          `"${key}": 42`,
        ).toThrow(ConfigurationError);
      }
    });

    it('signs with the first credential its secret lists, and verifies with any listed', () => {
      const { rotation } = vendor.testing;
      const fixture = fixtureSet.read(rotation.fixture);
      const withOnly = (names: string[]) => {
        const secret = rotation.secret(names.map((name) => rotation.credential(name)));
        return vendor.parseCredentials(secret, parseBaseCredentials(secret, vendor.id));
      };
      const signed = vendor.sign(fixture.body, fixture.expected.route, withOnly(['a', 'b']));
      const sent = requestFor(fixture, { body: signed.body, headers: signed.headers });
      expect(vendor.verify(sent, withOnly(['a'])).ok, 'verified by the first').toBe(true);
      expect(vendor.verify(sent, withOnly(['b'])).ok, 'verified by the second').toBe(false);
      // During a rotation both are listed, the new one first or last: either order accepts.
      expect(vendor.verify(sent, withOnly(['b', 'a'])).ok, 'listed second').toBe(true);
    });

    it('owns routes under /webhooks/<id> that no other vendor claims', () => {
      expect(vendor.routes.length).toBeGreaterThan(0);
      for (const route of vendor.routes) {
        expect(route.startsWith(`/webhooks/${vendor.id}`)).toBe(true);
        expect(findVendorByRoute(route)).toBe(vendor);
      }
    });

    describe.each(fixtures.map((f) => [f.name, f] as const))('fixture %s', (_name, fixture) => {
      it('is accepted as sent, with the documented dedup id', () => {
        const verification = vendor.verify(requestFor(fixture), credentials);
        expect(verification).toMatchObject({ ok: true });
      });

      it('normalizes to the expected events in the shared vocabulary', () => {
        const drafts = vendor.normalize({
          route: fixture.expected.route,
          body: fixture.body,
          json: parseJson(fixture.body),
          receivedAt: RECEIVED_AT,
        });
        expect(drafts).toEqual(fixture.expected.events);
        for (const draft of drafts) expectInVocabulary(draft);
      });

      it('is refused without its credentials', () => {
        const stripped = vendor.verify(requestFor(fixture, { headers: {} }), {
          ...credentials,
          allowUnauthenticated: false,
        });
        const { rotation } = vendor.testing;
        for (const secret of [{}, rotation.secret([])]) {
          const listed = JSON.stringify(secret);
          const base = parseBaseCredentials(secret, vendor.id);
          expect(
            vendor.verify(requestFor(fixture), vendor.parseCredentials(secret, base)),
            `a secret that lists no credential: ${listed}`,
          ).toEqual({ ok: false, reason: 'no_credentials_configured' });
          // Open mode (development only) takes the delivery unproven.
          const open = { ...base, allowUnauthenticated: true };
          expect(
            vendor.verify(
              requestFor(fixture, { headers: {} }),
              vendor.parseCredentials(secret, open),
            ),
            `open mode with ${listed}`,
          ).toMatchObject({ ok: true });
        }
        // A signature in the body travels with it; a header proof does not.
        if (vendor.proof.kind !== 'body-signature') {
          expect(stripped.ok, 'accepted without its headers').toBe(false);
        }
      });

      it('in open mode, takes it unproven but refuses a wrong proof', () => {
        const open = { ...credentials, allowUnauthenticated: true };
        const sent = fixture.expected.headers ?? {};
        if (vendor.proof.kind === 'body-signature') {
          expect(vendor.verify(requestFor(fixture, { body: tamper(fixture.body) }), open).ok).toBe(
            false,
          );
          return;
        }
        expect(vendor.verify(requestFor(fixture, { headers: {} }), open)).toMatchObject({
          ok: true,
        });
        const names = Object.keys(sent);
        expect(names.length, 'the fixture sends its proof in headers').toBeGreaterThan(0);
        for (const name of names) {
          const wrong = { ...sent, [name]: `${sent[name] ?? ''}x` };
          expect(vendor.verify(requestFor(fixture, { headers: wrong }), open).ok, name).toBe(false);
        }
      });

      it('is refused when the body is altered, if the proof covers the body', () => {
        const result = vendor.verify(
          requestFor(fixture, { body: tamper(fixture.body) }),
          credentials,
        );
        // A shared secret in a header proves the sender, never the bytes.
        if (vendor.proof.kind === 'header-credential') expect(result).toMatchObject({ ok: true });
        else expect(result.ok).toBe(false);
      });

      if (vendor.proof.kind === 'header-signature') {
        const { headers } = vendor.proof;
        it.each(headers.map((name) => [name]))(
          'is refused when its signature header %s is missing or altered',
          (name) => {
            const sent = fixture.expected.headers ?? {};
            expect(sent[name], `the fixture sends no ${name} header`).toBeDefined();
            const { [name]: _dropped, ...without } = sent;
            expect(vendor.verify(requestFor(fixture, { headers: without }), credentials).ok).toBe(
              false,
            );
            const value = sent[name] ?? '';
            const altered = `${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}`;
            const result = vendor.verify(
              requestFor(fixture, { headers: { ...sent, [name]: altered } }),
              credentials,
            );
            expect(result.ok).toBe(false);
          },
        );
      }

      it('is accepted after sign(), the path the sender and tests use', () => {
        const signed = vendor.sign(fixture.body, fixture.expected.route, credentials);
        const result = vendor.verify(
          requestFor(fixture, { body: signed.body, headers: signed.headers }),
          credentials,
        );
        expect(result.ok).toBe(true);
      });
    });

    /** The drafts of `body` on each of the vendor's routes. */
    const normalizeBody = (body: string) =>
      vendor.routes.flatMap((route) => {
        const drafts = vendor.normalize({
          route,
          body,
          json: parseJson(body),
          receivedAt: RECEIVED_AT,
        });
        expect(drafts.length, route).toBeGreaterThan(0);
        return drafts;
      });

    it.each([['{}'], ['{"a":{"b":[1,{"c":null}]}}'], ['[]'], ['"text"'], ['3'], ['false']])(
      'normalizes any JSON (%s) to at least one event without throwing',
      (body) => {
        for (const draft of normalizeBody(body)) expectInVocabulary(draft);
      },
    );

    it.each([['[]'], ['null'], ['"text"'], ['3'], ['false'], ['not JSON at all']])(
      'reads no vendor words and no subject where there is no JSON object (%s)',
      (body) => {
        for (const draft of normalizeBody(body)) {
          expectInVocabulary(draft);
          expect(draft.vendorStatus).toBeNull();
          expect(draft).not.toHaveProperty('subject');
        }
      },
    );

    it('reads no vendor words and no subject in an empty object', () => {
      const drafts = normalizeBody('{}');
      expect(drafts).toHaveLength(vendor.routes.length);
      for (const draft of drafts) {
        expect(draft.vendorStatus).toBeNull();
        expect(draft).not.toHaveProperty('subject');
      }
    });
  });
}
