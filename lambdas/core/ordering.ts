import { isTerminal, type Status } from './event.js';

/** The part of an event or subject state that ordering looks at. */
export interface OrderingFacts {
  readonly eventId: string;
  readonly status: Status;
  /** Canonical instant (see time.ts): string order is time order. */
  readonly occurredAt: string;
}

/**
 * How an incoming event relates to the subject's current state (DESIGN §4.5):
 * - `first`: the subject has no state yet;
 * - `same`: this very event set the current state (a retry: applying it again is a no-op);
 * - `newer`: it supersedes the current state;
 * - `stale`: it is older, so it is published with `outOfOrder: true` and changes nothing.
 * Equal times: a terminal status wins over a non-terminal one; otherwise the later arrival wins.
 */
export function compareToCurrent(
  current: OrderingFacts | undefined,
  incoming: OrderingFacts,
): 'first' | 'same' | 'newer' | 'stale' {
  if (current === undefined) return 'first';
  if (current.eventId === incoming.eventId) return 'same';
  if (incoming.occurredAt > current.occurredAt) return 'newer';
  if (incoming.occurredAt < current.occurredAt) return 'stale';
  return isTerminal(current.status) && !isTerminal(incoming.status) ? 'stale' : 'newer';
}
