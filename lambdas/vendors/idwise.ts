import { readHeaderMap } from '../core/credentials.js';
import type { DetailType, NormalizedDraft, Scope, Status } from '../core/event.js';
import { bodyHash } from '../core/hash.js';
import { checkHeaderCredentials } from '../core/header-auth.js';
import { field, isObject, objectMember, ownValue, parseJson, text } from '../core/json.js';
import { wireNames } from '../core/names.js';
import { mappingRows, readSubject, type SubjectFields } from '../core/vendor-reading.js';
import { accept, applyCredentialPolicy, defineVendor, reject } from '../core/vendor.js';
import type { BaseCredentials, Delivery, TrustRow } from '../core/vendor.js';
import type { ApiReading, VendorApi } from '../core/vendor-api.js';

// ---------------------------------------------------------------------------------------------
// Vendor facts, all IDWise-specific knowledge. "Confirmed" = IDWise's webhook documentation says
// so; "Inferred" = no vendor source was found and the reading is ours.
// ---------------------------------------------------------------------------------------------

export const IDWISE_VENDOR_ID = 'idwise';
export const IDWISE_ROUTE = '/webhooks/idwise';

/** The secret key holding `{"header-name": ["accepted value", …]}`. */
export const IDWISE_CREDENTIAL_HEADERS_KEY = 'headers';

/**
 * Confirmed: IDWise treats any answer other than exactly 200 as a failure and retries (at 5, 10
 * and 15 minutes, then gives up and e-mails the customer), so a 201 or 202 would be retried too.
 */
export const IDWISE_ACCEPTED_STATUS = 200;

/**
 * Confirmed (IDWise's webhook FAQ), as the README quotes it. It retries whatever is not 200, so a
 * refusal is retried like an outage: no refusal needs another answer than the default.
 */
export const IDWISE_SENDER_RETRIES =
  "Retries any delivery not answered exactly 200 at 5, 10 and 15 minutes with the same eventId, then stops and e-mails the customer's error-reporting addresses (IDWise webhook FAQ).";

/** Confirmed envelope: `{"event": "<name>", "body": {…}}`. */
export const IDWISE_ENVELOPE = { event: 'event', body: 'body' } as const;

/** Confirmed body fields; the body "might be extended with extra elements", which are ignored. */
export const IDWISE_BODY_FIELDS = wireNames(
  'eventId',
  'journeyId',
  'referenceNo',
  'systemDecision',
  'manualDecision',
  'finalDecision',
  // `Updated Journey`: what changed the journey after completion (see `IDWISE_ACTIONS`).
  'action',
  // `Verification Update Required`: why the person must resubmit steps.
  'trigger',
  // `AML Monitor Update`; not read (ordering by it is not implemented, see `normalizeIdwise`).
  'previousSystemDecision',
  'updatedAMLVersionNumber',
  // `Verification Update Required` and `KYC Renewal Deadline Exceeded`; not read.
  'requiredSteps',
);

/**
 * Every IDWise event reports on one verification journey, named by `journeyId`; `referenceNo` is
 * the caller's reference.
 */
export const IDWISE_SUBJECT = {
  kind: 'journey',
  idFields: [IDWISE_BODY_FIELDS.journeyId],
  externalRefField: IDWISE_BODY_FIELDS.referenceNo,
} as const satisfies SubjectFields;

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
 * `KYC Monitoring Alert` rules listen for. An `Updated Journey` whose `action` is an AML one is
 * such an alert too (see `isAmlAction`). Unknown names fall back to `KYC Vendor Event`.
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

/**
 * Confirmed `Updated Journey` actions (its page lists `Step Update`, `AML Amend`, `AML OGM
 * Update`; the manual-review guide shows `Manual Review`). The list is open; only the prefix
 * below is read.
 */
export const IDWISE_ACTIONS = [
  'Step Update',
  'AML Amend',
  'AML OGM Update',
  'Manual Review',
] as const;

/**
 * An `Updated Journey` whose `action` starts with this word (any letter case) reports an AML
 * change, an amendment by the compliance team or ongoing monitoring, so it is published as a
 * `KYC Monitoring Alert`. Inferred: the prefix rule; IDWise names every AML action `AML …`.
 */
export const IDWISE_AML_ACTION_PREFIX = 'AML';

/** The DetailType of an `Updated Journey` with an AML action. */
export const IDWISE_AML_ACTION_DETAIL_TYPE: DetailType = 'KYC Monitoring Alert';

