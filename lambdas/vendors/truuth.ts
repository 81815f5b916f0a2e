import { ConfigurationError } from '../core/errors.js';
import type { DetailType, NormalizedDraft, Status } from '../core/event.js';
import { bodyHash } from '../core/hash.js';
import { canonicalAuthorization, checkHeaderCredentials } from '../core/header-auth.js';
import { field, isObject, ownValue, parseJson } from '../core/json.js';
import { wireNames } from '../core/names.js';
import { readSubject, type SubjectFields } from '../core/vendor-reading.js';
import { urlMembers, type LinkArchive } from '../core/vendor-api.js';
import { accept, applyCredentialPolicy, defineVendor, reject } from '../core/vendor.js';
import type { BaseCredentials, Delivery, StatusMappingRow } from '../core/vendor.js';

/*
 * Truuth (see VENDORS.md). "Confirmed" = Truuth's webhook documentation says so; "Inferred" = no
 * vendor source was found and the reading is ours. Truuth publishes no payload schema and no
 * example body, so everything read from the body is inferred and named by a constant below:
 * once a real delivery is seen, correcting a field name is a one-line change.
 *
 * Secret JSON (DESIGN §3.3):
 *
 *   {
 *     "authorization": ["Basic <token>", "Bearer <token>"],
 *     "routes": {
 *       "callback": { "authorization": ["Bearer <token>"] },
 *       "biopass-user-provisioning": { "authorization": ["Basic <token>"] }
 *     }
 *   }
 *
 * - `authorization`: every value currently accepted on both routes (several during a rotation).
 *   Each value is the whole header, `Basic <token>` or `Bearer <token>`, exactly as configured in
 *   Truuth's portal; the scheme word may be written in any case.
 * - `routes` (optional): Truuth configures one webhook per event type, each with its own
 *   authentication, so the two types may use different tokens. A route listed here accepts only
 *   its own list, never the shared one; a route not listed uses the shared list. A listed route
 *   must name at least one value (leave the route out to fall back to the shared list).
 * - `allowUnauthenticated`, `allowedIps`: as for every vendor. Truuth lets a webhook run with no
 *   authentication; we refuse such deliveries unless `allowUnauthenticated` is true.
 */

export const TRUUTH_VENDOR_ID = 'truuth';

/**
 * Confirmed: one webhook configuration carries exactly one event type, so each type gets its own
 * URL and the URL tells the type (the body is not known to name it). Each Truuth webhook must
 * therefore point at its own route: one pointed at the wrong route is mislabelled. The keys name
 * the routes in the secret's `routes` object.
 */
export const TRUUTH_ROUTES = {
  callback: '/webhooks/truuth/callback',
  'biopass-user-provisioning': '/webhooks/truuth/biopass-user-provisioning',
} as const;
export type TruuthRouteKey = keyof typeof TRUUTH_ROUTES;

/** Confirmed: the event type names as Truuth's portal lists them. */
export const TRUUTH_EVENT_TYPES: Readonly<Record<TruuthRouteKey, string>> = {
  callback: 'Callback',
  'biopass-user-provisioning': 'Biopass User Provisioning',
};

/** `vendorEventType` for a route that is not one of ours (ingest never sends one). */
export const TRUUTH_UNKNOWN_EVENT_TYPE = 'unknown';

/** The secret's keys (see the header comment). */
export const TRUUTH_CREDENTIAL_KEYS = wireNames('authorization', 'routes');

/**
 * Confirmed: Basic (token = base64 of `username:password`) or Bearer. Inferred: the token travels
 * in the standard `Authorization` header as `<Scheme> <token>`; the docs name the methods only.
 */
export const TRUUTH_AUTH_HEADER = 'authorization';
export const TRUUTH_AUTH_SCHEMES: readonly string[] = ['basic', 'bearer'];

/** Inferred payload field names (no public schema); see VENDORS.md. */
export const TRUUTH_FIELDS = {
  ...wireNames(
    'verificationId',
    // The caller's own reference for the verification.
    'externalRefId',
    // The verification's state, e.g. `DONE`.
    'status',
    'results',
    // `results.proofingOutcomes`: a list of `{status: PASS | WARNING | FAIL, …}`.
    'proofingOutcomes',
  ),
  outcomeStatus: 'status',
} as const;

