import { isTerminal, type Status } from '../lambdas/core/event.js';
import type { SubjectIdShape } from '../lambdas/core/vendor.js';
import type { DeliveryFactory, SignedDelivery, Template } from './delivery-factory.js';
import { Random } from './random.js';
import type { VendorProfile } from './vendor-profiles.js';

/**
 * The traffic of one soak run, fixed by its seed: subjects spread over every vendor, each with
 * several events in a known chronological order, each event delivered one to five times
 * (sometimes all at once), the whole stream reordered here and there, plus a few forgeries.
 */

export interface PlannedEvent {
  readonly eventId: string;
  readonly vendor: string;
  readonly subjectKey: string;
  readonly status: Status;
  readonly template: string;
  /** The vendor's time (canonical instant); absent for vendors ordered by receive time. */
  readonly occurredAt?: string;
  readonly delivery: SignedDelivery;
  readonly copies: number;
}

export interface PlannedSubject {
  readonly key: string;
  readonly vendor: string;
  readonly hasEventTime: boolean;
  /** Oldest first. */
  readonly events: readonly PlannedEvent[];
}

/** One HTTP delivery a vendor makes (and retries until it is acknowledged). */
export interface Send {
  readonly id: string;
  readonly vendor: string;
  readonly route: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Absent for a forgery, which the pipeline must refuse. */
  readonly event?: PlannedEvent;
}

export interface Scenario {
  readonly seed: number;
  readonly subjects: readonly PlannedSubject[];
  readonly events: readonly PlannedEvent[];
  /** In sending order; the sends of one wave go out concurrently. */
  readonly waves: readonly (readonly Send[])[];
  readonly deliveries: number;
  readonly forgeries: number;
  /** Events first sent before an older event of their subject. */
  readonly reordered: number;
  /** Subjects whose last two events carry the same vendor time (a terminal status must win). */
  readonly equalTimePairs: number;
  /** Events delivered more than once, and those whose copies are sent at the same moment. */
  readonly repeated: number;
  readonly concurrentRepeats: number;
}

export interface ScenarioOptions {
  readonly seed: number;
  readonly deliveries: number;
  readonly profiles: readonly VendorProfile[];
  readonly factory: DeliveryFactory;
}

const FORGERY_SHARE = 0.02;
const EVENTS_PER_SUBJECT = { min: 2, max: 6 } as const;
const SINGLE_COPY_SHARE = 0.55;
const MAX_COPIES = 5;
const CONCURRENT_REPEAT_SHARE = 0.3;
const DISPLACED_SHARE = 0.2;
const EQUAL_TIME_SHARE = 0.08;
/** Vendor times start here; any fixed instant works, the pipeline never compares to now. */
const VENDOR_EPOCH_MS = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

interface Placed {
  readonly position: number;
  readonly wave: string;
  readonly send: Send;
}

export function planScenario(options: ScenarioOptions): Scenario {
  const { seed, deliveries, profiles, factory } = options;
  const rng = new Random(seed);
  const forgeries = Math.min(deliveries, Math.round(deliveries * FORGERY_SHARE));
  let genuineLeft = deliveries - forgeries;

  const subjects: PlannedSubject[] = [];
  const placed: Placed[] = [];
  let equalTimePairs = 0;
  let repeated = 0;
  let concurrentRepeats = 0;
  for (let n = 0; genuineLeft > 0; n += 1) {
    const profile = profiles[n % profiles.length];
    if (!profile) throw new Error('No vendor profiles');
    const drafts = draftSubject(rng, profile, factory.templatesOf(profile.vendor.id));
    if (drafts.equalTime) equalTimePairs += 1;
    const subjectId = subjectIdFor(rng, profile.vendor.testing.soak.subjectIdShape ?? 'uuid', n);
    const start = rng.next();
    const spacing = 0.001 + rng.next() * 0.02;
    const events: PlannedEvent[] = [];
    for (const [i, draft] of drafts.events.entries()) {
      if (genuineLeft <= 0) break;
      const copies = Math.min(
        genuineLeft,
        rng.chance(SINGLE_COPY_SHARE) ? 1 : rng.int(2, MAX_COPIES),
      );
      genuineLeft -= copies;
      const delivery = factory.sign(profile, draft.template, {
        eventId: rng.uuid(),
        subjectId,
        occurredAtMs: draft.occurredAtMs,
      });
      const event: PlannedEvent = {
        eventId: delivery.eventId,
        vendor: profile.vendor.id,
        subjectKey: `${profile.vendor.id}#${draft.template.subjectKind}#${subjectId}`,
        status: draft.template.status,
        template: draft.template.name,
        ...(profile.hasEventTime && {
          occurredAt: new Date(draft.occurredAtMs).toISOString(),
        }),
        delivery,
        copies,
      };
      events.push(event);

      let position = start + i * spacing;
      if (rng.chance(DISPLACED_SHARE)) position += (rng.next() - 0.5) * 0.1;
      const together = copies > 1 && rng.chance(CONCURRENT_REPEAT_SHARE);
      if (copies > 1) repeated += 1;
      if (together) concurrentRepeats += 1;
      for (let copy = 0; copy < copies; copy += 1) {
        const at = copy === 0 || together ? position : position + rng.next() * 0.15;
        const id = `${event.eventId}/${copy + 1}`;
        placed.push({
          position: at,
          wave: together ? event.eventId : id,
          send: { id, vendor: event.vendor, ...delivery, event },
        });
      }
    }
    if (events.length > 0) {
      subjects.push({
        key: events[0]?.subjectKey ?? '',
        vendor: profile.vendor.id,
        hasEventTime: profile.hasEventTime,
        events,
      });
    }
  }

  for (let n = 0; n < forgeries; n += 1) {
    const profile = rng.pick(profiles);
    const template = rng.pick(factory.templatesOf(profile.vendor.id));
    const forged = factory.forge(profile, template, {
      eventId: rng.uuid(),
      subjectId: `forged-${rng.uuid()}`,
      occurredAtMs: VENDOR_EPOCH_MS + rng.int(0, 30 * DAY_MS),
    });
    const id = `forged-${n + 1}`;
    placed.push({
      position: rng.next(),
      wave: id,
      send: { id, vendor: profile.vendor.id, ...forged },
    });
  }

  placed.sort((a, b) => a.position - b.position);
  const waves = groupWaves(placed);
  const events = subjects.flatMap((subject) => subject.events);
  return {
    seed,
    subjects,
    events,
    waves,
    deliveries,
    forgeries,
    reordered: countReordered(subjects, waves),
    equalTimePairs,
    repeated,
    concurrentRepeats,
  };
}

