import { parseArgs } from 'node:util';
import { LOCAL_ENV, secretsFileFrom } from './project-paths.js';
import { sendDelivery, SendError } from './send-delivery.js';

/**
 * `npm run send -- <vendor> <fixture-name|file> [--url URL] [--route PATH]`: posts a signed
 * body to the running local pipeline and prints the answer. Exits 0 on a 2xx answer, 1 on any
 * other answer or error, 2 on a usage mistake.
 */

const USAGE =
  'Usage: npm run send -- <vendor> <fixture-name|file> [--url URL] [--route PATH]\n' +
  '  e.g. npm run send -- treezor user.kycreview';

const OPTIONS = {
  url: { type: 'string' },
  route: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
try {
  parsed = parseArgs({ allowPositionals: true, options: OPTIONS });
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
const [vendor, fixture, ...extra] = parsed.positionals;
if (parsed.values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (vendor === undefined || fixture === undefined || extra.length > 0) {
  console.error(USAGE);
  process.exit(2);
}

const portText = process.env[LOCAL_ENV.port];
const port = portText ? Number(portText) : undefined;
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port <= 65_535)) {
  console.error(`${LOCAL_ENV.port} must be the local pipeline's port, got "${portText}"`);
  process.exit(2);
}
try {
  const result = await sendDelivery({
    vendor,
    fixture,
    secretsFile: secretsFileFrom(process.env),
    ...(parsed.values.url !== undefined && { url: parsed.values.url }),
    ...(parsed.values.route !== undefined && { route: parsed.values.route }),
    ...(port !== undefined && { port }),
  });
  console.log(`POST ${result.url}\n${result.status} ${result.body}`);
  process.exit(result.status >= 200 && result.status < 300 ? 0 : 1);
} catch (error) {
  console.error(error instanceof SendError ? error.message : error);
  process.exit(1);
}