/** How the status rows name where a word is read. */
export const TRUUTH_OUTCOME_FIELD = `${TRUUTH_FIELDS.results}.${TRUUTH_FIELDS.proofingOutcomes}[].${TRUUTH_FIELDS.outcomeStatus}`;
export const TRUUTH_STATUS_FIELD = TRUUTH_FIELDS.status;
export const TRUUTH_ROUTE_FIELD = 'route';

/** Every Truuth event reports on one verification. */
export const TRUUTH_SUBJECT = {
  kind: 'verification',
  idFields: [TRUUTH_FIELDS.verificationId],
  externalRefField: TRUUTH_FIELDS.externalRefId,
} as const satisfies SubjectFields;

/**
 * A URL in the body and its query string (`$1` is the URL without it), JSON-escaped slashes
 * included. Confirmed: the callback's report links are pre-signed URLs that expire; inferred: a
 * retry may carry them signed anew, and only their query (signature, expiry) changes. So the dedup
 * id hashes the body with every URL's query cut out: a retry with re-signed links collapses into
 * its first delivery, while any other change still makes a new event.
 */
export const TRUUTH_URL_QUERY = /(https?:(?:\\?\/){2}(?:[^"?\s\\]|\\\/)*)\?(?:[^"\s\\]|\\.)*/g;

/**
 * Inferred proofing outcome words (compared case-insensitively). The most severe word present
 * decides: one FAIL rejects, else one WARNING sends the case to review; approval needs every
 * outcome to be PASS. Any other word makes the outcomes inconclusive unless a FAIL or WARNING is
 * also present: an unknown word is never read as a pass.
 */
export const TRUUTH_OUTCOMES = {
  fail: 'FAIL',
  warning: 'WARNING',
  pass: 'PASS',
} as const;

/**
 * Inferred top-level `status` words, used only when the outcomes are absent or inconclusive.
 *
 * `DONE` alone maps to `unknown`, not `in_review`: the verification finished, but a delivery
 * without readable outcomes does not say whether it passed. `in_review` means, for every vendor,
 * that the vendor referred the case to a reviewer, which Truuth did not say; `unknown` tells
 * consumers to look at the payload (or at Truuth's portal) instead of waiting. `PENDING` keeps
 * its own word in the shared vocabulary (`pending`, as for other vendors) rather than being folded
 * into `in_progress`.
 */
export const TRUUTH_STATUS_WORDS = {
  DONE: 'unknown',
  IN_PROGRESS: 'in_progress',
  PENDING: 'pending',
} as const satisfies Readonly<Record<string, Status>>;

/**
 * Confirmed: `Biopass User Provisioning` is sent only when the verification's proofing status is
 * PASS, so the route alone says `approved`, unless outcomes in the body say otherwise.
 */
export const TRUUTH_BIOPASS_STATUS: Status = 'approved';

/** The `vendorEventType` of the event made once a callback's report links are archived. */
export const TRUUTH_REPORTS_ARCHIVED = 'Reports Archived';

/**
 * Confirmed: a callback's report links are pre-signed and expire (~15 minutes); each is a
 * credential to a personal document. Inferred: where they are in the body (no public schema), so
 * every URL in the body is taken for one. After each callback the worker downloads them into the
 * encrypted results bucket and feeds a `Reports Archived` event whose findings name the object
 * keys; the published payload carries each link without its query (see `withoutLinkQueries`), so
 * no live link leaves the pipeline.
 *
 * On by default, since no credential is needed and, the published links being cut, the archive is
 * the only copy consumers can reach once a link expires; `{"api": {"archive": false}}` in the
 * secret turns it off (a deployment that must not hold the documents at all).
 */
const TRUUTH_API: LinkArchive = {
  fetches:
    'each report link of the callback (pre-signed, ~15 min): downloaded into the results bucket as `truuth/<event digest>/<field>`',
  enrichAfter: [TRUUTH_EVENT_TYPES.callback],
  resultEventType: TRUUTH_REPORTS_ARCHIVED,
  reconcileAfterMinutes: {},
  subjectKinds: [TRUUTH_SUBJECT.kind],
  linksOf: (body) => urlMembers(body),
};

// ---------------------------------------------------------------------------------------------

export interface TruuthCredentials extends BaseCredentials {
  /** Every accepted `Authorization` value, on any route without its own list. */
  readonly authorization: readonly string[];
  /** Routes with their own list; such a route accepts only that list. */
  readonly routes: Readonly<Partial<Record<TruuthRouteKey, readonly string[]>>>;
}

const ROUTE_KEYS = Object.keys(TRUUTH_ROUTES) as TruuthRouteKey[];

/** The README's mapping table and the tests are generated from these rows. */
const STATUS_MAPPING: readonly StatusMappingRow[] = [
  {
    field: TRUUTH_OUTCOME_FIELD,
    value: TRUUTH_OUTCOMES.fail,
    status: 'rejected',
    note: 'any outcome FAIL (inferred word)',
  },
  {
    field: TRUUTH_OUTCOME_FIELD,
    value: TRUUTH_OUTCOMES.warning,
    status: 'in_review',
    note: 'no FAIL, any outcome WARNING (inferred word)',
  },
  {
    field: TRUUTH_OUTCOME_FIELD,
    value: TRUUTH_OUTCOMES.pass,
    status: 'approved',
    note: 'every outcome PASS (inferred word)',
  },
  {
    field: TRUUTH_STATUS_FIELD,
    value: 'DONE',
    status: TRUUTH_STATUS_WORDS.DONE,
    note: 'finished, but no conclusive outcomes: the result cannot be told (inferred word)',
  },
  {
    field: TRUUTH_STATUS_FIELD,
    value: 'IN_PROGRESS',
    status: TRUUTH_STATUS_WORDS.IN_PROGRESS,
    note: 'no conclusive outcomes (inferred word)',
  },
  {
    field: TRUUTH_STATUS_FIELD,
    value: 'PENDING',
    status: TRUUTH_STATUS_WORDS.PENDING,
    note: 'no conclusive outcomes (inferred word)',
  },
  {
    field: TRUUTH_ROUTE_FIELD,
    value: 'biopass-user-provisioning',
    status: TRUUTH_BIOPASS_STATUS,
    note: 'Biopass User Provisioning: sent only on PASS (confirmed), unless outcomes disagree',
  },
];

export const truuth = defineVendor<TruuthCredentials>({
  id: TRUUTH_VENDOR_ID,
  displayName: 'Truuth',
  routes: Object.values(TRUUTH_ROUTES),
  // No source addresses are published, so there is no default allow-list. Inferred: Truuth wants
  // a fast 2xx; the default answers (200 once queued) give exactly that.
  answers: {
    senderRetries: 'Not documented: a fast 2xx is assumed to be what it wants.',
  },
  // A configured header credential proves the sender; the body is not signed.
  proof: { kind: 'header-credential' },
  trust: [
    {
      field: '`Authorization` header',
      proof: 'credential',
      use: 'the proof: the Basic or Bearer token configured for the webhook (per route when set)',
    },
    {
      field: 'the route',
      proof: 'credential',
      use: 'the event type (one webhook configuration per event type), and part of the dedup id',
    },
    {
      field: '`verificationId`, `externalRefId`',
      proof: 'credential',
      use: 'the subject and your reference for it',
    },
    {
      field: '`status`, `results.proofingOutcomes[].status`',
      proof: 'credential',
      use: 'the status',
    },
    {
      field: 'the whole body',
      proof: 'credential',
      use: 'the dedup id (route + SHA-256 of the body with the query strings of its URLs cut out, so re-signed report links do not make a retry new): the token vouches for every byte',
    },
  ],
  testing: {
    personal: {
      fields: [
        'givenName',
        'familyName',
        'middleName',
        'dateOfBirth',
        'line1',
        'postcode',
        'number',
        'expiry',
      ],
      freeTextFields: ['note'],
      knownValues: ['Testina', 'Fixturova', '1970-01-01', '1 Example Street', 'X0000000'],
    },
    rotation: {
      secret: (authorization) => ({ authorization }),
      credential: (name) => `Bearer truuth-token-${name}`,
      fixture: 'callback-pass',
    },
    soak: {
      fixtures: [
        'callback-in-progress',
        'callback-warning',
        'callback-done-no-outcomes',
        'callback-pass',
        'callback-fail',
        'biopass-user-provisioning',
      ],
      hasEventTime: false,
      bodyHashIds: true,
      render(body, facts) {
        body[TRUUTH_FIELDS.verificationId] = facts.subjectId;
      },
      forgerySecret: { authorization: ['Bearer not-the-truuth-token'] },
    },
  },
  statusMapping: STATUS_MAPPING,

  secretKeys: Object.values(TRUUTH_CREDENTIAL_KEYS),
  parseCredentials(secret, base) {
    return {
      ...base,
      authorization: readAuthorizationList(
        secret[TRUUTH_CREDENTIAL_KEYS.authorization],
        TRUUTH_CREDENTIAL_KEYS.authorization,
      ),
      routes: readRouteOverrides(secret[TRUUTH_CREDENTIAL_KEYS.routes]),
    };
  },

  verify(request, credentials) {
    // Confirmed: the only proof Truuth offers is the Basic or Bearer token configured for the
    // webhook; the body is not signed. Checked before the body is parsed, so an unauthenticated
    // caller learns nothing about our parser. A wrong scheme cannot match: the scheme word is part
    // of each accepted value (compared case-insensitively), the token in constant time.
    const refused = applyCredentialPolicy(
      checkHeaderCredentials(request.headers, {
        [TRUUTH_AUTH_HEADER]: acceptedValues(request.route, credentials),
      }),
      credentials,
      { absent: 'missing_authorization', invalid: 'invalid_authorization' },
    );
    if (refused) return refused;

    // The body shape is inferred, so any JSON value is taken (normalize copes with all of them);
    // only a body that is not JSON at all is refused.
    if (parseJson(request.body) === undefined) return reject('malformed_body');
    return accept(dedupIdOf(request.route, request.body));
  },

  normalize(delivery) {
    return [normalizeTruuth(delivery)];
  },

  api: TRUUTH_API,

  sign(body, route, credentials) {
    const [value] = acceptedValues(route, credentials);
    const headers: Record<string, string> =
      value === undefined ? {} : { [TRUUTH_AUTH_HEADER]: value };
    return { body, headers };
  },
});

function routeKeyOf(route: string): TruuthRouteKey | undefined {
  return ROUTE_KEYS.find((key) => TRUUTH_ROUTES[key] === route);
}

function acceptedValues(route: string, credentials: TruuthCredentials): readonly string[] {
  const key = routeKeyOf(route);
  return (key === undefined ? undefined : credentials.routes[key]) ?? credentials.authorization;
}

/**
 * Truuth documents no event id and no delivery id, so the dedup id is a hash of the raw body
 * (less its URLs' query strings, see `TRUUTH_URL_QUERY`): a retry collapses to one event. It is prefixed with the route key because the
 * two event types may well carry the same body for one verification (inferred: their payloads
 * are not published); without the prefix a Biopass delivery would be taken for a duplicate of
 * its Callback and never published.
 */
function dedupIdOf(route: string, body: string): string {
  const key = routeKeyOf(route);
  const hash = bodyHash(body.replace(TRUUTH_URL_QUERY, '$1'));
  return key === undefined ? hash : `${key}:${hash}`;
}

// ---------------------------------------------------------------------------------------------
// Credentials

function configError(message: string): ConfigurationError {
  return new ConfigurationError(`${TRUUTH_VENDOR_ID} secret: ${message}`);
}

/** A list of `Basic <token>` / `Bearer <token>` values; absent means empty. */
function readAuthorizationList(value: unknown, path: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.trim() !== '')) {
    throw configError(`"${path}" must be a list of non-empty strings`);
  }
  const values = value as string[];
  if (!values.every(hasKnownScheme)) {
    // Usually the bare token pasted without its scheme word; the message never echoes a value.
    throw configError(`every value of "${path}" must be "Basic <token>" or "Bearer <token>"`);
  }
  return values;
}

