import {
  DynamoEventHistory,
  type EventHistory,
  type EventSummary,
} from '../../lambdas/adapters/dynamo-event-history.js';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import { subjectKeyOf, type EventStore, type SubjectState } from '../../lambdas/core/ports.js';
import { defineCommand, sharedOption } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { knownSubjectKinds } from '../subject-kinds.js';
import { formatTable } from '../table.js';

const USAGE = `Usage: npx kyc-webhooks history <vendor> <subject-id> [options]
       npx kyc-webhooks history <vendor> --reference <your-reference> [options]

What happened to verification X: every stored event of the subject, newest first (by vendor
time), from the table's lookup index, and the subject's current state.`;

export interface SubjectHistory {
  readonly subjectKey: string;
  readonly state: SubjectState | null;
  readonly events: readonly EventSummary[];
}

/** A subject's events, newest first, and its current state; `undefined` when it has no events. */
export async function subjectHistory(
  history: Pick<EventHistory, 'subjectEvents'>,
  store: Pick<EventStore, 'getSubject'>,
  subjectKey: string,
): Promise<SubjectHistory | undefined> {
  const events = await history.subjectEvents(subjectKey);
  if (events.length === 0) return undefined;
  return { subjectKey, state: (await store.getSubject(subjectKey)) ?? null, events };
}

/** The subjects of the customer's own reference (one index query), each as `subjectHistory`. */
export async function referencedSubjects(
  history: Pick<EventHistory, 'subjectEvents' | 'subjectsByReference'>,
  store: Pick<EventStore, 'getSubject'>,
  vendorId: string,
  reference: string,
): Promise<SubjectHistory[]> {
  const subjects: SubjectHistory[] = [];
  for (const key of await history.subjectsByReference(vendorId, reference)) {
    const subject = await subjectHistory(history, store, key);
    if (subject) subjects.push(subject);
  }
  return subjects;
}

export const historyCommand = defineCommand({
  name: 'history',
  summary: "a subject's events, newest first, and its current state",
  usage: USAGE,
  options: {
    reference: {
      type: 'string',
      value: 'REF',
      help:
        "find the subjects by your own reference (the events' subject.externalRef,\n" +
        'for vendors that echo one): one index query, no scan',
    },
    kind: {
      type: 'string',
      value: 'KIND',
      heading: '',
      help:
        'the subject kind (user, document, journey, …): subjects are keyed\n' +
        "<vendor>#<kind>#<id>. Without it, the kinds the vendor's events use are tried\n" +
        '(one query each), and if none has events the table is scanned for any kind',
    },
    scan: { type: 'boolean', help: 'scan for every kind even when a known kind has events' },
    ...sharedOption(
      'json',
      'machine-readable output: {"subjects": [{"subjectKey", "state", "events"}]}',
    ),
  },
  arguments: ['vendor', 'subject-id?'],
  target: true,
  examples: [
    'treezor 6461762',
    'idwise --reference customer-42',
    'idwise d3f85a7ad9a95a2a45a7fa29 --kind journey --json',
  ],
  async run({ values, args, vendor }, { out, now, target: resolveTarget }) {
    const reference = values.reference;
    if ((args['subject-id'] === undefined) === (reference === undefined)) {
      throw new UsageError('history needs either a subject id or --reference REF (exactly one)');
    }
    const id = args['subject-id'] ?? '';
    const target = await resolveTarget(values);
    const history = DynamoEventHistory.create(target.dynamodb, target.tableName, {
      legacySubjectIndex: target.legacySubjectIndex,
    });
    const store = DynamoEventStore.create(target.dynamodb, target.tableName);

    const found: SubjectHistory[] = [];
    const collect = async (subjectKey: string): Promise<void> => {
      const subject = await subjectHistory(history, store, subjectKey);
      if (subject) found.push(subject);
    };

    let searched: string;
    if (reference !== undefined) {
      found.push(...(await referencedSubjects(history, store, vendor.id, reference)));
      searched = `reference ${reference}`;
    } else if (values.kind !== undefined) {
      await collect(subjectKeyOf(vendor.id, { kind: values.kind, id }));
      searched = `kind ${values.kind}`;
    } else {
      const kinds = values.scan ? [] : knownSubjectKinds(vendor.id);
      for (const kind of kinds) await collect(subjectKeyOf(vendor.id, { kind, id }));
      searched = `kinds ${kinds.join(', ')}`;
      if (found.length === 0) {
        out.note(
          `${values.scan ? 'Scanning' : `No events under the known kinds (${kinds.join(', ')}); scanning`} ` +
            `${target.tableName} for ${vendor.id} subjects with id ${id} (pass --kind to avoid a scan)…`,
        );
        const keys = await history.findSubjectKeys(vendor.id, id, ({ scanned, matched }) =>
          out.progress(`  scanned ${scanned} items, ${matched} events match`),
        );
        for (const key of keys) await collect(key);
        searched = 'every kind (table scan)';
      }
    }

    if (values.json) {
      out.json({
        vendor: vendor.id,
        ...(reference === undefined ? { id } : { reference }),
        searched,
        subjects: found,
      });
    } else {
      for (const [i, subject] of found.entries()) {
        if (i > 0) out.line();
        printSubject(out.line.bind(out), subject, now().toISOString());
      }
    }
    if (found.length === 0) {
      out.note(
        `No events for ${vendor.id} ${reference === undefined ? `subject ${id}` : `reference ${reference}`} ` +
          `in ${target.label} (searched ${searched}).`,
      );
      return EXIT.failed;
    }
    return EXIT.ok;
  },
});

