import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBaseCredentials } from '../lambdas/core/credentials.js';
import { STATUSES, type Status } from '../lambdas/core/event.js';
import type { BaseCredentials } from '../lambdas/core/vendor.js';
import { FileSecretSource } from '../local/file-secret-source.js';
import type { EventFacts, VendorProfile } from './vendor-profiles.js';

/** One fixture, read once: its body and what its `.expected.json` says it carries. */
export interface Template {
  readonly name: string;
  readonly route: string;
  readonly status: Status;
  readonly subjectKind: string;
  readonly json: Readonly<Record<string, unknown>>;
}

/** A delivery as its vendor sends it, and what the pipeline must make of it. */
export interface SignedDelivery {
  readonly route: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** `<vendor>:<dedup id>`, as the vendor's own `verify` derives it. */
  readonly eventId: string;
}

/** The address every soak delivery comes from; Ondato's local secret allows loopback. */
export const SOAK_SOURCE_IP = '127.0.0.1';

/**
 * Builds signed deliveries from fixtures: the body is varied by the vendor's profile, then
 * signed (or given its credential header) with the vendor's first credential from the local
 * secrets file, exactly as `npm run send` does.
 */
export class DeliveryFactory {
  private constructor(
    private readonly templates: ReadonlyMap<string, readonly Template[]>,
    private readonly credentials: ReadonlyMap<string, BaseCredentials>,
  ) {}

  static async load(
    profiles: readonly VendorProfile[],
    secretsFile: string,
    fixturesDir: string,
  ): Promise<DeliveryFactory> {
    const secrets = new FileSecretSource(secretsFile);
    const templates = new Map<string, Template[]>();
    const credentials = new Map<string, BaseCredentials>();
    for (const profile of profiles) {
      const id = profile.vendor.id;
      const read = await Promise.all(
        profile.fixtures.map((name) => readTemplate(fixturesDir, id, name)),
      );
      // Events of one subject are built from any of these, so they must name one kind of it.
      if (new Set(read.map((template) => template.subjectKind)).size !== 1) {
        throw new Error(`The soak's ${id} fixtures must all report on one kind of subject`);
      }
      templates.set(id, read);
      credentials.set(id, credentialsFor(profile, await secrets.get(id)));
    }
    return new DeliveryFactory(templates, credentials);
  }

  templatesOf(vendorId: string): readonly Template[] {
    return this.templates.get(vendorId) ?? [];
  }

  /** A genuine delivery of `template` carrying `facts`. */
  sign(profile: VendorProfile, template: Template, facts: EventFacts): SignedDelivery {
    const credentials = this.credentials.get(profile.vendor.id);
    if (!credentials) throw new Error(`No credentials loaded for ${profile.vendor.id}`);
    const signed = signWith(profile, template, facts, credentials);
    const verdict = profile.vendor.verify(
      {
        route: template.route,
        body: signed.body,
        headers: lowerCase(signed.headers),
        sourceIp: SOAK_SOURCE_IP,
        now: new Date(),
      },
      credentials,
    );
    if (!verdict.ok) {
      throw new Error(
        `The soak built a ${profile.vendor.id} delivery its own vendor refuses (${verdict.reason}); ` +
          'fix its profile in soak/vendor-profiles.ts',
      );
    }
    return { ...signed, eventId: `${profile.vendor.id}:${verdict.dedupId}` };
  }

  /** The same delivery signed with credentials the pipeline does not hold. */
  forge(
    profile: VendorProfile,
    template: Template,
    facts: EventFacts,
  ): Omit<SignedDelivery, 'eventId'> {
    return signWith(profile, template, facts, credentialsFor(profile, profile.forgerySecret));
  }
}

function signWith(
  profile: VendorProfile,
  template: Template,
  facts: EventFacts,
  credentials: BaseCredentials,
): Omit<SignedDelivery, 'eventId'> {
  const json = structuredClone(template.json) as Record<string, unknown>;
  profile.render(json, facts);
  const signed = profile.vendor.sign(JSON.stringify(json), template.route, credentials);
  return {
    route: template.route,
    body: signed.body,
    headers: { 'content-type': 'application/json', ...signed.headers },
  };
}

function credentialsFor(profile: VendorProfile, secret: unknown): BaseCredentials {
  const base = parseBaseCredentials(secret, profile.vendor.id);
  return profile.vendor.parseCredentials(secret as Record<string, unknown>, base);
}

async function readTemplate(dir: string, vendorId: string, name: string): Promise<Template> {
  const read = async (file: string): Promise<unknown> =>
    JSON.parse(await readFile(join(dir, vendorId, file), 'utf8')) as unknown;
  const json = await read(`${name}.json`);
  const expected = (await read(`${name}.expected.json`)) as {
    route?: unknown;
    events?: { status?: unknown; subject?: { kind?: unknown } }[];
  };
  const [event, ...others] = expected.events ?? [];
  const status = event?.status;
  const kind = event?.subject?.kind;
  if (
    others.length > 0 ||
    typeof expected.route !== 'string' ||
    typeof kind !== 'string' ||
    !STATUSES.includes(status as Status) ||
    typeof json !== 'object' ||
    json === null
  ) {
    throw new Error(
      `Fixture ${vendorId}/${name} does not fit the soak: it needs one event with a subject`,
    );
  }
  return {
    name,
    route: expected.route,
    status: status as Status,
    subjectKind: kind,
    json: json as Record<string, unknown>,
  };
}

function lowerCase(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
