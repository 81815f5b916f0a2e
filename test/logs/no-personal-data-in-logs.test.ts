import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { issueAccessToken } from '../../lambdas/core/access-token.js';
import { parseJson } from '../../lambdas/core/json.js';
import type { Vendor } from '../../lambdas/core/vendor.js';
import { ONDATO_TOKEN_AUDIENCE } from '../../lambdas/vendors/ondato.js';
import { findVendor, VENDORS } from '../../lambdas/vendors/registry.js';
import { LOCAL_SECRETS, localCredentials } from '../support/credentials.js';
import { useTestPipeline } from '../support/local-pipeline.js';
import { publishedDetails, waitFor } from '../support/wait.js';

/**
 * DESIGN §4.7, "no personal data or secrets in logs", held for the whole pipeline: every fixture
 * of every vendor (the signed ones, the vendors' own source examples and the unsigned ones) goes
 * through local mode — the real ingest, processor and token handlers with real Powertools
 * loggers at DEBUG — plus refused deliveries carrying forged signatures and credentials. Every
 * byte written to stdout, stderr or the console meanwhile is captured and searched for each
 * personal value in the fixtures and each secret, token, signature and Authorization value.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures');

/* --------------------------------------------------------------------- what must not leak */

/**
 * Fields whose values are personal data, as each vendor declares them (`testing.personal`),
 * checked in every vendor's fixtures (compared without case): a field one vendor calls personal
 * is kept out of logs wherever it appears.
 */
const PERSONAL_FIELDS = new Set(
  VENDORS.flatMap((vendor) => vendor.testing.personal.fields).map((f) => f.toLowerCase()),
);

/** Free-text fields: personal when they hold a sentence (a reviewer naming the applicant). */
const FREE_TEXT_FIELDS = new Set(
  VENDORS.flatMap((vendor) => vendor.testing.personal.freeTextFields).map((f) => f.toLowerCase()),
);

/** Every JSON file under a vendor's fixture folder, except expectations and credentials. */
function bodyFiles(vendorId: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return walk(path);
      return entry.endsWith('.json') &&
        !entry.endsWith('.expected.json') &&
        entry !== 'credentials.json'
        ? [path]
        : [];
    });
  return walk(join(FIXTURES, vendorId)).sort();
}

/**
 * Calls `visit` with every member of every object in `json`, arrays included; a member is
 * searched in turn unless `visit` answers `true` (it has taken the value).
 */
function visitMembers(json: unknown, visit: (key: string, item: unknown) => boolean): void {
  const stack: unknown[] = [json];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...(value as unknown[]));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) if (!visit(key, item)) stack.push(item);
    }
  }
}

function personalValues(json: unknown, found = new Set<string>()): Set<string> {
  visitMembers(json, (key, item) => {
    if (typeof item !== 'string') return false;
    const field = key.toLowerCase();
    const personal =
      PERSONAL_FIELDS.has(field) || (FREE_TEXT_FIELDS.has(field) && /\s/.test(item.trim()));
    if (personal && item.trim().length >= 3) found.add(item.trim());
    return true;
  });
  return found;
}

/** Every string in a secret, plus what a Basic value hides: the token, `user:password`, the password. */
function secretValues(json: unknown, found = new Set<string>()): Set<string> {
  const stack: unknown[] = [json];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') addCredential(value, found);
    else if (Array.isArray(value)) stack.push(...(value as unknown[]));
    else if (typeof value === 'object' && value !== null) stack.push(...Object.values(value));
  }
  return found;
}

function addCredential(value: string, found: Set<string>): void {
  // Addresses in allow-lists are configuration, not secrets.
  if (/^[\d.:/a-f]+$/i.test(value) && value.includes('.')) return;
  found.add(value);
  const match = /^(basic|bearer)\s+(\S+)$/i.exec(value.trim());
  const token = match?.[2];
  if (token === undefined) return;
  found.add(token);
  if (match?.[1]?.toLowerCase() === 'basic') {
    const pair = Buffer.from(token, 'base64').toString('utf8');
    found.add(pair);
    const password = pair.slice(pair.indexOf(':') + 1);
    if (password.length >= 6) found.add(password);
  }
}

