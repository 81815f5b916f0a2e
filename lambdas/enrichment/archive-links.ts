import type { DetailType, EventDetail } from '../core/event.js';
import { parseJson } from '../core/json.js';
import type { EventStore } from '../core/ports.js';
import { archivesLinks, type BodyLink, type LinkArchive } from '../core/vendor-api.js';
import type { Vendor } from '../core/vendor.js';
import { queueFindings, resultDigest, type AskDeps, type AskOutcome } from './ask-vendor-api.js';
import { LinkRefusedError, type LinkFetcher } from './ports.js';
import { LINK_CONCURRENCY } from './settings.js';
import { hasTimeLeft, NoTimeLeftError, type RemainingTime } from './time-left.js';

export interface ArchiveDeps extends AskDeps {
  /** The event table, read for the stored raw body (the published event may carry none). */
  readonly events: Pick<EventStore, 'getEvent'>;
  readonly links: LinkFetcher;
}

/**
 * Downloads every link of a stored delivery (a link-archiving vendor's, see `LinkArchive`) into
 * the results bucket under `<vendor>/<event digest>/<field>`, then queues a result event whose
 * findings name the object keys, never the links. Every trigger gets its result event, with no
 * keys when the delivery carried no link (or is no longer stored), so a consumer waiting for it
 * after a trigger always gets an answer. Idempotent: the keys and the queued message's
 * dedup id come from the event id, so a retry rewrites the same objects and is stored once. A
 * link refused for good (`LinkRefusedError`: the SSRF rules, an expired link) is left out of the
 * findings and named in the archived index; any other failure fails the message (retried, then
 * dead-lettered). Links are downloaded `LINK_CONCURRENCY` at a time, each started only while
 * `remainingMs` leaves it time to end and be written (else `NoTimeLeftError`): a failed record has
 * queued nothing, and once the links in flight settle, nothing of it runs on. Only a link's field
 * and host are ever logged: the link is a credential.
 */
export async function archiveLinks(
  vendor: Vendor,
  api: LinkArchive,
  detail: EventDetail,
  detailType: DetailType,
  deps: ArchiveDeps,
  remainingMs: RemainingTime,
): Promise<AskOutcome> {
  const secret = (await deps.secrets.get(vendor.id)) ?? {};
  if (!archivesLinks(secret as Readonly<Record<string, unknown>>, vendor.id)) {
    return 'not-configured';
  }
  const stored = await deps.events.getEvent(detail.eventId);
  const body = stored && stored.bodyEncoding !== 'base64' ? parseJson(stored.rawBody) : undefined;
  const links = body === undefined ? [] : api.linksOf(body);
  const digest = resultDigest(detail.eventId);
  const folder = `${vendor.id}/${digest}`;
  const { archived, refused } = await archiveEach(links, folder, vendor.id, deps, remainingMs);
  // What became of every link (never the link itself): the result's "full answer".
  const resultKey = `${folder}/index.json`;
  await deps.archive.put(resultKey, JSON.stringify({ eventId: detail.eventId, archived, refused }));
  await queueFindings(
    vendor.id,
    {
      origin: 'enrichment',
      subject: { kind: detail.subject.kind, id: detail.subject.id },
      vendorEventType: api.resultEventType,
      reading: {
        status: detail.status,
        vendorStatus: detail.vendorStatus,
        detailType,
        findings: { decisions: [], failedRules: [], amlFlags: [], archived },
      },
      resultKey,
      confirmsEventId: detail.eventId,
    },
    { digest, sourceIp: hostOf(links[0]?.url ?? '') },
    deps,
  );
  return 'queued';
}

type Archived = { readonly field: string; readonly key: string };
type Refused = { readonly field: string; readonly reason: string };

/**
 * Archives every link under `folder`, `LINK_CONCURRENCY` at a time, and says what became of each,
 * in the links' order whatever order they ended in (a retry writes the same index). The first
 * failure, or too little time for the next link, stops new starts; it is thrown once the links
 * in flight have settled.
 */
async function archiveEach(
  links: readonly BodyLink[],
  folder: string,
  vendorId: string,
  deps: ArchiveDeps,
  remainingMs: RemainingTime,
): Promise<{ archived: Archived[]; refused: Refused[] }> {
  const done: (Archived | Refused)[] = [];
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < links.length) {
      if (!hasTimeLeft(remainingMs)) {
        failure = { error: new NoTimeLeftError() };
        return;
      }
      const index = next++;
      try {
        done[index] = await archiveOne(links[index]!, folder, vendorId, deps);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LINK_CONCURRENCY, links.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return {
    archived: done.filter((one): one is Archived => 'key' in one),
    refused: done.filter((one): one is Refused => 'reason' in one),
  };
}

/** Downloads one link and writes it; a link refused for good comes back as its reason. */
async function archiveOne(
  link: BodyLink,
  folder: string,
  vendorId: string,
  deps: ArchiveDeps,
): Promise<Archived | Refused> {
  let fetched;
  try {
    fetched = await deps.links.fetch(link.url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const line = { vendor: vendorId, field: link.field, host: hostOf(link.url), reason };
    if (!(error instanceof LinkRefusedError)) {
      deps.log.warn('link not fetched; will retry', line);
      throw error;
    }
    deps.log.warn('link refused; not archived', line);
    return { field: link.field, reason };
  }
  const key = `${folder}/${link.field}`;
  await deps.archive.put(key, fetched.body, fetched.contentType);
  return { field: link.field, key };
}

function hostOf(link: string): string {
  try {
    return new URL(link).hostname;
  } catch {
    return 'not a URL';
  }
}
