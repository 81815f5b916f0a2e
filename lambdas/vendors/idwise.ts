import { readHeaderMap } from '../core/credentials.js';
import type { DetailType, NormalizedDraft, Status, SubjectRef } from '../core/event.js';
import { bodyHash } from '../core/hash.js';
import { checkHeaderCredentials } from '../core/header-auth.js';
import { field, isObject, parseJson, text } from '../core/json.js';
import { accept, applyCredentialPolicy, defineVendor, reject } from '../core/vendor.js';
import type { BaseCredentials, Delivery } from '../core/vendor.js';

// ---------------------------------------------------------------------------------------------
// Vendor facts, all IDWise-specific knowledge. "Confirmed" = IDWise's webhook documentation says
// so; "Inferred" = no vendor source was found and the reading is ours.
// ---------------------------------------------------------------------------------------------

export const IDWISE_VENDOR_ID = 'idwise';
export const IDWISE_ROUTE = '/webhooks/idwise';

/** Every IDWise event reports on one verification journey, named by `journeyId`. */
export const IDWISE_SUBJECT_KIND = 'journey';

/** The secret key holding `{"header-name": ["accepted value", …]}`. */
export const IDWISE_CREDENTIAL_HEADERS_KEY = 'headers';

/**
 * Confirmed: IDWise treats any answer other than exactly 200 as a failure and retries (at 5, 10
 * and 15 minutes, then gives up and e-mails the customer), so a 201 or 202 would be retried too.
 */
export const IDWISE_ACCEPTED_STATUS = 200;

/** Confirmed envelope: `{"event": "<name>", "body": {…}}`. */
export const IDWISE_ENVELOPE = { event: 'event', body: 'body' } as const;

/** Confirmed body fields; the body "might be extended with extra elements", which are ignored. */
export const IDWISE_BODY_FIELDS = {
  eventId: 'eventId',
  journeyId: 'journeyId',
  referenceNo: 'referenceNo',
  systemDecision: 'systemDecision',
  manualDecision: 'manualDecision',
  finalDecision: 'finalDecision',
} as const;

/** Confirmed event names. */
export const IDWISE_EVENTS = {
  finishedJourney: 'Finished Journey',
  updatedJourney: 'Updated Journey',
  manuallyReviewed: 'Manually Reviewed',
  finishedUserSteps: 'Finished User Steps',
  finishedStep: 'Finished Step',
  amlMonitorUpdate: 'AML Monitor Update',
  verificationUpdateRequired: 'Verification Update Required',
  kycRenewalDeadlineExceeded: 'KYC Renewal Deadline Exceeded',
  finishedSpotCheck: 'Finished Spot Check',
  /** The older name of `Finished Spot Check`; still documented, so still accepted. */
  finishedOngoingCheck: 'Finished Ongoing Check',
} as const;
export type IdwiseEventName = (typeof IDWISE_EVENTS)[keyof typeof IDWISE_EVENTS];

/**
 * DetailType per known event. Every known event except the AML one reports on the state of a
 * verification journey (even `Finished Step`, whose body carries the journey's decisions, not a
 * document's); the AML event comes from ongoing monitoring after onboarding, which is what
 * `KYC Monitoring Alert` rules listen for. Unknown names fall back to `KYC Vendor Event`.
 */
export const IDWISE_EVENT_DETAIL_TYPES: Readonly<Record<IdwiseEventName, DetailType>> = {
  [IDWISE_EVENTS.finishedJourney]: 'KYC Verification Updated',
  [IDWISE_EVENTS.updatedJourney]: 'KYC Verification Updated',
  [IDWISE_EVENTS.manuallyReviewed]: 'KYC Verification Updated',
  [IDWISE_EVENTS.finishedUserSteps]: 'KYC Verification Updated',
  [IDWISE_EVENTS.finishedStep]: 'KYC Verification Updated',
  [IDWISE_EVENTS.amlMonitorUpdate]: 'KYC Monitoring Alert',
  [IDWISE_EVENTS.verificationUpdateRequired]: 'KYC Verification Updated',
  [IDWISE_EVENTS.kycRenewalDeadlineExceeded]: 'KYC Verification Updated',
  [IDWISE_EVENTS.finishedSpotCheck]: 'KYC Verification Updated',
  [IDWISE_EVENTS.finishedOngoingCheck]: 'KYC Verification Updated',
};

/** DetailType for event names IDWise adds later: stored and published, never dropped. */
export const IDWISE_FALLBACK_DETAIL_TYPE: DetailType = 'KYC Vendor Event';

/** `vendorEventType` when the delivery names no event at all. */
export const IDWISE_MISSING_EVENT_TYPE = 'unknown';

