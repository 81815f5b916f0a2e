import type { DetailType, EventDetail } from '../core/event.js';
import { parseJson } from '../core/json.js';
import type { EventStore } from '../core/ports.js';
import { archivesLinks, type LinkArchive } from '../core/vendor-api.js';
import type { Vendor } from '../core/vendor.js';
import { queueFindings, resultDigest, type AskDeps, type AskOutcome } from './ask-vendor-api.js';
import { LinkRefusedError, type LinkFetcher } from './ports.js';

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
 * dead-lettered). Only a link's field and host are ever logged: the link is a credential.
 */
export async function archiveLinks(
  vendor: Vendor,
  api: LinkArchive,
  detail: EventDetail,
  detailType: DetailType,
  deps: ArchiveDeps,
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
  const archived: { field: string; key: string }[] = [];
  const refused: { field: string; reason: string }[] = [];
  for (const link of links) {
    const key = `${folder}/${link.field}`;
    let fetched;
    try {
      fetched = await deps.links.fetch(link.url);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const line = { vendor: vendor.id, field: link.field, host: hostOf(link.url), reason };
      if (!(error instanceof LinkRefusedError)) {
        deps.log.warn('link not fetched; will retry', line);
        throw error;
      }
      deps.log.warn('link refused; not archived', line);
      refused.push({ field: link.field, reason });
      continue;
    }
    await deps.archive.put(key, fetched.body, fetched.contentType);
    archived.push({ field: link.field, key });
  }
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

function hostOf(link: string): string {
  try {
    return new URL(link).hostname;
  } catch {
    return 'not a URL';
  }
}