/**
 * What every known event's status is a verdict on. Every event reports on the journey, that is
 * the person: even `Finished Step`, which fires when one step (a document side, a selfie) is
 * processed, carries the journey's decisions so far, not the step's, and its subject is the
 * journey, so its status is the journey's. AML monitoring (the AML event and AML
 * `Updated Journey` actions) is about the person too.
 */
export const IDWISE_KNOWN_EVENT_SCOPE: Scope = 'verification';

/**
 * Scope of an event name IDWise adds later: its decisions, when it carries any, are the
 * journey's (a verdict on the person); without them it carries no verdict at all.
 */
export const IDWISE_UNKNOWN_EVENT_SCOPES = {
  withDecisions: 'verification',
  withoutDecisions: 'other',
} as const satisfies Readonly<Record<string, Scope>>;

/**
 * The field that says why an event happened, written into `vendorStatus` before the decisions
 * (e.g. `action=AML Amend final=Refer system=Refer`): read only on the event that documents it.
 */
export const IDWISE_EVENT_REASON_FIELDS: Readonly<
  Partial<
    Record<IdwiseEventName, typeof IDWISE_BODY_FIELDS.action | typeof IDWISE_BODY_FIELDS.trigger>
  >
> = {
  [IDWISE_EVENTS.updatedJourney]: IDWISE_BODY_FIELDS.action,
  [IDWISE_EVENTS.verificationUpdateRequired]: IDWISE_BODY_FIELDS.trigger,
};

/** `vendorEventType` when the delivery names no event at all. */
export const IDWISE_MISSING_EVENT_TYPE = 'unknown';

/**
 * Events whose meaning fixes the status whatever the decisions say: the journey's decisions
 * still describe the last verification, but the event says the person must resubmit steps
 * (confirmed: a reviewer asked for it, or a KYC renewal is due) or that the renewal window closed
 * without them (confirmed; this event carries no decisions at all).
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
// IDWise's API (Get Journey Result), asked after the webhooks that say a result is ready. Its
// answer holds personal data (the applicant): it is archived, and only the words below published.
// ---------------------------------------------------------------------------------------------

/** Confirmed: one base URL per hosting region; EU is the default. */
export const IDWISE_API_BASE_URLS = {
  eu: 'https://api.idwise.com',
  uae: 'https://api-uae.idwise.com',
  qatar: 'https://api-qat.idwise.com',
} as const;

/**
 * Confirmed: a server API key is an "API Key ID" and an "API Key Secret". Inferred: they are sent
 * as HTTP Basic credentials (id as the user name), as IDWise's API credentials page describes
 * them for server keys; not checked against the live API.
 */
export const IDWISE_API_CREDENTIAL_KEYS = wireNames('keyId', 'keySecret');

/**
 * Inferred path: the journey summary is `GET /journey/v2/summary/{journeyId}` (confirmed); the
 * result is read at the same place under `result`.
 */
export const IDWISE_API_RESULT_PATH = '/journey/v2/result/';

/** Confirmed: the webhook docs say the result of these is fetched with Get Journey Result. */
export const IDWISE_ENRICH_AFTER = [
  IDWISE_EVENTS.finishedJourney,
  IDWISE_EVENTS.manuallyReviewed,
  IDWISE_EVENTS.updatedJourney,
] as const;

/** `vendorEventType` of the events made from Get Journey Result. */
export const IDWISE_RESULT_EVENT_TYPE = 'Journey Result';

/** Confirmed answer fields (the Get Journey Result page's response model). */
export const IDWISE_RESULT_FIELDS = {
  /** The decisions, by the label the webhook's precedence gives each. */
  decisions: { final: 'final_decision', manual: 'manual_decision', system: 'system_decision' },
  /** `{"<rule id>": RuleResultModel}`. */
  ruleResults: 'rule_results',
  /** `AMLModel`. */
  aml: 'aml',
} as const;

/**
 * Inferred: a `RuleResultModel` is `{"name", "result": "Passed" | "Failed"}`, as the journey
 * summary's rule details (confirmed) are.
 */
export const IDWISE_RULE_RESULT = { member: 'result', failed: 'Failed' } as const;
/** Inferred: the AML model's list of the kinds of match found (`pep`, `sanctions`, …). */
export const IDWISE_AML_MATCH_TYPES = 'match_types';

