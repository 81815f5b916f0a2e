import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseTime } from '../../cli/args.js';
import { COMMANDS } from '../../cli/run.js';
import { cli, ROOT } from './cli-support.js';

function run(
  command: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

describe('the kyc-webhooks command', () => {
  it.each([
    { how: 'npx kyc-webhooks', command: 'npx', args: ['kyc-webhooks', '--help'] },
    { how: 'npm run cli --', command: 'npm', args: ['run', '--silent', 'cli', '--', '--help'] },
  ])('runs as $how', async ({ command, args }) => {
    const result = await run(command, args);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: npx kyc-webhooks <command>');
    for (const { name } of COMMANDS) expect(result.stdout).toContain(`  ${name} `);
  });

  it('shows each command its usage, and exits 2 on a usage mistake', async () => {
    for (const { name } of COMMANDS) {
      const help = await cli([name, '--help'], {});
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`npx kyc-webhooks ${name}`);
    }
    const unknown = await cli(['frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate". Commands: send, verify');
    expect(unknown.stderr.trim().split('\n')).toHaveLength(2);

    // The mistake, the command's synopsis and where its options are: three lines, not the page.
    const badOption = await cli(['replay', '--nope'], {});
    expect(badOption.code).toBe(2);
    expect(badOption.stderr.trim().split('\n')).toEqual([
      expect.stringContaining("Unknown option '--nope'"),
      'Usage: npx kyc-webhooks replay <selection> [options]',
      'Run npx kyc-webhooks replay --help for its options.',
    ]);

    const badVendor = await cli(['history', 'nobody', '1'], {});
    expect(badVendor.code).toBe(2);
    expect(badVendor.stderr).toContain('Unknown vendor "nobody". Vendors: bronid');

    expect((await cli([], {})).code).toBe(2);

    const inverted = await cli(['replay', '--since', '2026-11-22', '--until', '2026-11-21'], {});
    expect(inverted.code).toBe(2);
    expect(inverted.stderr).toContain('--since (2026-11-22T00:00:00.000Z) must be before --until');
  });
});

describe('times for --since and --until', () => {
  const now = new Date('2026-11-22T09:15:00.000Z');

  it.each([
    ['yesterday', '2026-11-21T00:00:00.000Z'],
    ['today', '2026-11-22T00:00:00.000Z'],
    ['24h', '2026-11-21T09:15:00.000Z'],
    ['2d', '2026-11-20T09:15:00.000Z'],
    ['30m', '2026-11-22T08:45:00.000Z'],
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T10:00:00+01:00', '2026-11-01T09:00:00.000Z'],
  ])('reads %s', (text, expected) => {
    expect(parseTime(text, now, '--since')).toBe(expected);
  });

  it('refuses anything else, saying what it takes', () => {
    expect(() => parseTime('last week', now, '--since')).toThrow(
      /--since "last week" is not a time/,
    );
  });
});
