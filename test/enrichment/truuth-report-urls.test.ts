import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Verification } from '../../lambdas/core/vendor.js';
import { truuth } from '../../lambdas/vendors/truuth.js';
import { localCredentials } from '../support/credentials.js';

const ROUTE = '/webhooks/truuth/callback';
const PASS = readFileSync(
  fileURLToPath(new URL('../fixtures/truuth/callback-pass.json', import.meta.url)),
  'utf8',
);

function verify(body: string): Verification {
  const credentials = localCredentials(truuth);
  const { headers } = truuth.sign(body, ROUTE, credentials);
  return truuth.verify(
    { route: ROUTE, body, headers, sourceIp: '203.0.113.9', now: new Date() },
    credentials,
  );
}

function dedupIdOf(body: string): string {
  const verification = verify(body);
  if (!verification.ok) throw new Error(`refused: ${verification.reason}`);
  return verification.dedupId;
}

/** The fixture with its report link signed anew, as a retry after the link's expiry may be. */
function resigned(body: string, signature: string): string {
  return body.replace(
    /X-Amz-Expires=\d+&X-Amz-Signature=[^"]+/,
    `X-Amz-Expires=600&X-Amz-Signature=${signature}`,
  );
}

describe('Truuth: pre-signed report links do not make a retry a new event', () => {
  it('gives a retry whose report link was signed anew the dedup id of the first delivery', () => {
    const again = resigned(PASS, 'ffffresigned');
    expect(again).not.toBe(PASS);
    expect(dedupIdOf(again)).toBe(dedupIdOf(PASS));
  });

  it("still tells apart deliveries that differ anywhere else, the link's path included", () => {
    expect(dedupIdOf(PASS.replace('"PASS"', '"FAIL"'))).not.toBe(dedupIdOf(PASS));
    expect(dedupIdOf(PASS.replace('/report.pdf?', '/other.pdf?'))).not.toBe(dedupIdOf(PASS));
  });

  it('reads the link with JSON-escaped slashes the same way', () => {
    const escaped = PASS.replace(
      'https://reports.example.com/fixtures/6f1c2a9e/report.pdf',
      'https:\\/\\/reports.example.com\\/fixtures\\/6f1c2a9e\\/report.pdf',
    );
    expect(dedupIdOf(resigned(escaped, 'aa'))).toBe(dedupIdOf(resigned(escaped, 'bb')));
  });
});