/** The signature values a body carries (Treezor's and bronID's in-body signatures). */
function signatureValues(json: unknown, found = new Set<string>()): Set<string> {
  visitMembers(json, (key, item) => {
    if (key === 'object_payload_signature' && typeof item === 'string') found.add(item);
    else if (key === 'signature' && typeof item === 'object' && item !== null) {
      for (const digest of Object.values(item)) {
        if (typeof digest === 'string' && digest.length > 16) {
          found.add(digest);
          // The bare digest too: a log could strip the prefix.
          found.add(digest.replace(/^bronid_sec_(sha256|keccak256)_/, ''));
        }
      }
    } else return false;
    return true;
  });
  return found;
}

/* ----------------------------------------------------------------------- capturing output */

const captured: string[] = [];
const restorers: (() => void)[] = [];

function capture(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    // Swallowed, not passed on: DEBUG output would bury the test report.
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      captured.push(
        typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'),
      );
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
    restorers.push(() => {
      stream.write = original;
    });
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const spy = vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      captured.push(
        args.map((arg) => (typeof arg === 'string' ? arg : safeStringify(arg))).join(' '),
      );
    });
    restorers.push(() => spy.mockRestore());
  }
}

function safeStringify(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ''}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/* --------------------------------------------------------------------------- the pipeline */

const previousLevel = process.env['POWERTOOLS_LOG_LEVEL'];
// Registered ahead of the pipeline's hooks: output is captured from before it starts until after
// it stops.
beforeAll(() => {
  // Read by every Powertools Logger when it is built: the handlers log everything they can.
  process.env['POWERTOOLS_LOG_LEVEL'] = 'DEBUG';
  capture();
});
afterAll(() => {
  for (const restore of restorers.splice(0).reverse()) restore();
  if (previousLevel === undefined) delete process.env['POWERTOOLS_LOG_LEVEL'];
  else process.env['POWERTOOLS_LOG_LEVEL'] = previousLevel;
});
// Unlike the other tests, the pipeline prints each event and logs at that level: all of it is
// output this test judges.
const used = useTestPipeline({ printEvent: undefined, logLevel: undefined });

/** Values sent during the run that must not be logged: tokens issued, signatures, forgeries. */
const sentSecrets = new Set<string>();
/** Event ids the pipeline must publish before the logs are judged. */
const expectedEventIds = new Set<string>();
const statuses: { file: string; status: number }[] = [];

function routeFor(vendor: Vendor, file: string): string {
  const expected = join(FIXTURES, vendor.id, `${basename(file, '.json')}.expected.json`);
  try {
    return (JSON.parse(readFileSync(expected, 'utf8')) as { route: string }).route;
  } catch {
    return vendor.routes[0] ?? '';
  }
}

async function post(path: string, body: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(used.pipeline.urls.server + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  await response.text();
  return response.status;
}

/** Ondato fetches a token with its client credentials, as in production. */
async function ondatoToken(): Promise<string> {
  const client = (
    LOCAL_SECRETS['ondato']?.['oauthClients'] as { clientId: string; clientSecret: string }[]
  )[0];
  if (!client || !used.pipeline.urls.ondatoToken)
    throw new Error('local Ondato OAuth client missing');
  const response = await fetch(used.pipeline.urls.ondatoToken, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
    }).toString(),
  });
  const { access_token: token } = (await response.json()) as { access_token: string };
  sentSecrets.add(token);
  return token;
}

