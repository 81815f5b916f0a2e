import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RUNTIME_DEFAULTS } from '../../lambdas/runtime/env.js';
import { FileSecretSource } from '../../local/file-secret-source.js';
import { DEFAULT_PATHS } from '../../local/project-paths.js';
import { defineCommand, type CommandContext } from '../command.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { checkSecret, COMMON_KEYS, secretSkeleton } from '../secret-skeleton.js';
import { isLocal, type TargetArgs } from '../target.js';

const USAGE = `Usage: npx kyc-webhooks secrets <vendor> [--check | --write] [options]

Without --check or --write: prints the JSON skeleton of the vendor's secret, to fill in.
Every list holds all currently accepted values (rotation: add, switch the vendor, remove).`;

const NOTES = `Values are never printed: only field names and how many values each holds.
Ingest picks a new value up within secretMaxAgeSeconds (default ${RUNTIME_DEFAULTS.secretMaxAgeSeconds} s).`;

export const secretsCommand = defineCommand({
  name: 'secrets',
  summary: "print a vendor's secret skeleton; validate and store a filled one",
  usage: USAGE,
  options: {
    check: {
      type: 'boolean',
      help: "validate a filled secret with the vendor's own parser; write nothing",
    },
    write: {
      type: 'boolean',
      help: "validate it, then store it in Secrets Manager as the secret's new value",
    },
    file: { type: 'string', value: 'FILE', help: 'the filled secret (default: standard input)' },
    'secret-id': {
      type: 'string',
      value: 'ARN',
      help: "the secret to write (default: the stack's <Vendor>SecretArn output)",
    },
  },
  notes: NOTES,
  arguments: ['vendor'],
  target: true,
  examples: [
    'treezor > treezor.json      # then fill it in',
    'treezor --write --file treezor.json --outputs cdk-outputs.json',
  ],
  async run({ values, vendor }, context) {
    const { out } = context;
    if (values.write && values.check)
      throw new UsageError('--check and --write exclude each other');

    if (!values.write && !values.check) {
      // The committed development file, whatever KYC_LOCAL_SECRETS points at: it has every vendor.
      const development = await new FileSecretSource(DEFAULT_PATHS.secretsFile).get(vendor.id);
      out.line(JSON.stringify(secretSkeleton(development), null, 2));
      out.note(
        `Fill in every <…>. Optional for any vendor: ${COMMON_KEYS.map((k) => `"${k}"`).join(', ')} ` +
          '(see the README, Deploy). Check it with --check, store it with --write.',
      );
      return EXIT.ok;
    }

    const text = await readSecretText(values.file, context);
    const check = checkSecret(vendor, text);
    for (const warning of check.warnings) out.note(`warning: ${warning}`);
    const shape = check.shape.map((line) => `  ${line}`).join('\n');
    if (values.check) {
      out.line(`The ${vendor.id} secret is valid:\n${shape}`);
      return EXIT.ok;
    }

    const { client, secretId, owned } = await secretDestination(values, vendor.id, context);
    let VersionId: string | undefined;
    try {
      ({ VersionId } = await client.send(
        new PutSecretValueCommand({ SecretId: secretId, SecretString: text }),
      ));
    } finally {
      if (owned) client.destroy();
    }
    out.line(
      `Stored the ${vendor.id} secret in ${secretId}${VersionId ? ` (version ${VersionId})` : ''}:\n` +
        `${shape}\nIngest uses it within secretMaxAgeSeconds ` +
        `(default ${RUNTIME_DEFAULTS.secretMaxAgeSeconds} s).`,
    );
    return EXIT.ok;
  },
});

async function readSecretText(file: string | undefined, { io }: CommandContext): Promise<string> {
  if (file !== undefined && file !== '-') {
    try {
      return await readFile(resolve(file), 'utf8');
    } catch {
      throw new CliError(`Cannot read ${file}`);
    }
  }
  if (io.stdinIsTty) {
    throw new UsageError('give the filled secret with --file FILE, or pipe it on standard input');
  }
  return io.readStdin();
}

async function secretDestination(
  values: TargetArgs & { readonly 'secret-id'?: string },
  vendorId: string,
  context: CommandContext,
): Promise<{ client: SecretsManagerClient; secretId: string; owned: boolean }> {
  const explicit = values['secret-id'];
  if (explicit !== undefined && isLocal(values)) {
    // Only Secrets Manager is needed: no stack outputs to read.
    const client = new SecretsManagerClient({
      ...(values.region !== undefined && { region: values.region }),
      ...(values.profile !== undefined && { profile: values.profile }),
    });
    return { client, secretId: explicit, owned: true };
  }
  const target = await context.target(values);
  const client = target.secretsManager();
  const secretId = explicit ?? target.secretId(vendorId);
  if (secretId === undefined) {
    throw new CliError(
      `${target.label} has no secret output for ${vendorId} (is the vendor deployed?); ` +
        'pass --secret-id',
    );
  }
  return { client, secretId, owned: false };
}
