import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRACT_DIR, generateContract } from '../../scripts/contract.js';
import {
  markers,
  README_PATH,
  renderStatusMapping,
  renderTrust,
  SECTIONS,
  updateReadme,
} from '../../scripts/docs.js';
import { VENDORS } from '../../lambdas/vendors/registry.js';

/**
 * The published contract and the README's mapping tables are generated; these tests fail when a
 * committed file differs from what its generator writes now (run `npm run contract` or
 * `npm run docs`, and commit the result).
 */

/** Hand-written files that live beside the generated ones. */
const HAND_WRITTEN = new Set(['README.md']);

const generated = await generateContract();

describe('contract/', () => {
  const committed = readdirSync(CONTRACT_DIR).filter((file) => !HAND_WRITTEN.has(file));

  it('holds exactly the generated files', () => {
    expect([...committed].sort()).toEqual([...generated.keys()].sort());
  });

  it.each([...generated.entries()])('%s is what `npm run contract` writes', (file, text) => {
    expect(readFileSync(join(CONTRACT_DIR, file), 'utf8')).toBe(text);
  });
});

describe('README generated sections', () => {
  it('is what `npm run docs` writes', async () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(await updateReadme(readme)).toBe(readme);
  });

  it('has a table for every registered vendor', () => {
    const section = renderStatusMapping(VENDORS);
    for (const vendor of VENDORS) expect(section).toContain(`#### ${vendor.displayName}\n`);
  });

  it('has a "What we trust" table for every registered vendor', () => {
    const section = renderTrust(VENDORS);
    for (const vendor of VENDORS) expect(section).toContain(`#### ${vendor.displayName}\n`);
  });

  it('touches nothing outside its markers', async () => {
    const between = SECTIONS.map(({ name }) => {
      const { start, end } = markers(name);
      return `${start}\nstale\n${end}`;
    });
    const readme = `before\n${between.join('\nkept\n')}\nafter\n`;
    const updated = await updateReadme(readme, VENDORS);
    expect(updated.startsWith(`before\n${markers('status-vocabulary').start}\n`)).toBe(true);
    expect(updated.endsWith(`${markers('status-mapping').end}\nafter\n`)).toBe(true);
    expect(updated.split('\nkept\n')).toHaveLength(SECTIONS.length);
    expect(updated).not.toContain('stale');
  });

  it('escapes a | in a cell, so it cannot split the table', () => {
    const [vendor] = VENDORS;
    if (!vendor) throw new Error('no vendor registered');
    const odd = {
      ...vendor,
      statusMapping: [{ field: 'a|b', value: 'x', status: 'unknown' as const }],
    };
    expect(renderStatusMapping([odd])).toContain('| `a\\|b` | `x` | `unknown` |  |');
  });
});
