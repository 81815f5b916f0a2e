import { describe, expect, it } from 'vitest';
import { defineCommand, sharedOption, type CommandContext } from '../../cli/command.js';
import { EXIT, UsageError } from '../../cli/errors.js';
import { cli } from './cli-support.js';

/** Each command's synopsis, the second line of a usage mistake's answer. */
const SYNOPSIS: Readonly<Record<string, string>> = {
  send: 'send <vendor> <fixture-name|file> [options]',
  verify: 'verify <vendor> <body-file> [options]',
  history: 'history <vendor> <subject-id> [options]',
  secrets: 'secrets <vendor> [--check | --write] [options]',
  deliveries: 'deliveries [options]',
  tail: 'tail [options]',
  replay: 'replay <selection> [options]',
  redrive: 'redrive [selection] [--dry-run] [options]',
  reconcile: 'reconcile [--vendor V] [--since T] [--dry-run] [options]',
};

describe('positional arguments, checked against what each command declares', () => {
  it.each([
    ['send treezor', 'send needs <vendor> <fixture-name|file>; missing <fixture-name|file>'],
    ['verify', 'verify needs <vendor> <body-file>; missing <vendor> <body-file>'],
    ['verify idwise body.json more.json', 'verify takes <vendor> <body-file>, not also: more.json'],
    ['history', 'history needs <vendor> [<subject-id>]; missing <vendor>'],
    ['history treezor 1 2', 'history takes <vendor> [<subject-id>], not also: 2'],
    ['secrets treezor idwise', 'secrets takes <vendor>, not also: idwise'],
    ['deliveries treezor now', 'deliveries takes no arguments: treezor now'],
    ['tail treezor', 'tail takes no arguments: treezor'],
    ['replay treezor:1', 'replay takes no arguments: treezor:1'],
    ['redrive --dry-run all', 'redrive takes no arguments: all'],
    ['reconcile idwise', 'reconcile takes no arguments: idwise'],
  ])('%s: exit 2, the mistake, the synopsis, where the options are', async (line, mistake) => {
    const argv = line.split(' ');
    const [name = ''] = argv;
    const run = await cli(argv, {});
    expect(run.code).toBe(EXIT.usage);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      mistake,
      `Usage: npx kyc-webhooks ${SYNOPSIS[name] ?? '?'}`,
      `Run npx kyc-webhooks ${name} --help for its options.`,
    ]);
  });

  it("history's own rule: a subject id or --reference, exactly one", async () => {
    const neither = await cli(['history', 'idwise'], {});
    expect(neither.code).toBe(EXIT.usage);
    expect(neither.stderr).toContain('history needs either a subject id or --reference REF');
  });

  it('hands each command its named arguments', async () => {
    const treezor = await cli(['secrets', 'treezor'], {});
    const idwise = await cli(['secrets', 'idwise'], {});
    expect(treezor.code).toBe(EXIT.ok);
    expect(idwise.code).toBe(EXIT.ok);
    // Each vendor's skeleton: Treezor signs with a webhook secret, IDWise sends a Basic token.
    expect(treezor.stdout).toContain('"webhookSecrets"');
    expect(idwise.stdout).not.toContain('"webhookSecrets"');
  });
});