/**
 * Events whose meaning fixes the status whatever the decisions say: the journey's decisions
 * still describe the last verification, but the event says the customer must act (new steps
 * required) or that the verification has lapsed (renewal deadline passed).
 * Inferred from the event names: no example payload of either event was found.
 */
export const IDWISE_EVENT_STATUS_OVERRIDES: Readonly<Partial<Record<IdwiseEventName, Status>>> = {
  [IDWISE_EVENTS.verificationUpdateRequired]: 'needs_info',
  [IDWISE_EVENTS.kycRenewalDeadlineExceeded]: 'expired',
};

/**
 * Decision word (lower-cased) → normalized status. Confirmed words: system `Complete` /
 * `Incomplete` / `Refer`, manual `Approved` / `Rejected`, final any of the five. IDWise shows
 * `Complete` as "passed": the journey passed every automatic check with nothing referred to a
 * reviewer, which is an approval for our consumers (our reading; IDWise calls it neither).
 * The set is open: any other word maps to `unknown`.
 */
export const IDWISE_DECISION_STATUSES = {
  approved: 'approved',
  rejected: 'rejected',
  complete: 'approved',
  incomplete: 'in_progress',
  refer: 'in_review',
} as const satisfies Readonly<Record<string, Status>>;

/**
 * Which decision sets the status: the final decision when IDWise sent one, else the manual
 * review, else the automatic one. Also the order of the words in `vendorStatus`.
 */
export const IDWISE_DECISION_PRECEDENCE = [
  { key: IDWISE_BODY_FIELDS.finalDecision, label: 'final' },
  { key: IDWISE_BODY_FIELDS.manualDecision, label: 'manual' },
  { key: IDWISE_BODY_FIELDS.systemDecision, label: 'system' },
] as const;

/** Labels in the order they are written into `vendorStatus`. */
export const IDWISE_VENDOR_STATUS_ORDER = ['final', 'system', 'manual'] as const;

/**
 * Inferred: the docs print "no manual review yet" as `null`. JSON `null` is absent anyway; the
 * same word sent as a string is read as absent too, so it cannot hide the system decision.
 */
export const IDWISE_ABSENT_DECISION_WORD = 'null';

// ---------------------------------------------------------------------------------------------

export interface IdwiseCredentials extends BaseCredentials {
  /** Lower-cased header name → every currently accepted value (several during a rotation). */
  readonly headers: Readonly<Record<string, readonly string[]>>;
}

type DecisionLabel = (typeof IDWISE_DECISION_PRECEDENCE)[number]['label'];
type Decisions = Partial<Record<DecisionLabel, string>>;

export const idwise = defineVendor<IdwiseCredentials>({
  id: IDWISE_VENDOR_ID,
  displayName: 'IDWise',
  routes: [IDWISE_ROUTE],
  // Confirmed: IDWise has an IP allow-list feature, but its source addresses were not found, so
  // there is no default; an operator who learns them sets `allowedIps` in the secret.
  answers: { accepted: IDWISE_ACCEPTED_STATUS },
  // Built from the tables above, so each fact stays in one place; the README's mapping table is
  // generated from these rows and the tests feed each one through `normalize`.
  statusMapping: [
    ...Object.entries(IDWISE_DECISION_STATUSES).map(([word, status]) => ({
      field: IDWISE_DECISION_PRECEDENCE.map(({ key }) => key).join(' / '),
      // The table is keyed in lower case for the case-insensitive match; IDWise capitalises.
      value: word.charAt(0).toUpperCase() + word.slice(1),
      status,
      note: 'the first decision present decides; any letter case',
    })),
    ...Object.entries(IDWISE_EVENT_STATUS_OVERRIDES).map(([event, status]) => ({
      field: IDWISE_ENVELOPE.event,
      value: event,
      status,
      note: 'whatever the decisions say',
    })),
  ],

  parseCredentials(secret, base) {
    return {
      ...base,
      headers: readHeaderMap(secret, IDWISE_CREDENTIAL_HEADERS_KEY, IDWISE_VENDOR_ID),
    };
  },

  verify(request, credentials) {
    // Confirmed: IDWise proves nothing in the body (no signature); the only proof is whatever
    // Basic, Bearer or custom header the customer configured in its portal. Checked before the
    // body is parsed, so an unauthenticated caller learns nothing about our parser.
    const refused = applyCredentialPolicy(
      checkHeaderCredentials(request.headers, credentials.headers),
      credentials,
      { absent: 'missing_authorization', invalid: 'invalid_authorization' },
    );
    if (refused) return refused;

    const json = parseJson(request.body);
    if (!isObject(json)) return reject('malformed_body');

    // Confirmed: `eventId` is identical on every retry of one event, so it is the dedup key even
    // if a retry were serialized differently. Every documented delivery has one; should one come
    // without (inferred, defensive), it is still taken, and hashing the raw body makes a
    // byte-identical retry collapse to one event, the best available without an id.
    const eventId = field(field(json, IDWISE_ENVELOPE.body), IDWISE_BODY_FIELDS.eventId);
    return accept(typeof eventId === 'string' && eventId !== '' ? eventId : bodyHash(request.body));
  },

  normalize(delivery) {
    return [normalizeIdwise(delivery)];
  },

  sign(body, _route, credentials) {
    const [name] = Object.keys(credentials.headers);
    const value = name === undefined ? undefined : credentials.headers[name]?.[0];
    return { body, headers: name === undefined || value === undefined ? {} : { [name]: value } };
  },
});