/**
 * One subject, within 100 columns: a header, the current state, then per event one row (vendor
 * time to the second, delay of receipt, status change, vendor event type, publication) and its
 * eventId on the line below, which replay and the console take.
 */
function printSubject(
  line: (text?: string) => void,
  { subjectKey, state, events }: SubjectHistory,
  now: string,
): void {
  const [vendor, kind] = subjectKey.split('#');
  const id = subjectKey.slice(`${vendor}#${kind}#`.length);
  line(`${vendor} ${kind} ${id}`);
  if (state) {
    line(
      `now ${state.status} (was ${state.previousStatus ?? 'none'}) since ${shortTime(state.occurredAt)}, version ${state.version}`,
    );
    line(`  set by ${state.eventId}`);
    if (state.externalRef !== undefined) line(`  your reference ${state.externalRef}`);
  } else {
    line('no current state stored (expired, or its events were never applied)');
  }
  line(`${events.length} event${events.length === 1 ? '' : 's'}, newest first (times UTC):`);
  const rows = events.map((event) => {
    const { detail } = event;
    return [
      shortTime(detail.occurredAt),
      delay(detail.occurredAt, detail.receivedAt),
      `${detail.previousStatus ?? '-'} → ${detail.status}${detail.outOfOrder ? ' (late)' : ''}`,
      detail.vendorEventType,
      publication(event, now),
    ];
  });
  const table = formatTable(
    ['vendor time', 'received', 'status', 'vendor event', 'published'],
    rows,
  );
  const [header, ...lines] = table.split('\n');
  line(header);
  lines.forEach((text, i) => {
    line(text);
    line(`  ${events[i]?.detail.eventId ?? ''}`);
  });
}

/** `2026-01-02 10:00:00`: an instant to the second, UTC. */
function shortTime(instant: string): string {
  return instant.slice(0, 19).replace('T', ' ');
}

/** How long after the vendor's time the delivery arrived: `+2s`, `+5m`, `+3h`, `+2d`, or `-1s`. */
function delay(occurredAt: string, receivedAt: string): string {
  const seconds = Math.round((Date.parse(receivedAt) - Date.parse(occurredAt)) / 1000);
  const sign = seconds < 0 ? '-' : '+';
  const s = Math.abs(seconds);
  if (s < 120) return `${sign}${s}s`;
  if (s < 7200) return `${sign}${Math.round(s / 60)}m`;
  if (s < 172_800) return `${sign}${Math.round(s / 3600)}h`;
  return `${sign}${Math.round(s / 86_400)}d`;
}

function publication(event: EventSummary, now: string): string {
  if (event.publishedAt !== undefined) return shortTime(event.publishedAt);
  if (event.leaseUntil !== undefined && event.leaseUntil > now) return 'NO (publishing now)';
  return 'NO (replay --unpublished)';
}