describe('defineCommand', () => {
  const context = {} as CommandContext;

  function recorder() {
    const seen: unknown[] = [];
    const command = defineCommand({
      name: 'probe',
      summary: 'records what it is given',
      usage: 'Usage: probe <vendor> [<id>]',
      options: { json: { type: 'boolean', help: 'machine-readable output' } },
      arguments: ['vendor', 'id?'],
      async run({ values, args }) {
        seen.push({ json: values.json, vendor: args.vendor, id: args.id });
        return EXIT.ok;
      },
    });
    return { command, seen };
  }

  it('names the arguments, leaving a missing optional one out, and parses the options', async () => {
    const { command, seen } = recorder();
    expect(await command.run(['treezor', '42', '--json'], context)).toBe(EXIT.ok);
    expect(await command.run(['idwise'], context)).toBe(EXIT.ok);
    expect(seen).toEqual([
      { json: true, vendor: 'treezor', id: '42' },
      { json: undefined, vendor: 'idwise', id: undefined },
    ]);
  });

  it('answers an unknown option as a usage mistake, before running anything', async () => {
    const { command, seen } = recorder();
    await expect(command.run(['treezor', '--nope'], context)).rejects.toThrow(UsageError);
    await expect(command.run([], context)).rejects.toThrow('probe needs <vendor> [<id>]');
    expect(seen).toEqual([]);
  });

  it('takes the shared options it names: --vendor checked against the registry, target, --json', async () => {
    const seen: unknown[] = [];
    const command = defineCommand({
      name: 'probe',
      summary: 'records what it is given',
      usage: 'Usage: probe [options]',
      options: { ...sharedOption('vendor'), ...sharedOption('json') },
      target: true,
      examples: ['--vendor idwise'],
      async run({ values, vendor }) {
        seen.push({ vendor: vendor?.id, json: values.json, stack: values.stack });
        return EXIT.ok;
      },
    });
    await command.run(['--vendor', 'treezor', '--json', '--stack', 'KycWebhooks'], context);
    await command.run([], context);
    await expect(command.run(['--vendor', 'nobody'], context)).rejects.toThrow(
      /^Unknown vendor "nobody"\. Vendors: bronid, /,
    );
    expect(seen).toEqual([
      { vendor: 'treezor', json: true, stack: 'KycWebhooks' },
      { vendor: undefined, json: undefined, stack: undefined },
    ]);
    // The target's options are explained once, after the command's own, then the example.
    expect(command.usage.split('\n\n')).toEqual([
      'Usage: probe [options]',
      "  --vendor V  only this vendor's events\n  --json      machine-readable output",
      expect.stringMatching(/^Target \(default --local\):\n {2}--local /),
      'Example:\n  npx kyc-webhooks probe --vendor idwise',
    ]);
  });

  it('writes the options section from the declarations, each help beside its flag', () => {
    const command = defineCommand({
      name: 'probe',
      summary: 'explains its options',
      usage: 'Usage: probe [options]',
      options: {
        window: {
          type: 'string',
          value: 'T',
          heading: 'Selection:',
          help: 'the start of the window:\nan instant or a duration ago',
        },
        until: { type: 'string', value: 'T' },
        before: { type: 'string', value: 'U', help: 'the end, shared by the two flags' },
        ...sharedOption('vendor', "only this vendor's probes", { note: 'Without them: all.' }),
        quiet: { type: 'boolean', heading: '', help: 'say nothing' },
      },
      notes: 'Probes are never kept.',
      target: true,
      run: async () => EXIT.ok,
    });
    const lines = command.usage.split('\n');
    // The flags' column: the longest label (`--until T, --before U`, 21) and two spaces.
    expect(lines.slice(0, 13)).toEqual([
      'Usage: probe [options]',
      '',
      'Selection:',
      '  --window T             the start of the window:',
      '                         an instant or a duration ago',
      '  --until T, --before U  the end, shared by the two flags',
      "  --vendor V             only this vendor's probes",
      'Without them: all.',
      '',
      '  --quiet                say nothing',
      '',
      'Probes are never kept.',
      '',
    ]);
    expect(lines.slice(13, 15)).toEqual([
      'Target (default --local):',
      '  --local                  local mode (npm start), found through the instance file it',
    ]);
    expect(lines.at(-1)).toBe(
      '  --profile P, --region R  AWS credentials profile and region (else the usual AWS chain)',
    );
  });

  it('parses the options as declared, whatever their help says', async () => {
    const options = {
      id: { type: 'string', multiple: true, value: 'ID', help: 'an id (repeatable)' },
      since: { type: 'string', value: 'T' },
      until: { type: 'string', value: 'T', help: 'the window' },
      quiet: { type: 'boolean', help: 'say nothing' },
    } as const;
    const parsed: unknown[] = [];
    const run = async ({ values }: { values: unknown }) => {
      parsed.push(values);
      return EXIT.ok;
    };
    const command = defineCommand({ name: 'probe', summary: '', usage: '', options, run });
    await command.run(['--id', 'a', '--id', 'b', '--since', '2d', '--quiet'], context);
    expect(parsed).toEqual([{ id: ['a', 'b'], since: '2d', quiet: true }]);
    await expect(command.run(['--quiet=yes'], context)).rejects.toThrow(UsageError);
    await expect(command.run(['--help-text'], context)).rejects.toThrow(UsageError);
  });

  it('checks a <vendor> argument against the registry before running', async () => {
    const { command, seen } = recorder();
    await expect(command.run(['nobody'], context)).rejects.toThrow('Unknown vendor "nobody"');
    expect(seen).toEqual([]);
  });

  it('refuses a declaration with a required argument after an optional one', () => {
    expect(() =>
      defineCommand({
        name: 'odd',
        summary: '',
        usage: '',
        options: {},
        arguments: ['id?', 'vendor'],
        run: async () => EXIT.ok,
      }),
    ).toThrow('odd: a required argument cannot follow an optional one');
    expect(() =>
      defineCommand({
        name: 'twice',
        summary: '',
        usage: '',
        options: sharedOption('vendor'),
        arguments: ['vendor'],
        run: async () => EXIT.ok,
      }),
    ).toThrow('twice: a vendor is named by its argument or by --vendor, not both');
  });
});
