import { ConfigurationError } from './errors.js';
import type { DetailType, Findings, NormalizedDraft, Origin, Status, SubjectRef } from './event.js';
import { isObject, ownValue, parseJson, type JsonObject } from './json.js';

/**
 * The seam for a vendor's own API, declared (optionally) in the vendor's one file: where it is,
 * which credentials it takes, after which events its result is fetched, how to ask and how to read
 * the answer. Pure like the rest of a vendor: the enrichment worker and the reconciliation sweep do
 * the I/O. A vendor without `api`, or whose secret has no `api` member, is never enriched or
 * reconciled.
 */

/** The member of a vendor's secret that holds its API credentials (optional). */
export const API_SECRET_KEY = 'api';
/** Inside it: which of the vendor's regional base URLs to call (default: the first declared). */
export const API_REGION_KEY = 'region';

/**
 * Routes of queue messages made from a vendor API's answer, never from an HTTP request: no
 * vendor route starts with it, so ingest cannot be made to accept one (ingest answers only the
 * vendor routes), and only a holder of the queue's send permission can queue one.
 */
export const API_ROUTE_PREFIX = '/vendor-api/';

/** The API credentials from the vendor's secret: its declared keys, and the chosen region. */
export interface ApiCredentials {
  readonly values: Readonly<Record<string, string>>;
  readonly region: string;
}

/** One HTTP request to the vendor's API; headers carry the credentials, so it is never logged. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query under the base URL, starting with `/`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * What a vendor API's answer says, without personal data: what the pipeline publishes. The full
 * answer is archived encrypted and only referenced.
 */
export interface ApiReading {
  readonly status: Status;
  /** The vendor's time of the state the answer reports, when it says (else: when it was fetched). */
  readonly occurredAt?: string;
  readonly vendorStatus: string | null;
  readonly detailType: DetailType;
  /** The vendor's words consumers decide on: decisions, failed rule ids, AML flags. */
  readonly findings: Omit<Findings, 'resultKey' | 'confirmsEventId' | 'confirmed'>;
}

/** What every vendor API declaration says, whether the worker calls an API or follows links. */
interface ApiDeclaration<Trigger extends string> {
  /** What is fetched, for the README: the vendor's name for the call, and its method and path. */
  readonly fetches: string;
  /** `vendorEventType`s after which the result is fetched; empty: never enriched. */
  readonly enrichAfter: readonly Trigger[];
  /** The `vendorEventType` of the events made from the answer, e.g. `Journey Result`. */
  readonly resultEventType: string;
  /**
   * How long a subject may stay in each non-terminal status before the reconciliation sweep
   * asks the API about it, in minutes; a status not listed is never reconciled.
   */
  readonly reconcileAfterMinutes: Readonly<Partial<Record<Status, number>>>;
  /** The subject kinds the API answers for (the others are never asked about). */
  readonly subjectKinds: readonly string[];
}

/** A vendor API the worker calls with the credentials in the vendor's secret. */
export interface CalledApi<Trigger extends string = string> extends ApiDeclaration<Trigger> {
  /** Region name → base URL (no trailing slash); the first is the default. */
  readonly baseUrls: Readonly<Record<string, string>>;
  /** The string members of the secret's `api` object, all required, e.g. `keyId`, `keySecret`. */
  readonly credentialKeys: readonly string[];
  /** The request for one subject's current result. */
  request(subject: SubjectRef, credentials: ApiCredentials): ApiRequest;
  /** Reads a 2xx answer's JSON; `undefined` when it is not a result this reading understands. */
  read(answer: unknown): ApiReading | undefined;
}

/** A link in a delivery's body: where it is (dotted member path) and the URL. */
export interface BodyLink {
  readonly field: string;
  readonly url: string;
}

/**
 * A vendor whose deliveries carry short-lived links to its results (pre-signed: the link is the
 * credential). After a trigger the worker downloads each link of the stored delivery into the
 * results bucket; no API credentials are needed. The same links are published without their
 * query string (`withoutLinkQueries`), so no live link leaves the pipeline. Archiving is on unless
 * the secret says `{"api": {"archive": false}}`.
 */