interface EventDraft {
  readonly template: Template;
  readonly occurredAtMs: number;
}

/**
 * A subject's events, oldest first. Some subjects end with two events at the same vendor time,
 * one terminal and one not, so the terminal one must win whatever the arrival order.
 */
function draftSubject(
  rng: Random,
  profile: VendorProfile,
  templates: readonly Template[],
): { events: EventDraft[]; equalTime: boolean } {
  let count = rng.int(EVENTS_PER_SUBJECT.min, EVENTS_PER_SUBJECT.max);
  // Without an event time, two events built from one fixture would be the same bytes.
  const distinct = profile.bodyHashIds && !profile.hasEventTime;
  if (distinct) count = Math.min(count, templates.length);
  const chosen = distinct
    ? rng.shuffle(templates).slice(0, count)
    : Array.from({ length: count }, () => rng.pick(templates));

  // Steps of at least a second, so times stay distinct at the vendor's resolution.
  const resolution = profile.eventTimeResolutionMs ?? 1;
  let time = VENDOR_EPOCH_MS + rng.int(0, 30 * DAY_MS);
  const events = chosen.map((template) => {
    time += rng.int(1_000, 3 * 3_600_000);
    return { template, occurredAtMs: Math.floor(time / resolution) * resolution };
  });

  const terminal = templates.filter((t) => isTerminal(t.status));
  const open = templates.filter((t) => !isTerminal(t.status));
  const last = events.at(-1);
  if (
    profile.hasEventTime &&
    last &&
    count >= 2 &&
    terminal.length > 0 &&
    open.length > 0 &&
    rng.chance(EQUAL_TIME_SHARE)
  ) {
    const pair = rng.shuffle([rng.pick(terminal), rng.pick(open)]);
    events.splice(
      -2,
      2,
      ...pair.map((template) => ({ template, occurredAtMs: last.occurredAtMs })),
    );
    return { events, equalTime: true };
  }
  return { events, equalTime: false };
}

/** A subject id of the vendor's own shape; `n` keeps numeric ones distinct. */
function subjectIdFor(rng: Random, shape: SubjectIdShape, n: number): string {
  switch (shape) {
    case 'hex24':
      return rng.hex(24);
    case 'numeric':
      return String(7_000_000 + n);
    case 'uuid':
      return rng.uuid();
  }
}

/** Consecutive sends of one wave (the copies of a concurrent repeat) go out together. */
function groupWaves(placed: readonly Placed[]): Send[][] {
  const byWave = new Map<string, Send[]>();
  const order: Send[][] = [];
  for (const { wave, send } of placed) {
    const group = byWave.get(wave);
    if (group) {
      group.push(send);
      continue;
    }
    const fresh = [send];
    byWave.set(wave, fresh);
    order.push(fresh);
  }
  return order;
}

function countReordered(
  subjects: readonly PlannedSubject[],
  waves: readonly (readonly Send[])[],
): number {
  const firstSent = new Map<string, number>();
  waves.forEach((wave, i) => {
    for (const send of wave) {
      if (send.event && !firstSent.has(send.event.eventId)) firstSent.set(send.event.eventId, i);
    }
  });
  let reordered = 0;
  for (const subject of subjects) {
    let latest = -1;
    for (const event of subject.events) {
      const at = firstSent.get(event.eventId) ?? 0;
      if (at < latest) reordered += 1;
      latest = Math.max(latest, at);
    }
  }
  return reordered;
}