function hasKnownScheme(value: string): boolean {
  const canonical = canonicalAuthorization(value);
  const space = canonical.indexOf(' ');
  return space > 0 && TRUUTH_AUTH_SCHEMES.includes(canonical.slice(0, space));
}

function readRouteOverrides(value: unknown): TruuthCredentials['routes'] {
  const key = TRUUTH_CREDENTIAL_KEYS.routes;
  if (value === undefined) return {};
  if (!isObject(value)) {
    throw configError(
      `"${key}" must map route names (${ROUTE_KEYS.join(', ')}) to {"authorization": [...]}`,
    );
  }
  const routes: Partial<Record<TruuthRouteKey, readonly string[]>> = {};
  for (const name of Object.keys(value)) {
    const path = `${key}.${name}`;
    const routeKey = ROUTE_KEYS.find((known) => known === name);
    if (routeKey === undefined) {
      throw configError(
        `"${path}" is not a Truuth route; expected one of ${ROUTE_KEYS.join(', ')}`,
      );
    }
    const entry = value[name];
    if (!isObject(entry)) {
      throw configError(`"${path}" must be an object like {"authorization": [...]}`);
    }
    const unexpected = Object.keys(entry).find((k) => k !== TRUUTH_CREDENTIAL_KEYS.authorization);
    if (unexpected !== undefined) {
      throw configError(`"${path}.${unexpected}" is not a known field; expected "authorization"`);
    }
    const listPath = `${path}.${TRUUTH_CREDENTIAL_KEYS.authorization}`;
    const list = readAuthorizationList(entry[TRUUTH_CREDENTIAL_KEYS.authorization], listPath);
    if (list.length === 0) {
      throw configError(
        `"${listPath}" must list at least one value; remove "${path}" to use the shared list`,
      );
    }
    routes[routeKey] = list;
  }
  return routes;
}