/**
 * One draft per delivery. Reads defensively: any JSON value (or none) yields a draft, so an
 * unexpected shape is still stored and published with status `unknown`.
 *
 * Confirmed: IDWise sends no event time, so `occurredAt` is omitted and the processor orders by
 * receive time. `AML Monitor Update` carries `updatedAMLVersionNumber`, which orders AML updates
 * for one journey; it is not used for ordering yet.
 */
function normalizeIdwise(delivery: Delivery): NormalizedDraft {
  const envelope = delivery.json;
  const body = field(envelope, IDWISE_ENVELOPE.body);
  const eventName = field(envelope, IDWISE_ENVELOPE.event);
  const vendorEventType =
    typeof eventName === 'string' && eventName !== '' ? eventName : IDWISE_MISSING_EVENT_TYPE;
  const known = knownEvent(vendorEventType);
  // Inferred: an unknown event name still carries the journey's current decisions, so they set
  // the status; reporting `unknown` instead would hide a decision IDWise did send.
  const decisions = readDecisions(body);

  const subject = readSubject(body);
  return {
    detailType:
      known === undefined ? IDWISE_FALLBACK_DETAIL_TYPE : IDWISE_EVENT_DETAIL_TYPES[known],
    vendorEventType,
    ...(subject && { subject }),
    status:
      (known === undefined ? undefined : IDWISE_EVENT_STATUS_OVERRIDES[known]) ??
      statusFromDecisions(decisions),
    vendorStatus: describeDecisions(decisions),
  };
}

/**
 * Matches event names case-insensitively. Inferred: the docs spell them one way only; the
 * decision words are compared the same way, and a change of capitalisation should not turn a
 * known event into a `KYC Vendor Event`.
 */
function knownEvent(name: string): IdwiseEventName | undefined {
  const wanted = name.trim().toLowerCase();
  return Object.values(IDWISE_EVENTS).find((known) => known.toLowerCase() === wanted);
}

function readSubject(body: unknown): SubjectRef | undefined {
  const id = text(field(body, IDWISE_BODY_FIELDS.journeyId));
  if (id === undefined) return undefined;
  const externalRef = text(field(body, IDWISE_BODY_FIELDS.referenceNo));
  return externalRef === undefined
    ? { kind: IDWISE_SUBJECT_KIND, id }
    : { kind: IDWISE_SUBJECT_KIND, id, externalRef };
}

/** The decision words exactly as sent; missing, empty, non-string and `null` ones are left out. */
function readDecisions(body: unknown): Decisions {
  const decisions: Decisions = {};
  for (const { key, label } of IDWISE_DECISION_PRECEDENCE) {
    const word = field(body, key);
    if (typeof word !== 'string') continue;
    const canonical = word.trim().toLowerCase();
    if (canonical === '' || canonical === IDWISE_ABSENT_DECISION_WORD) continue;
    decisions[label] = word;
  }
  return decisions;
}

/** Decision words are an open set compared case-insensitively; unknown words give `unknown`. */
export function statusFromDecisionWord(word: string): Status {
  const key = word.trim().toLowerCase();
  return Object.hasOwn(IDWISE_DECISION_STATUSES, key)
    ? IDWISE_DECISION_STATUSES[key as keyof typeof IDWISE_DECISION_STATUSES]
    : 'unknown';
}

function statusFromDecisions(decisions: Decisions): Status {
  for (const { label } of IDWISE_DECISION_PRECEDENCE) {
    const word = decisions[label];
    if (word !== undefined) return statusFromDecisionWord(word);
  }
  return 'unknown';
}

/** `final=Approved system=Complete manual=Approved`; `null` when IDWise sent no decision. */
function describeDecisions(decisions: Decisions): string | null {
  const parts = IDWISE_VENDOR_STATUS_ORDER.flatMap((label) => {
    const word = decisions[label];
    return word === undefined ? [] : [`${label}=${word}`];
  });
  return parts.length === 0 ? null : parts.join(' ');
}
