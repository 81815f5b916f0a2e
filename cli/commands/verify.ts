import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SecretsManagerSecretSource } from '../../lambdas/adapters/secrets-manager-secret-source.js';
import type { EventQueue, SecretSource } from '../../lambdas/core/ports.js';
import { ingestDelivery } from '../../lambdas/ingest/ingest-delivery.js';
import { FileSecretSource } from '../../local/file-secret-source.js';
import { defineCommand, sharedOption } from '../command.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import type { Target } from '../target.js';

const DEFAULT_SOURCE_IP = '127.0.0.1';

const USAGE = `Usage: npx kyc-webhooks verify <vendor> <body-file> [options]

Why would this delivery be refused? Runs ingest's own checks (size, IP allow-list, the
vendor's signature or credential check) on a body and its headers against the configured
credentials, without queueing anything, and prints the reason code ingest would log.
Exits 0 when ingest would accept it, 1 when it would refuse it.`;

/** Never used: a verified delivery is only reported, not queued. */
const NO_QUEUE: EventQueue = { send: async () => undefined };

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'tell why ingest would refuse a body and its headers (reason code)',
  usage: USAGE,
  options: {
    header: {
      type: 'string',
      multiple: true,
      value: '"Name: value"',
      help: "a request header (repeatable), e.g. the vendor's Authorization",
    },
    route: {
      type: 'string',
      value: 'PATH',
      help: "the route it was posted to (default: the vendor's first)",
    },
    'source-ip': {
      type: 'string',
      value: 'IP',
      help: `the sender's address, for allow-lists (default ${DEFAULT_SOURCE_IP})`,
    },
    secrets: {
      type: 'string',
      value: 'FILE',
      help:
        'credentials in the shape of config/local-secrets.json (default:\n' +
        "local mode's file; with --stack, the vendor's Secrets Manager secret)",
    },
    ...sharedOption('json'),
  },
  arguments: ['vendor', 'body-file'],
  target: true,
  examples: ['idwise ./body.json --header "Authorization: Basic ZGV2Oi4uLg=="'],
  async run({ values, args, vendor }, context) {
    const file = args['body-file'];
    const route = values.route ?? vendor.routes[0] ?? '';
    const target = await context.target(values);
    const secrets = secretSource(values.secrets, target, vendor.id);
    let body: string;
    try {
      body = await readFile(resolve(file), 'utf8');
    } catch {
      throw new CliError(`Cannot read ${file}`);
    }

    const sourceIp = values['source-ip'] ?? DEFAULT_SOURCE_IP;
    const { answer, outcome } = await ingestDelivery(
      {
        path: route,
        headers: parseHeaders(values.header ?? []),
        body,
        isBase64Encoded: false,
        sourceIp,
        requestId: 'verify',
        now: context.now(),
      },
      { secrets, queue: NO_QUEUE, vendorId: vendor.id },
    );
    const accepted = outcome.result === 'accepted';
    const eventId = outcome.dedupId === undefined ? undefined : `${vendor.id}:${outcome.dedupId}`;
    const problem =
      outcome.error instanceof Error
        ? `${outcome.error.name}: ${outcome.error.message}`
        : undefined;
    if (values.json) {
      context.out.json({
        vendor: vendor.id,
        route,
        sourceIp,
        result: outcome.result,
        answer: answer.statusCode,
        ...(outcome.reason && { reason: outcome.reason }),
        ...(eventId && { eventId }),
        ...(outcome.matched && { matched: outcome.matched }),
        ...(problem && { problem }),
      });
    } else if (accepted) {
      context.out.line(
        `accepted: answer ${answer.statusCode}; it would be event ${eventId ?? '?'}` +
          (outcome.matched ? ` (matched ${outcome.matched})` : ''),
      );
    } else {
      context.out.line(
        `${outcome.result}: ${outcome.reason ?? 'unknown'} (answer ${answer.statusCode})` +
          (problem ? `\n  ${problem}` : ''),
      );
      if (outcome.reason === 'ip_not_allowed' && values['source-ip'] === undefined) {
        context.out.note(
          `Checked as sent from ${sourceIp}; pass --source-ip with the sender's address.`,
        );
      }
    }
    return accepted ? EXIT.ok : EXIT.failed;
  },
});

function secretSource(file: string | undefined, target: Target, vendorId: string): SecretSource {
  if (file !== undefined) return new FileSecretSource(resolve(file));
  if (target.localSecretsFile !== undefined) return new FileSecretSource(target.localSecretsFile);
  const secretId = target.secretId(vendorId);
  if (secretId === undefined) {
    throw new CliError(`${target.label} has no secret output for ${vendorId}; pass --secrets FILE`);
  }
  // Read once per command: no caching wanted.
  return new SecretsManagerSecretSource(target.secretsManager(), { [vendorId]: secretId }, 0);
}

/** `Name: value` pairs; header names are matched case-insensitively by ingest. */
function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    if (at <= 0) throw new UsageError(`--header "${line}" is not "Name: value"`);
    const name = line.slice(0, at).trim().toLowerCase();
    const value = line.slice(at + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return headers;
}