// ---------------------------------------------------------------------------------------------
// Normalization

/**
 * One draft per delivery, read defensively: any JSON value (or none) yields a draft, so an
 * unexpected shape is still stored and published with status `unknown`.
 *
 * The draft carries ids and status words only. The body also holds personal data (inferred:
 * `identityOwner` names and dates, pre-signed report URLs); consumers get it only through the
 * payload the processor attaches, which a deployment can switch off.
 *
 * Confirmed: Truuth documents no event time, so `occurredAt` is omitted and the processor orders
 * by receive time.
 */
function normalizeTruuth(delivery: Delivery): NormalizedDraft {
  const routeKey = routeKeyOf(delivery.route);
  const json = delivery.json;
  const statusWord = word(field(json, TRUUTH_FIELDS.status));
  const outcomes = readOutcomes(json);
  const subject = readSubject(json, TRUUTH_SUBJECT);

  const fromOutcomes = statusFromOutcomes(outcomes);
  const status =
    fromOutcomes ??
    (routeKey === 'biopass-user-provisioning'
      ? TRUUTH_BIOPASS_STATUS
      : statusFromWord(statusWord ?? ''));

  const detailType: DetailType =
    subject === undefined ? 'KYC Vendor Event' : 'KYC Verification Updated';
  return {
    detailType,
    vendorEventType:
      routeKey === undefined ? TRUUTH_UNKNOWN_EVENT_TYPE : TRUUTH_EVENT_TYPES[routeKey],
    ...(subject && { subject }),
    status,
    // A verification's result is the verdict on the person; a body naming none carries none.
    scope: subject === undefined ? 'other' : 'verification',
    vendorStatus: describeWords(statusWord, outcomes),
  };
}

