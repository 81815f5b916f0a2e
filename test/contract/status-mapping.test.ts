import { describe, expect, it } from 'vitest';
import { STATUSES } from '../../lambdas/core/event.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';

/**
 * Every vendor's `statusMapping` speaks the shared vocabulary and names each vendor value once.
 * (Each vendor's own test feeds its rows through `normalize`.)
 */
describe.each(VENDORS.map((vendor) => [vendor.id, vendor] as const))(
  'status mapping of %s',
  (_id, vendor) => {
    it('has rows', () => {
      expect(vendor.statusMapping.length).toBeGreaterThan(0);
    });

    it('maps every row to a status of the vocabulary', () => {
      for (const row of vendor.statusMapping) expect(STATUSES).toContain(row.status);
    });

    it('has no duplicate (field, value) rows', () => {
      const keys = vendor.statusMapping.map((row) => JSON.stringify([row.field, row.value]));
      const duplicates = keys.filter((key, i) => keys.indexOf(key) !== i);
      expect(duplicates).toEqual([]);
    });

    it('has a field and a value in every row', () => {
      for (const row of vendor.statusMapping) {
        expect(row.field.trim()).not.toBe('');
        expect(row.value.trim()).not.toBe('');
      }
    });
  },
);
