import type { StandInFault, StandInFaults } from '../local/vendor-api-stand-in.js';
import { VENDOR_API_KINDS, type FaultSwitch } from './faults.js';
import { keyed } from './random.js';

/** The soak's vendor API client deadline, and how long a "timing out" stand-in holds a call. */
export const SOAK_API_TIMEOUT_MS = 300;
const HANG_MS = 2 * SOAK_API_TIMEOUT_MS;

/**
 * The vendor API stand-in's faults for a soak run: each call, a chance at a 503 or at no answer
 * before the client's deadline, drawn like every other fault (seeded by the request and its
 * attempt, every kind striking at least once, none once faults are off).
 */
export function vendorApiFaults(seed: number, faults: FaultSwitch): StandInFaults {
  const attempts = new Map<string, number>();
  return (vendorId, path): StandInFault | undefined => {
    const key = `${vendorId}${path}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    switch (faults.draw(VENDOR_API_KINDS, keyed(seed, 'vendor-api', `${key}#${attempt}`))) {
      case 'vendorApiError':
        return { status: 503 };
      case 'vendorApiTimeout':
        return { hangMs: HANG_MS };
      default:
        return undefined;
    }
  };
}