/** A non-empty string as sent, else `undefined`. */
function word(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** The outcome words as sent; entries that are not objects with a string status are skipped. */
function readOutcomes(json: unknown): string[] {
  const list = field(field(json, TRUUTH_FIELDS.results), TRUUTH_FIELDS.proofingOutcomes);
  if (!Array.isArray(list)) return [];
  return list.flatMap((outcome: unknown) => {
    const status = word(field(outcome, TRUUTH_FIELDS.outcomeStatus));
    return status === undefined ? [] : [status];
  });
}

/** `undefined` when the outcomes are absent or inconclusive (see `TRUUTH_OUTCOMES`). */
export function statusFromOutcomes(outcomes: readonly string[]): Status | undefined {
  const words = outcomes.map((outcome) => outcome.trim().toUpperCase());
  if (words.includes(TRUUTH_OUTCOMES.fail)) return 'rejected';
  if (words.includes(TRUUTH_OUTCOMES.warning)) return 'in_review';
  if (words.length > 0 && words.every((w) => w === TRUUTH_OUTCOMES.pass)) return 'approved';
  return undefined;
}

/** Top-level status word, case-insensitive; any word not in the table is `unknown`. */
export function statusFromWord(status: string): Status {
  return ownValue(TRUUTH_STATUS_WORDS, status.trim().toUpperCase()) ?? 'unknown';
}

/** `status=DONE outcomes=PASS,WARNING`; `null` when the body carries neither. */
function describeWords(statusWord: string | undefined, outcomes: readonly string[]): string | null {
  const parts = [
    ...(statusWord === undefined ? [] : [`${TRUUTH_FIELDS.status}=${statusWord}`]),
    ...(outcomes.length === 0 ? [] : [`outcomes=${outcomes.join(',')}`]),
  ];
  return parts.length === 0 ? null : parts.join(' ');
}