/** Sends one fixture file as its vendor would, and records what the pipeline must publish. */
async function sendFixture(
  vendor: Vendor,
  file: string,
  bearer: string | undefined,
): Promise<void> {
  const raw = readFileSync(file, 'utf8');
  const route = routeFor(vendor, file);
  const credentials = localCredentials(vendor);
  const unsigned = relative(join(FIXTURES, vendor.id), file).startsWith('unsigned');
  let body = raw;
  let headers: Record<string, string> = {};
  if (!unsigned) {
    try {
      ({ body, headers } = vendor.sign(raw, route, credentials));
    } catch {
      // Not a body this vendor can sign (a vendor's example as printed): sent as it is.
    }
  }
  if (bearer !== undefined) headers = { authorization: `Bearer ${bearer}` };
  for (const value of signatureValues(parseJson(body))) sentSecrets.add(value);
  const status = await post(route, body, headers);
  statuses.push({ file: relative(FIXTURES, file), status });
  if (status !== 200) return;
  const verification = vendor.verify(
    {
      route,
      body,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
      sourceIp: '127.0.0.1',
      now: new Date(),
    },
    credentials,
  );
  if (!verification.ok) throw new Error(`${file}: accepted by the pipeline, refused locally`);
  const drafts = vendor.normalize({
    route,
    body,
    json: parseJson(body),
    receivedAt: new Date().toISOString(),
  });
  const id = `${vendor.id}:${verification.dedupId}`;
  drafts.forEach((_, i) => expectedEventIds.add(drafts.length === 1 ? id : `${id}#${i}`));
}

/** Deliveries that must be refused, carrying forged signatures and credentials. */
async function sendForgeries(): Promise<void> {
  const forgedSignature = Buffer.from('forged-treezor-signature-0123456789abcdef').toString(
    'base64',
  );
  const forgedDigest = `${'c0ffee'.repeat(10)}beef`;
  const forgedPassword = 'forged-password-7731';
  const forgedBasic = `Basic ${Buffer.from(`intruder:${forgedPassword}`).toString('base64')}`;
  const forgedBearer = 'Bearer forged-bearer-token-9f2c61d0';
  const foreignJwt = issueAccessToken(
    { clientId: 'intruder', audience: ONDATO_TOKEN_AUDIENCE, now: new Date(), ttlSeconds: 300 },
    'a-foreign-signing-key-that-we-never-configured',
  );
  for (const value of [
    forgedSignature,
    forgedDigest,
    forgedBasic,
    forgedPassword,
    forgedBearer,
    foreignJwt,
  ]) {
    addCredential(value, sentSecrets);
  }

  const treezorBody = readFileSync(
    join(FIXTURES, 'treezor', 'user.kycreview.json'),
    'utf8',
  ).replace(
    /"object_payload_signature":"[^"]*"/,
    `"object_payload_signature":"${forgedSignature}"`,
  );
  const bronidBody = readFileSync(join(FIXTURES, 'bronid', 'verified.json'), 'utf8').replace(
    /"signature":\{[^}]*\}/,
    `"signature":{"version":"1","sha256":"bronid_sec_sha256_${forgedDigest}","keccak256":"bronid_sec_keccak256_${forgedDigest}"}`,
  );
  const idwiseBody = readFileSync(
    join(FIXTURES, 'idwise', 'finished-journey-complete.json'),
    'utf8',
  );
  const ondatoBody = readFileSync(
    join(FIXTURES, 'ondato', 'kyc-identification-rejected-free-text.json'),
    'utf8',
  );
  const truuthBody = readFileSync(join(FIXTURES, 'truuth', 'callback-pass.json'), 'utf8');
  const refusals: [string, string, Record<string, string>][] = [
    ['/webhooks/treezor', treezorBody, {}],
    ['/webhooks/bronid', bronidBody, {}],
    ['/webhooks/idwise', idwiseBody, { authorization: forgedBasic }],
    ['/webhooks/idwise', idwiseBody, { authorization: forgedBearer, 'x-api-key': forgedPassword }],
    ['/webhooks/ondato', ondatoBody, { authorization: forgedBasic }],
    ['/webhooks/ondato', ondatoBody, { authorization: `Bearer ${foreignJwt}` }],
    ['/webhooks/truuth/callback', truuthBody, { authorization: forgedBearer }],
  ];
  for (const [route, body, headers] of refusals) {
    expect(await post(route, body, headers), route).not.toBe(200);
  }
  const client = (LOCAL_SECRETS['ondato']?.['oauthClients'] as { clientId: string }[])[0];
  const refusedToken = await fetch(used.pipeline.urls.ondatoToken ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: forgedBasic },
    body: `grant_type=client_credentials&client_id=${encodeURIComponent(client?.clientId ?? '')}`,
  });
  expect(refusedToken.status).not.toBe(200);
}

