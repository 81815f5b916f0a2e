import { TREEZOR_LOCAL_TIME_ZONE } from '../lambdas/vendors/treezor.js';
import type { Vendor } from '../lambdas/core/vendor.js';
import { findVendor } from '../lambdas/vendors/registry.js';

/**
 * What the soak needs to know about each vendor to turn one of its fixtures into many distinct
 * deliveries: which fixtures report on the same kind of subject, and where the event id, the
 * subject id and the event time sit in the body. Only ids and times are changed, so each
 * fixture's `.expected.json` still says which status the delivery carries.
 */

type Json = Record<string, unknown>;

/** The facts one generated event gets; the rest of the body is the fixture's. */
export interface EventFacts {
  /** The vendor's event id, for vendors that send one. */
  readonly eventId: string;
  readonly subjectId: string;
  /** Epoch milliseconds; only for vendors that send an event time. */
  readonly occurredAtMs: number;
}

export interface VendorProfile {
  readonly vendor: Vendor;
  /** Fixtures (under `test/fixtures/<vendor>/`) that report on one kind of subject. */
  readonly fixtures: readonly string[];
  /** Whether the vendor sends an event time; otherwise events are ordered by receive time. */
  readonly hasEventTime: boolean;
  /** The precision of the vendor's event times, when coarser than a millisecond. */
  readonly eventTimeResolutionMs?: number;
  /**
   * Whether the dedup id is a hash of the body. Then two events of one subject must differ in
   * their bytes, or the pipeline rightly takes the second for a retry of the first.
   */
  readonly bodyHashIds: boolean;
  /** Writes the facts into a copy of the fixture's JSON. */
  render(body: Json, facts: EventFacts): void;
  /** A secret of the vendor's shape whose values the pipeline does not accept: for forgeries. */
  readonly forgerySecret: Json;
}

const bronid: Omit<VendorProfile, 'vendor'> = {
  fixtures: ['pending', 'info', 'verified', 'rejected', 'locked'],
  hasEventTime: true,
  bodyHashIds: true,
  render(body, facts) {
    // The first of these present names the verification; keep one so the subject is ours.
    delete body['trace'];
    delete body['submissionId'];
    body['verificationUuid'] = facts.subjectId;
    // Milliseconds (13 digits), so events of one subject can be apart by less than a second.
    body['timestamp'] = facts.occurredAtMs;
  },
  forgerySecret: { signingKeys: ['not-the-bronid-key'] },
};

const idwise: Omit<VendorProfile, 'vendor'> = {
  fixtures: [
    'finished-step',
    'finished-journey-incomplete',
    'finished-journey-refer',
    'verification-update-required',
    'finished-journey-complete',
    'manually-reviewed-approved',
    'manually-reviewed-rejected',
  ],
  hasEventTime: false,
  bodyHashIds: false,
  render(body, facts) {
    const inner = objectAt(body, 'body');
    inner['eventId'] = facts.eventId;
    inner['journeyId'] = facts.subjectId;
  },
  forgerySecret: { headers: { authorization: ['Basic bm90OnRoZS1pZHdpc2UtcGFzc3dvcmQ='] } },
};

const ondato: Omit<VendorProfile, 'vendor'> = {
  fixtures: [
    'kyc-identification-created',
    'kyc-identification-processed',
    'kyc-identification-approved',
    'kyc-identification-rejected',
    'kyc-identification-updated',
  ],
  hasEventTime: true,
  bodyHashIds: false,
  render(body, facts) {
    body['id'] = facts.eventId;
    // Ondato writes seven fractional digits and no zone.
    body['createdUtc'] = `${new Date(facts.occurredAtMs).toISOString().slice(0, -1)}0000`;
    objectAt(body, 'payload')['id'] = facts.subjectId;
  },
  forgerySecret: {
    authorization: ['Basic bm90OnRoZS1vbmRhdG8tcGFzc3dvcmQ='],
    allowedIps: ['127.0.0.1', '::1'],
  },
};

const treezor: Omit<VendorProfile, 'vendor'> = {
  fixtures: ['user.create', 'user.kycrequest', 'user.kycreview', 'user.cancel'],
  hasEventTime: true,
  // A user's signed time, `modifiedDate`, is Paris wall-clock time to the second.
  eventTimeResolutionMs: 1000,
  // The dedup id is the digest of the signed payload, which holds the subject and the time.
  bodyHashIds: true,
  render(body, facts) {
    // The wrapped form: its ids and the inner envelope's must agree, as Treezor's do. They are
    // unsigned labels; the pipeline decides from the payload alone.
    body['webhookId'] = facts.eventId;
    body['messageId'] = facts.eventId.split('').reverse().join('');
    const envelope = objectAt(body, 'webhook');
    envelope['webhook_id'] = facts.eventId;
    envelope['object_id'] = facts.subjectId;
    envelope['webhook_created_at'] = facts.occurredAtMs * 10;
    const users = objectAt(envelope, 'object_payload')['users'];
    if (!Array.isArray(users) || !isJson(users[0])) throw new Error('treezor: users[0] missing');
    users[0]['userId'] = facts.subjectId;
    users[0]['modifiedDate'] = PARIS_WALL_CLOCK.format(new Date(facts.occurredAtMs));
  },
  forgerySecret: { webhookSecrets: ['not-the-treezor-secret'] },
};

const truuth: Omit<VendorProfile, 'vendor'> = {
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
    body['verificationId'] = facts.subjectId;
  },
  forgerySecret: { authorization: ['Bearer not-the-truuth-token'] },
};

/** `2026-01-02 04:25:14`: Treezor's wall-clock format, in its time zone. */
const PARIS_WALL_CLOCK = new Intl.DateTimeFormat('sv-SE', {
  timeZone: TREEZOR_LOCAL_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

const PROFILES: Readonly<Record<string, Omit<VendorProfile, 'vendor'>>> = {
  bronid,
  idwise,
  ondato,
  treezor,
  truuth,
};

/** Every registered vendor's profile; a vendor the soak does not know fails loudly. */
export function vendorProfiles(vendorIds: readonly string[]): VendorProfile[] {
  return vendorIds.map((id) => {
    const vendor = findVendor(id);
    const profile = PROFILES[id];
    if (!vendor) throw new Error(`Vendor ${id} is not registered`);
    if (!profile) {
      throw new Error(
        `The soak has no profile for vendor ${id}: add one to soak/vendor-profiles.ts`,
      );
    }
    return { vendor, ...profile };
  });
}

function objectAt(body: Json, key: string): Json {
  const value = body[key];
  if (!isJson(value)) throw new Error(`Fixture body has no object "${key}"`);
  return value;
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