/**
 * Inferred windows: IDWise retries a webhook for 30 minutes, so a journey still referred after a
 * day, or still in progress after two, has most likely lost its last delivery.
 */
export const IDWISE_RECONCILE_AFTER_MINUTES = { in_review: 24 * 60, in_progress: 48 * 60 } as const;

const IDWISE_API: VendorApi = {
  fetches: `Get Journey Result (\`GET ${IDWISE_API_RESULT_PATH}{journeyId}\`)`,
  baseUrls: IDWISE_API_BASE_URLS,
  credentialKeys: Object.values(IDWISE_API_CREDENTIAL_KEYS),
  enrichAfter: IDWISE_ENRICH_AFTER,
  resultEventType: IDWISE_RESULT_EVENT_TYPE,
  reconcileAfterMinutes: IDWISE_RECONCILE_AFTER_MINUTES,
  subjectKinds: [IDWISE_SUBJECT.kind],
  request(subject, credentials) {
    const { keyId, keySecret } = IDWISE_API_CREDENTIAL_KEYS;
    const basic = Buffer.from(`${credentials.values[keyId]}:${credentials.values[keySecret]}`);
    return {
      method: 'GET',
      path: IDWISE_API_RESULT_PATH + encodeURIComponent(subject.id),
      headers: { authorization: `Basic ${basic.toString('base64')}`, accept: 'application/json' },
    };
  },
  read: readJourneyResult,
};

// ---------------------------------------------------------------------------------------------

export interface IdwiseCredentials extends BaseCredentials {
  /** Lower-cased header name → every currently accepted value (several during a rotation). */
  readonly headers: Readonly<Record<string, readonly string[]>>;
}

type DecisionLabel = (typeof IDWISE_DECISION_PRECEDENCE)[number]['label'];
type Decisions = Partial<Record<DecisionLabel, string>>;

/** A body field as the README's trust table names it. */
const bodyField = (key: string): string => `\`${IDWISE_ENVELOPE.body}.${key}\``;

/**
 * What IDWise proves: nothing in the body (it signs nothing), so the configured header is the
 * whole proof, and every field is exactly as trustworthy as that header's secrecy.
 */
const VOUCHED = 'credential' as const;

export const IDWISE_TRUST: readonly TrustRow[] = [
  {
    field:
      'the configured header: `Authorization` (Basic or Bearer) or a custom one such as `x-api-key`',
    proof: VOUCHED,
    use: 'the proof: any configured header with any of its values vouches for the whole body; checked by ingest, never queued or stored. With `allowUnauthenticated` a delivery without it is taken and nothing below is proven',
  },
  {
    field: `\`${IDWISE_ENVELOPE.event}\``,
    proof: VOUCHED,
    use: `\`vendorEventType\`; decides the DetailType and scope, and the status of ${Object.entries(
      IDWISE_EVENT_STATUS_OVERRIDES,
    )
      .map(([event, status]) => `\`${event}\` (\`${status}\`)`)
      .join(' and ')}`,
  },
  {
    field: bodyField(IDWISE_BODY_FIELDS.eventId),
    proof: VOUCHED,
    use: 'the dedup id (identical on every retry); without it, the SHA-256 of the body',
  },
  {
    field: bodyField(IDWISE_BODY_FIELDS.journeyId),
    proof: VOUCHED,
    use: 'the subject (`journey`)',
  },
  {
    field: bodyField(IDWISE_BODY_FIELDS.referenceNo),
    proof: VOUCHED,
    use: "the subject's `externalRef` (your own reference)",
  },
  {
    field: IDWISE_DECISION_PRECEDENCE.map(({ key }) => bodyField(key)).join(', '),
    proof: VOUCHED,
    use: 'the status (the first present decides) and `vendorStatus`; for an unknown event, whether it carries a verdict (scope `verification`) or not (`other`)',
  },
  {
    field: `${bodyField(IDWISE_BODY_FIELDS.action)} (\`${IDWISE_EVENTS.updatedJourney}\`)`,
    proof: VOUCHED,
    use: `the DetailType: an action starting with \`${IDWISE_AML_ACTION_PREFIX}\` makes a \`${IDWISE_AML_ACTION_DETAIL_TYPE}\`; written into \`vendorStatus\``,
  },
  {
    field: `${bodyField(IDWISE_BODY_FIELDS.trigger)} (\`${IDWISE_EVENTS.verificationUpdateRequired}\`)`,
    proof: VOUCHED,
    use: 'label only: written into `vendorStatus`',
  },
  {
    field: [
      IDWISE_BODY_FIELDS.previousSystemDecision,
      IDWISE_BODY_FIELDS.updatedAMLVersionNumber,
      IDWISE_BODY_FIELDS.requiredSteps,
    ]
      .map(bodyField)
      .join(', '),
    proof: VOUCHED,
    use: 'not read: kept in the published payload',
  },
];