function publishedEventIds(): Set<string> {
  return new Set(publishedDetails(used.pipeline.eventsFile).map((detail) => detail.eventId));
}

beforeAll(async () => {
  const token = await ondatoToken();
  for (const vendor of VENDORS) {
    for (const [i, file] of bodyFiles(vendor.id).entries()) {
      // Half of Ondato's deliveries come with a token from our endpoint, half with Basic.
      await sendFixture(vendor, file, vendor.id === 'ondato' && i % 2 === 1 ? token : undefined);
    }
  }
  await sendForgeries();

  await waitFor(
    'the pipeline to publish every accepted fixture',
    () => [...expectedEventIds].every((id) => publishedEventIds().has(id)),
    // Generous: every fixture of every vendor goes through, on two shared cores.
    45_000,
  );
}, 90_000);

/* --------------------------------------------------------------------------------- checks */

/** Short values must stand alone (`Oak`, not the `oak` inside a hex digest); long ones anywhere. */
function leaks(text: string, needle: string): boolean {
  const forms = new Set([needle, JSON.stringify(needle).slice(1, -1)]);
  for (const form of forms) {
    if (
      form.length >= 8
        ? text.includes(form)
        : new RegExp(`(^|[^\\p{L}\\p{N}])${escape(form)}($|[^\\p{L}\\p{N}])`, 'u').test(text)
    ) {
      return true;
    }
  }
  return false;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('no personal data or secrets in logs', () => {
  it('ran every fixture through the pipeline at DEBUG and captured its output', () => {
    const output = captured.join('');
    expect(statuses.length).toBeGreaterThan(100);
    expect(expectedEventIds.size).toBeGreaterThan(80);
    // The capture works: the handlers' own lines are in it, refusals included.
    expect(output).toContain('"message":"delivery accepted"');
    expect(output).toContain('"message":"delivery refused"');
    expect(output).toContain('"reason":"invalid_signature"');
    expect(output).toContain('"message":"event published"');
    expect(output).toContain('"message":"token issued"');
  });

  it.each(VENDORS.map((vendor) => [vendor.id] as const))(
    'logs none of the personal data in the %s fixtures',
    (vendorId) => {
      const values = new Set<string>();
      for (const file of bodyFiles(vendorId))
        personalValues(parseJson(readFileSync(file, 'utf8')), values);
      // The vendor's hand-made list is a subset of what the field names find, so neither can
      // drift; a vendor whose fixtures hold personal data must name some of it.
      const { knownValues } = findVendor(vendorId)?.testing.personal ?? { knownValues: [] };
      for (const known of knownValues) expect(values, known).toContain(known);
      expect(values.size > 0, `${vendorId} declares no known personal values`).toBe(
        knownValues.length > 0,
      );
      const output = captured.join('');
      const leaked = [...values].filter((value) => leaks(output, value));
      expect(leaked).toEqual([]);
    },
  );

  it('logs no secret, token, signature or Authorization value', () => {
    const needles = new Set<string>(sentSecrets);
    for (const secret of Object.values(LOCAL_SECRETS)) secretValues(secret, needles);
    for (const vendor of VENDORS) {
      secretValues(
        JSON.parse(readFileSync(join(FIXTURES, vendor.id, 'credentials.json'), 'utf8')),
        needles,
      );
      for (const file of bodyFiles(vendor.id))
        signatureValues(parseJson(readFileSync(file, 'utf8')), needles);
    }
    expect(needles.size).toBeGreaterThan(30);
    const output = captured.join('');
    const leaked = [...needles].filter((needle) => needle.length >= 6 && leaks(output, needle));
    expect(leaked).toEqual([]);
  });
});
