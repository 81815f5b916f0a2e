import { randomUUID } from 'node:crypto';
import { VENDORS } from '../lambdas/vendors/registry.js';
import { DEFAULT_PATHS } from '../local/project-paths.js';
import { DeliveryFactory, type SignedDelivery } from '../soak/delivery-factory.js';
import { vendorProfiles, type VendorProfile } from '../soak/vendor-profiles.js';

/**
 * Genuine deliveries for the load run, from every registered vendor in turn: each a new event
 * about a new subject (as most real traffic is), built from the vendor's fixtures by the soak's
 * factory and signed (or given its credential header) with the local development credentials.
 */
export class LoadTraffic {
  #sent = 0;

  private constructor(
    private readonly factory: DeliveryFactory,
    private readonly profiles: readonly VendorProfile[],
  ) {}

  static async load(secretsFile = DEFAULT_PATHS.secretsFile): Promise<LoadTraffic> {
    const profiles = vendorProfiles(VENDORS.map((vendor) => vendor.id));
    const factory = await DeliveryFactory.load(profiles, secretsFile, DEFAULT_PATHS.fixtures);
    return new LoadTraffic(factory, profiles);
  }

  get vendors(): string[] {
    return this.profiles.map((profile) => profile.vendor.id);
  }

  /** The next delivery: vendors in turn, each vendor's fixtures in turn. */
  next(): SignedDelivery {
    const n = this.#sent;
    this.#sent += 1;
    const profile = this.profiles[n % this.profiles.length];
    if (!profile) throw new Error('load: no vendor is registered');
    const templates = this.factory.templatesOf(profile.vendor.id);
    const template = templates[Math.floor(n / this.profiles.length) % templates.length];
    if (!template) throw new Error(`load: ${profile.vendor.id} has no soak fixtures`);
    const resolution = profile.eventTimeResolutionMs ?? 1;
    return this.factory.sign(profile, template, {
      eventId: randomUUID(),
      // Digits only: every vendor's id fields accept them (Treezor's user ids are numbers).
      subjectId: subjectIdOf(n),
      occurredAtMs: Math.floor(Date.now() / resolution) * resolution,
    });
  }
}

/** 24 digits, unique per process and run: a fresh subject for every delivery. */
function subjectIdOf(n: number): string {
  const run = String(process.pid % 100_000).padStart(5, '0');
  const started = String(START % 1_000_000_000).padStart(9, '0');
  return `${run}${started}${String(n).padStart(10, '0')}`;
}

const START = Date.now();
