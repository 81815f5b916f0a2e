import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_PATHS } from '../../local/project-paths.js';
import { sendDelivery } from '../../local/send-delivery.js';
import { defineCommand } from '../command.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { isLocal } from '../target.js';
import { refusalHelp } from './refusal-help.js';

const USAGE = `Usage: npx kyc-webhooks send <vendor> <fixture-name|file> [options]

Signs a body (or adds the credential header) the way the vendor would, with the vendor's first
credential, and posts it to the webhook API. Exits 0 on a 2xx answer, 1 otherwise.

  <fixture-name|file>  a name under test/fixtures/<vendor>/ (e.g. user.kycreview), or a file`;

export const sendCommand = defineCommand({
  name: 'send',
  summary: 'sign and post a fixture or file as the vendor would',
  usage: USAGE,
  options: {
    url: {
      type: 'string',
      value: 'URL',
      help:
        'where to post: a full URL, or a base URL to which the route is added\n' +
        "(default: local mode's server, or the stack's ApiUrl)",
    },
    route: {
      type: 'string',
      value: 'PATH',
      help: "the route to sign for and post to (default: the fixture's, else the\nvendor's first)",
    },
    secrets: {
      type: 'string',
      value: 'FILE',
      help:
        'credentials, in the shape of config/local-secrets.json\n' +
        '(default: that file; required with --stack, whose real credentials the\n' +
        'CLI never reads from Secrets Manager to send)',
    },
  },
  arguments: ['vendor', 'fixture-name|file'],
  target: true,
  examples: [
    'treezor user.kycreview',
    'idwise ./body.json --stack KycWebhooks --outputs cdk-outputs.json \\\n    --secrets ./real-credentials.json',
  ],
  async run({ values, args, vendor }, context) {
    const { out, io } = context;
    const fixture = args['fixture-name|file'];
    if (!isLocal(values) && values.secrets === undefined) {
      throw new UsageError(
        'sending to a deployed stack needs --secrets FILE with its real credentials ' +
          '(same shape as config/local-secrets.json)',
      );
    }
    const target = await context.target(values);
    const route = routeFor(vendor.id, vendor.routes, fixture, values.route);
    const base = values.url === undefined ? target.apiUrl : baseOf(values.url);
    const url = base === undefined ? values.url : `${base}${route}`;
    const secretsFile =
      values.secrets === undefined ? target.localSecretsFile : resolve(values.secrets);

    const result = await sendDelivery({
      vendor: vendor.id,
      fixture,
      route,
      ...(url !== undefined && { url }),
      ...(secretsFile !== undefined && { secretsFile }),
    });
    out.line(`POST ${result.url}`);
    out.line(`${result.status} ${result.body}`);
    if (result.status >= 200 && result.status < 300) return EXIT.ok;
    out.note(`\nRefused (${result.status}). ${refusalHelp(target.kind, io.env)}`);
    return EXIT.failed;
  },
});

/** `http://host/` or `https://…/prod/` (no webhook path): the route is appended to it. */
function baseOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`--url "${url}" is not a URL`);
  }
  return parsed.pathname.includes('/webhooks/') ? undefined : url.replace(/\/+$/, '');
}

/**
 * The route `sendDelivery` would pick, needed up front to build a URL from a base: the explicit
 * one, the vendor's only one, or the one the fixture's `.expected.json` names.
 */
function routeFor(
  vendorId: string,
  routes: readonly string[],
  fixture: string,
  explicit: string | undefined,
): string {
  if (explicit !== undefined) return explicit;
  const [first] = routes;
  if (first === undefined) throw new CliError(`Vendor ${vendorId} declares no route`);
  if (routes.length === 1 || fixture.includes('/') || fixture.includes('\\')) return first;
  const name = fixture.replace(/\.json$/, '');
  const expected = join(DEFAULT_PATHS.fixtures, vendorId, `${name}.expected.json`);
  if (!existsSync(expected)) return first;
  try {
    const { route } = JSON.parse(readFileSync(expected, 'utf8')) as { route?: unknown };
    return typeof route === 'string' && routes.includes(route) ? route : first;
  } catch {
    return first;
  }
}