export const idwise = defineVendor<IdwiseCredentials>({
  id: IDWISE_VENDOR_ID,
  displayName: 'IDWise',
  routes: [IDWISE_ROUTE],
  // Confirmed: IDWise has an IP allow-list feature, but its source addresses were not found, so
  // there is no default; an operator who learns them sets `allowedIps` in the secret.
  // Refusals keep the default answers (see `IDWISE_SENDER_RETRIES`).
  answers: { accepted: IDWISE_ACCEPTED_STATUS, senderRetries: IDWISE_SENDER_RETRIES },
  // A configured header credential proves the sender; the body is not signed.
  proof: { kind: 'header-credential' },
  trust: IDWISE_TRUST,
  // Built from the tables above, so each fact stays in one place; the README's mapping table is
  // generated from these rows and the tests feed each one through `normalize`.
  testing: {
    // Confirmed: IDWise webhooks carry no personal data. Its API's journey result names the
    // applicant (test/fixtures/idwise/api/): archived, never published or logged.
    personal: {
      fields: ['full_name', 'birth_date'],
      freeTextFields: [],
      knownValues: ['Jane Example', '1990-04-12'],
    },
    rotation: {
      secret: (authorization) => ({ headers: { authorization } }),
      credential: (name) => `Basic ${Buffer.from(`idwise:password-${name}`).toString('base64')}`,
      fixture: 'finished-journey-complete',
    },
    soak: {
      fixtures: [
        'finished-step',
        'finished-journey-incomplete',
        'finished-journey-refer',
        'verification-update-required',
        'finished-journey-complete',
        'manually-reviewed-approved',
        'manually-reviewed-rejected',
      ],
      // Journey ids are 24 hex digits.
      subjectIdShape: 'hex24',
      hasEventTime: false,
      bodyHashIds: false,
      render(body, facts) {
        const inner = objectMember(body, 'body');
        inner['eventId'] = facts.eventId;
        inner['journeyId'] = facts.subjectId;
      },
      forgerySecret: { headers: { authorization: ['Basic bm90OnRoZS1pZHdpc2UtcGFzc3dvcmQ='] } },
    },
  },
  statusMapping: [
    ...Object.entries(IDWISE_DECISION_STATUSES).map(([word, status]) => ({
      field: IDWISE_DECISION_PRECEDENCE.map(({ key }) => key).join(' / '),
      // The table is keyed in lower case for the case-insensitive match; IDWise capitalises.
      value: word.charAt(0).toUpperCase() + word.slice(1),
      status,
      note: 'the first decision present decides; any letter case',
    })),
    ...mappingRows(
      IDWISE_ENVELOPE.event,
      IDWISE_EVENT_STATUS_OVERRIDES,
      'whatever the decisions say',
    ),
  ],

  secretKeys: [IDWISE_CREDENTIAL_HEADERS_KEY],
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

  api: IDWISE_API,

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
  const reasonField = known === undefined ? undefined : IDWISE_EVENT_REASON_FIELDS[known];
  const reason = reasonField === undefined ? undefined : readWord(body, reasonField);

  const subject = readSubject(body, IDWISE_SUBJECT);
  return {
    detailType: detailTypeOf(known, reasonField, reason),
    vendorEventType,
    ...(subject && { subject }),
    status:
      (known === undefined ? undefined : IDWISE_EVENT_STATUS_OVERRIDES[known]) ??
      statusFromDecisions(decisions),
    scope: scopeOf(known, decisions),
    vendorStatus: describe(reasonField, reason, decisions),
  };
}

function detailTypeOf(
  known: IdwiseEventName | undefined,
  reasonField: string | undefined,
  reason: string | undefined,
): DetailType {
  if (known === undefined) return IDWISE_FALLBACK_DETAIL_TYPE;
  if (reasonField === IDWISE_BODY_FIELDS.action && reason !== undefined && isAmlAction(reason)) {
    return IDWISE_AML_ACTION_DETAIL_TYPE;
  }
  return IDWISE_EVENT_DETAIL_TYPES[known];
}

/** `AML Amend`, `aml ogm update`, …: any action whose first letters are `AML`, in any case. */
export function isAmlAction(action: string): boolean {
  return action.trim().toUpperCase().startsWith(IDWISE_AML_ACTION_PREFIX.toUpperCase());
}

function scopeOf(known: IdwiseEventName | undefined, decisions: Decisions): Scope {
  if (known !== undefined) return IDWISE_KNOWN_EVENT_SCOPE;
  return Object.keys(decisions).length > 0
    ? IDWISE_UNKNOWN_EVENT_SCOPES.withDecisions
    : IDWISE_UNKNOWN_EVENT_SCOPES.withoutDecisions;
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

/** A string field exactly as sent; missing, blank and non-string values are `undefined`. */
function readWord(body: unknown, key: string): string | undefined {
  const word = field(body, key);
  return typeof word === 'string' && word.trim() !== '' ? word : undefined;
}

/** The decision words exactly as sent; missing, empty, non-string and `null` ones are left out. */
function readDecisions(body: unknown): Decisions {
  const decisions: Decisions = {};
  for (const { key, label } of IDWISE_DECISION_PRECEDENCE) {
    const word = readWord(body, key);
    if (word === undefined || word.trim().toLowerCase() === IDWISE_ABSENT_DECISION_WORD) continue;
    decisions[label] = word;
  }
  return decisions;
}

/** Decision words are an open set compared case-insensitively; unknown words give `unknown`. */
export function statusFromDecisionWord(word: string): Status {
  return ownValue(IDWISE_DECISION_STATUSES, word.trim().toLowerCase()) ?? 'unknown';
}

function statusFromDecisions(decisions: Decisions): Status {
  for (const { label } of IDWISE_DECISION_PRECEDENCE) {
    const word = decisions[label];
    if (word !== undefined) return statusFromDecisionWord(word);
  }
  return 'unknown';
}

/**
 * `action=AML Amend final=Refer system=Refer`: the event's reason first, when it has one, then the
 * decisions; `null` when IDWise sent neither.
 */
function describe(
  reasonField: string | undefined,
  reason: string | undefined,
  decisions: Decisions,
): string | null {
  const parts = IDWISE_VENDOR_STATUS_ORDER.flatMap((label) => {
    const word = decisions[label];
    return word === undefined ? [] : [`${label}=${word}`];
  });
  if (reasonField !== undefined && reason !== undefined) parts.unshift(`${reasonField}=${reason}`);
  return parts.length === 0 ? null : parts.join(' ');
}

/**
 * What consumers decide on from Get Journey Result: the decisions (the status, by the webhook's
 * precedence), the ids of failed rules, and the AML match kinds. Nothing about the applicant.
 */
function readJourneyResult(answer: unknown): ApiReading | undefined {
  if (!isObject(answer)) return undefined;
  const decisions: Decisions = {};
  const words: { by: string; word: string }[] = [];
  for (const { label } of IDWISE_DECISION_PRECEDENCE) {
    const word = readWord(answer, IDWISE_RESULT_FIELDS.decisions[label]);
    if (word === undefined || word.trim().toLowerCase() === IDWISE_ABSENT_DECISION_WORD) continue;
    decisions[label] = word;
    words.push({ by: label, word });
  }
  if (Object.keys(decisions).length === 0) return undefined;
  const rules = field(answer, IDWISE_RESULT_FIELDS.ruleResults);
  const failedRules = isObject(rules)
    ? Object.keys(rules).filter(
        (id) => text(field(rules[id], IDWISE_RULE_RESULT.member)) === IDWISE_RULE_RESULT.failed,
      )
    : [];
  const matchTypes = field(field(answer, IDWISE_RESULT_FIELDS.aml), IDWISE_AML_MATCH_TYPES);
  const amlFlags = Array.isArray(matchTypes)
    ? matchTypes.filter((flag): flag is string => typeof flag === 'string')
    : [];
  return {
    status: statusFromDecisions(decisions),
    vendorStatus: describe(undefined, undefined, decisions),
    detailType: IDWISE_EVENT_DETAIL_TYPES[IDWISE_EVENTS.finishedJourney],
    findings: { decisions: words, failedRules, amlFlags },
  };
}
