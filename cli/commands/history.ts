import {
  DynamoEventHistory,
  type EventHistory,
  type EventSummary,
} from '../../lambdas/adapters/dynamo-event-history.js';
import { DynamoEventStore } from '../../lambdas/adapters/dynamo-event-store.js';
import type { EventStore, SubjectState } from '../../lambdas/core/ports.js';
import { parseCommandArgs, TARGET_OPTIONS, TARGET_USAGE } from '../args.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { knownSubjectKinds } from '../subject-kinds.js';
import { formatTable } from '../table.js';
import { requireVendor } from './vendor-arg.js';

const OPTIONS = {
  kind: { type: 'string' },
  scan: { type: 'boolean' },
  json: { type: 'boolean' },
  ...TARGET_OPTIONS,
} as const;

const USAGE = `Usage: npx kyc-webhooks history <vendor> <subject-id> [options]

What happened to verification X: every stored event of the subject, newest first (by vendor
time), from the table's bySubject index, and the subject's current state.

  --kind KIND   the subject kind (user, document, journey, …): subjects are keyed
                <vendor>#<kind>#<id>. Without it, the kinds the vendor's events use are tried
                (one query each), and if none has events the table is scanned for any kind
  --scan        scan for every kind even when a known kind has events
  --json        machine-readable output: {"subjects": [{"subjectKey", "state", "events"}]}

${TARGET_USAGE}

Examples:
  npx kyc-webhooks history treezor 6461762
  npx kyc-webhooks history idwise d3f85a7ad9a95a2a45a7fa29 --kind journey --json`;

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

export const historyCommand: Command = {
  name: 'history',
  summary: "a subject's events, newest first, and its current state",
  usage: USAGE,
  async run(argv, { out, now, target: resolveTarget }) {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS);
    const [vendorId, id, ...extra] = positionals;
    if (vendorId === undefined || id === undefined || extra.length > 0) {
      throw new UsageError('history needs a vendor and a subject id');
    }
    const vendor = requireVendor(vendorId);
    const target = await resolveTarget(values);
    const history = DynamoEventHistory.create(target.dynamodb, target.tableName);
    const store = DynamoEventStore.create(target.dynamodb, target.tableName);

    const found: SubjectHistory[] = [];
    const collect = async (subjectKey: string): Promise<void> => {
      const subject = await subjectHistory(history, store, subjectKey);
      if (subject) found.push(subject);
    };

    let searched: string;
    if (values.kind !== undefined) {
      await collect(`${vendor.id}#${values.kind}#${id}`);
      searched = `kind ${values.kind}`;
    } else {
      const kinds = values.scan ? [] : knownSubjectKinds(vendor.id);
      for (const kind of kinds) await collect(`${vendor.id}#${kind}#${id}`);
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
      out.json({ vendor: vendor.id, id, searched, subjects: found });
    } else {
      for (const [i, subject] of found.entries()) {
        if (i > 0) out.line();
        printSubject(out.line.bind(out), subject, now().toISOString());
      }
    }
    if (found.length === 0) {
      out.note(
        `No events for ${vendor.id} subject ${id} in ${target.label} (searched ${searched}).`,
      );
      return EXIT.failed;
    }
    return EXIT.ok;
  },
};

function printSubject(
  line: (text?: string) => void,
  { subjectKey, state, events }: SubjectHistory,
  now: string,
): void {
  const [vendor, kind] = subjectKey.split('#');
  const id = subjectKey.slice(`${vendor}#${kind}#`.length);
  line(`${vendor} ${kind} ${id}  (subjectKey ${subjectKey})`);
  line(
    state
      ? `current state: ${state.status} (previous ${state.previousStatus ?? 'none'}), vendor time ` +
          `${state.occurredAt}, set by ${state.eventId}; version ${state.version}, updated ${state.updatedAt}`
      : 'current state: none stored (expired, or its events were never applied)',
  );
  line(`${events.length} event${events.length === 1 ? '' : 's'}, newest first:`);
  const rows = events.map((event) => {
    const { detail } = event;
    return [
      detail.occurredAt,
      detail.receivedAt,
      `${detail.previousStatus ?? '(none)'} → ${detail.status}`,
      detail.outOfOrder ? 'OUT OF ORDER' : 'no',
      detail.vendorEventType,
      detail.eventId,
      publication(event, now),
    ];
  });
  line(
    formatTable(
      [
        'occurredAt (vendor)',
        'receivedAt',
        'status',
        'outOfOrder',
        'vendorEventType',
        'eventId',
        'published',
      ],
      rows,
    ),
  );
}

function publication(event: EventSummary, now: string): string {
  if (event.publishedAt !== undefined) return event.publishedAt;
  if (event.leaseUntil !== undefined && event.leaseUntil > now) {
    return `NO (being published, lease until ${event.leaseUntil})`;
  }
  return 'NO (replay --unpublished publishes it)';
}
