import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PATHS } from '../local/project-paths.js';

/** Subjects of deliveries that name none (see process-record.ts). */
const DELIVERY_KIND = 'delivery';

/**
 * The subject kinds a vendor's events use, as its fixtures show them: every vendor must ship
 * fixtures covering its event families (the contract suite fails otherwise), and each
 * `<name>.expected.json` names the subjects its body yields. Vendors derive some kinds from the
 * body, so this list can miss one; `history` then scans the table.
 */
export function knownSubjectKinds(
  vendorId: string,
  fixturesDir = DEFAULT_PATHS.fixtures,
): string[] {
  const kinds = new Set<string>([DELIVERY_KIND]);
  const dir = join(fixturesDir, vendorId);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.expected.json'));
  } catch {
    return [...kinds];
  }
  for (const name of names) {
    let expected: unknown;
    try {
      expected = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch {
      continue;
    }
    const events = (expected as { events?: unknown }).events;
    if (!Array.isArray(events)) continue;
    for (const event of events) {
      const subject = (event as { subject?: { kind?: unknown; parent?: { kind?: unknown } } })
        .subject;
      if (typeof subject?.kind === 'string') kinds.add(subject.kind);
      if (typeof subject?.parent?.kind === 'string') kinds.add(subject.parent.kind);
    }
  }
  return [...kinds].sort();
}