export interface LinkArchive<Trigger extends string = string> extends ApiDeclaration<Trigger> {
  /** The links in a delivery's parsed body. */
  linksOf(body: unknown): readonly BodyLink[];
}

export type VendorApi<Trigger extends string = string> = CalledApi<Trigger> | LinkArchive<Trigger>;

export function isLinkArchive(api: VendorApi | undefined): api is LinkArchive {
  return api !== undefined && 'linksOf' in api;
}

/** Inside a link-archiving vendor's `api` secret member: `false` turns archiving off. */
export const API_ARCHIVE_KEY = 'archive';

/** Whether a link-archiving vendor's secret leaves archiving on (the default). */
export function archivesLinks(
  secret: Readonly<Record<string, unknown>>,
  vendorId: string,
): boolean {
  const raw = apiMemberOf(secret, vendorId);
  if (raw === undefined) return true;
  const unknown = Object.keys(raw).filter((key) => key !== API_ARCHIVE_KEY);
  const archive = raw[API_ARCHIVE_KEY] ?? true;
  if (unknown.length > 0 || typeof archive !== 'boolean') {
    throw new ConfigurationError(
      `${apiWhere(vendorId)} may hold only "${API_ARCHIVE_KEY}": true or false`,
    );
  }
  return archive;
}

/** How an error names the secret's `api` member (never its value). */
function apiWhere(vendorId: string): string {
  return `${vendorId} secret: "${API_SECRET_KEY}"`;
}

/** The secret's `api` member, `undefined` when absent; anything but an object is refused. */
function apiMemberOf(
  secret: Readonly<Record<string, unknown>>,
  vendorId: string,
): JsonObject | undefined {
  const raw = secret[API_SECRET_KEY];
  if (raw === undefined) return undefined;
  if (!isObject(raw)) throw new ConfigurationError(`${apiWhere(vendorId)} must be an object`);
  return raw;
}

/** The error of a region the vendor does not declare: it names the ones it does. */
function unknownRegion(api: CalledApi, vendorId: string): ConfigurationError {
  const regions = Object.keys(api.baseUrls).map((region) => `"${region}"`);
  return new ConfigurationError(
    `${apiWhere(vendorId)}.${API_REGION_KEY} must be one of ${regions.join(', ')}`,
  );
}

/**
 * Every string member of a parsed body, at any depth, that is an `http(s)` URL: a vendor whose
 * link fields are inferred archives (and unsigns) every link rather than the ones it guessed.
 */
export function urlMembers(body: unknown, path: readonly string[] = []): BodyLink[] {
  if (typeof body === 'string') {
    return /^https?:\/\//i.test(body) && path.length > 0
      ? [{ field: path.join('.'), url: body }]
      : [];
  }
  if (Array.isArray(body))
    return body.flatMap((item, index) => urlMembers(item, [...path, `${index}`]));
  if (!isObject(body)) return [];
  return Object.entries(body).flatMap(([key, value]) => urlMembers(value, [...path, key]));
}

/**
 * A parsed body with the query string (and fragment) of each of `api`'s links cut off: the
 * publish-time rule for a link-archiving vendor, since a pre-signed link's query is its credential.
 */
