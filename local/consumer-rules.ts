import { randomUUID } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { compilePattern } from './event-pattern.js';
import type { PublishedEvent } from './put-events-server.js';

/**
 * Consumer rules, offline: rules a user declares for local mode, matched against every published
 * event exactly as EventBridge matches a rule's event pattern, and delivered to a local HTTP
 * endpoint or appended to a file — so a consumer can try its rule before deploying it.
 *
 * The rules file is JSON: `[{"name", "eventPattern", "target": {"url"} | {"file"}}]`, where
 * `eventPattern` is written exactly as for `aws events put-rule --event-pattern`. Names are
 * unique, as on a bus; a relative `file` is taken from the working directory, as any path the
 * user gives.
 */

/** The account and region local mode pretends to be, as EventBridge puts them in the event. */
export const LOCAL_ACCOUNT = '123456789012';
export const LOCAL_REGION = 'us-east-1';

/** How long a local HTTP target may take to answer, and how often a failed delivery is tried. */
const TARGET_TIMEOUT_MS = 5_000;
const TARGET_ATTEMPTS = 3;

export type RuleTarget = { readonly url: string } | { readonly file: string };

export interface ConsumerRule {
  readonly name: string;
  readonly matches: (event: unknown) => boolean;
  readonly target: RuleTarget;
}

/** The event as an EventBridge rule's target receives it. */
export interface DeliveredEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

/** The published entry as EventBridge hands it to a rule: the envelope around the detail. */
export function toDeliveredEvent(event: PublishedEvent, id: string = randomUUID()): DeliveredEvent {
  return {
    version: '0',
    id,
    'detail-type': event.DetailType,
    source: event.Source,
    account: LOCAL_ACCOUNT,
    // EventBridge writes the time to the second.
    time: `${event.Time.slice(0, 19)}Z`,
    region: LOCAL_REGION,
    resources: [],
    detail: JSON.parse(event.Detail) as unknown,
  };
}

/** Reads and checks a rules file; a bad rule fails with a message naming it and what is wrong. */
export async function loadConsumerRules(file: string): Promise<ConsumerRule[]> {
  const text = await readFile(file, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${file}: not JSON`);
  }
  if (!Array.isArray(raw)) throw new Error(`${file}: expected a list of rules`);
  const rules = raw.map((entry: unknown, i) => readRule(entry, `${file}: rule ${i + 1}`));
  // Failed deliveries are reported by rule name, so a name must say which rule.
  const seen = new Set<string>();
  for (const [i, rule] of rules.entries()) {
    if (seen.has(rule.name)) {
      throw new Error(`${file}: rule ${i + 1} (${rule.name}): another rule has this name`);
    }
    seen.add(rule.name);
  }
  return rules;
}

/** The target as a person reads it: its URL, or its file. */
export function describeTarget(target: RuleTarget): string {
  return 'url' in target ? target.url : target.file;
}

function readRule(entry: unknown, where: string): ConsumerRule {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new Error(`${where}: expected {"name", "eventPattern", "target"}`);
  }
  const { name, eventPattern, target, ...rest } = entry as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new Error(`${where}: unknown key(s) ${extra.join(', ')}`);
  if (typeof name !== 'string' || name === '') throw new Error(`${where}: "name" is required`);
  const label = `${where} (${name})`;
  let matches: (event: unknown) => boolean;
  try {
    matches = compilePattern(eventPattern);
  } catch (error) {
    throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { name, matches, target: readTarget(target, label) };
}

function readTarget(target: unknown, where: string): RuleTarget {
  const { url, file, ...rest } = (target ?? {}) as Record<string, unknown>;
  const given = [url, file].filter((value) => value !== undefined).length;
  if (Object.keys(rest).length > 0 || given !== 1) {
    throw new Error(`${where}: "target" must be {"url": "http://…"} or {"file": "path"}`);
  }
  if (typeof file === 'string' && file !== '') return { file: resolve(file) };
  if (typeof url === 'string' && /^https?:\/\//.test(url)) return { url };
  throw new Error(`${where}: "target" must be {"url": "http://…"} or {"file": "path"}`);
}

export interface RuleDelivery {
  readonly rule: string;
  readonly ok: boolean;
  readonly error?: string;
}

/**
 * Sends one published event to every rule it matches, each target in its own time: a slow or
 * failing target delays or fails only its own deliveries. Like EventBridge, a failed delivery is
 * tried again (here a few times, at once) and then reported, never thrown.
 */
export async function dispatchToRules(
  rules: readonly ConsumerRule[],
  event: PublishedEvent,
): Promise<RuleDelivery[]> {
  const delivered = toDeliveredEvent(event);
  const matching = rules.filter((rule) => rule.matches(delivered));
  return Promise.all(
    matching.map(async (rule): Promise<RuleDelivery> => {
      let lastError = '';
      for (let attempt = 0; attempt < TARGET_ATTEMPTS; attempt += 1) {
        try {
          await deliver(rule.target, delivered);
          return { rule: rule.name, ok: true };
        } catch (error) {
          lastError = error instanceof Error ? error.message : String(error);
        }
      }
      return { rule: rule.name, ok: false, error: lastError };
    }),
  );
}

async function deliver(target: RuleTarget, event: DeliveredEvent): Promise<void> {
  if ('file' in target) {
    await appendFile(target.file, `${JSON.stringify(event)}\n`, 'utf8');
    return;
  }
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(TARGET_TIMEOUT_MS),
    });
  } catch (error) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout…) is in its cause.
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new Error(`could not post to ${target.url}: ${String(reason)}`, { cause: error });
  }
  await response.body?.cancel();
  if (!response.ok) throw new Error(`${target.url} answered ${response.status}`);
}
