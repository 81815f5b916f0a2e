import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import { parserOptions, type OptionDeclarations } from './options.js';

/** Where a command acts; every command that touches the pipeline takes these. */
export const TARGET_OPTIONS = {
  local: {
    type: 'boolean',
    heading: 'Target (default --local):',
    help:
      'local mode (npm start), found through the instance file it\n' +
      'writes beside its events file (.local/instance.json, or in\n' +
      "KYC_EVENTS_FILE's folder); PORT, KYC_DYNAMODB_PORT, KYC_SQS_PORT,\n" +
      'KYC_EVENTBRIDGE_PORT, KYC_DYNAMODB_TABLE override what it says',
  },
  stack: {
    type: 'string',
    value: 'NAME',
    help: 'a deployed stack, e.g. KycWebhooks; its outputs are read from',
  },
  outputs: {
    type: 'string',
    value: 'FILE',
    help: 'the file `npx cdk deploy --outputs-file FILE` wrote\n(without it, from CloudFormation)',
  },
  profile: { type: 'string', value: 'P' },
  region: {
    type: 'string',
    value: 'R',
    help: 'AWS credentials profile and region (else the usual AWS chain)',
  },
} as const satisfies OptionDeclarations;

/** `parseArgs` with positionals allowed, failing as a usage error. */
export function parseCommandArgs<const O extends OptionDeclarations>(
  argv: readonly string[],
  options: O,
) {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...(parserOptions(options) as O), help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

const DURATION = /^(\d+)\s*(m|min|h|d)$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * A point in time for `--since`/`--until`: an ISO date or instant (`2026-11-21`, read as UTC
 * midnight, or `2026-11-21T09:00:00Z`), `today` or `yesterday` (UTC midnight), `now`, or a
 * duration ago (`30m`, `24h`, `2d`). Returns a canonical instant, comparable with stored times.
 */
export function parseTime(text: string, now: Date, option: string): string {
  const value = text.trim().toLowerCase();
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  if (value === 'now') return now.toISOString();
  if (value === 'today') return new Date(midnight).toISOString();
  if (value === 'yesterday') return new Date(midnight - 86_400_000).toISOString();
  const duration = DURATION.exec(value);
  if (duration) {
    const unit = UNIT_MS[duration[2] ?? ''] ?? 0;
    return new Date(now.getTime() - Number(duration[1]) * unit).toISOString();
  }
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? Date.parse(`${value}T00:00:00Z`)
    : Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `${option} "${text}" is not a time: use an ISO date or instant, today, yesterday, ` +
        'or a duration ago such as 24h or 2d',
    );
  }
  return new Date(ms).toISOString();
}