export function withoutLinkQueries(api: VendorApi | undefined, body: unknown): unknown {
  if (!isLinkArchive(api)) return body;
  const links = new Set(api.linksOf(body).map((link) => link.url));
  const strip = (value: unknown): unknown => {
    if (typeof value === 'string') return links.has(value) ? value.replace(/[?#].*$/s, '') : value;
    if (Array.isArray(value)) return value.map(strip);
    if (!isObject(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, strip(inner)]));
  };
  return strip(body);
}

/** A vendor's base URL for the credentials' region; an unknown region is a configuration error. */
export function baseUrlOf(api: CalledApi, credentials: ApiCredentials, vendorId: string): string {
  const url = ownValue(api.baseUrls, credentials.region);
  if (url === undefined) throw unknownRegion(api, vendorId);
  return url;
}

/**
 * The API credentials in a vendor's secret, `undefined` when it has none (or its API takes none:
 * a `LinkArchive`, whose member is only checked); throws a
 * `ConfigurationError` naming the member (never its value) when they are malformed.
 */
export function readApiCredentials(
  secret: Readonly<Record<string, unknown>>,
  api: VendorApi,
  vendorId: string,
): ApiCredentials | undefined {
  if (isLinkArchive(api)) {
    // No credentials: the links are pre-signed. The member may only switch archiving off.
    archivesLinks(secret, vendorId);
    return undefined;
  }
  const raw = apiMemberOf(secret, vendorId);
  if (raw === undefined) return undefined;
  const where = apiWhere(vendorId);
  const known = [...api.credentialKeys, API_REGION_KEY];
  const unknown = Object.keys(raw).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `${where} has unknown member(s) ${unknown.map((k) => `"${k}"`).join(', ')} (expected ` +
        `${known.map((k) => `"${k}"`).join(', ')})`,
    );
  }
  const values: Record<string, string> = {};
  for (const key of api.credentialKeys) {
    const value = raw[key];
    if (typeof value !== 'string' || value === '') {
      throw new ConfigurationError(`${where}.${key} must be a non-empty string`);
    }
    values[key] = value;
  }
  const [defaultRegion] = Object.keys(api.baseUrls);
  const region = raw[API_REGION_KEY] ?? defaultRegion;
  if (typeof region !== 'string' || !Object.hasOwn(api.baseUrls, region)) {
    throw unknownRegion(api, vendorId);
  }
  return { values, region };
}

/**
 * The body of a queue message made from a vendor API's answer. Built by the enrichment worker and
 * the reconciliation sweep from `read`'s result, so it holds no personal data; the processor turns
 * it into a draft like any delivery, so it is ordered, deduplicated and published by the same rules.
 */
export interface ApiFindingsMessage {
  readonly origin: Exclude<Origin, 'webhook'>;
  readonly subject: SubjectRef;
  readonly vendorEventType: string;
  readonly reading: ApiReading;
  /** The archived full answer's object key. */
  readonly resultKey: string;
  /** The event whose claim the answer was fetched to check, for enrichment. */
  readonly confirmsEventId?: string;
  /** Whether the answer's status is the one that event claimed. */
  readonly confirmed?: boolean;
}

/** The queue route of an API answer for `vendorId`. */
export function apiRoute(vendorId: string, origin: ApiFindingsMessage['origin']): string {
  return `${API_ROUTE_PREFIX}${vendorId}/${origin}`;
}

export function isApiRoute(route: string): boolean {
  return route.startsWith(API_ROUTE_PREFIX);
}

/**
 * The draft of a queued API answer. A body that is not one (only a bug or a hand-queued message
 * could make it) becomes an `unknown` vendor event of its own, stored and published like any
 * unreadable delivery: nothing is dropped.
 */
export function draftFromApiMessage(body: string): NormalizedDraft {
  const message = parseJson(body);
  if (!isApiFindingsMessage(message)) {
    return {
      detailType: 'KYC Vendor Event',
      vendorEventType: 'unknown',
      status: 'unknown',
      scope: 'other',
      vendorStatus: null,
    };
  }
  const { reading } = message;
  return {
    detailType: reading.detailType,
    vendorEventType: message.vendorEventType,
    subject: message.subject,
    status: reading.status,
    scope: 'verification',
    vendorStatus: reading.vendorStatus,
    ...(reading.occurredAt !== undefined && { occurredAt: reading.occurredAt }),
    origin: message.origin,
    findings: {
      ...reading.findings,
      resultKey: message.resultKey,
      ...(message.confirmsEventId !== undefined && { confirmsEventId: message.confirmsEventId }),
      ...(message.confirmed !== undefined && { confirmed: message.confirmed }),
    },
  };
}

function isApiFindingsMessage(value: unknown): value is ApiFindingsMessage {
  if (!isObject(value)) return false;
  const { origin, subject, vendorEventType, reading, resultKey } = value;
  return (
    (origin === 'enrichment' || origin === 'reconciliation') &&
    isObject(subject) &&
    typeof subject['kind'] === 'string' &&
    typeof subject['id'] === 'string' &&
    typeof vendorEventType === 'string' &&
    typeof resultKey === 'string' &&
    isObject(reading) &&
    typeof reading['status'] === 'string' &&
    isObject(reading['findings'])
  );
}
