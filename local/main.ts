import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { describeTarget, loadConsumerRules, type ConsumerRule } from './consumer-rules.js';
import { AlreadyRunningError, startLocalPipeline, type LocalPipeline } from './pipeline.js';
import {
  DEFAULT_PORTS,
  eventsFileFrom,
  keepRefusedBodiesFrom,
  LOCAL_ENV,
  rulesFileFrom,
  secretsFileFrom,
} from './project-paths.js';

/**
 * `npm start`: the whole pipeline on this machine until Ctrl-C. Reads the environment once and
 * hands plain options to `startLocalPipeline`.
 */

const env = process.env;
// Refusals and failures stay visible; a log line per accepted delivery would drown the event
// lines. Read when the handlers' loggers are created, inside `startLocalPipeline`.
env['POWERTOOLS_LOG_LEVEL'] ??= 'WARN';
// The SDK's notice that its 2027 releases need Node 22 is for the developer's toolchain, which
// the README states; repeating it at every start would bury the URLs. The deployed functions
// run Node 24.
env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const shown = (file: string): string => {
  const path = relative(process.cwd(), file);
  return path === '' || path.startsWith('..') ? file : path;
};

// Checked before anything starts: a rule that cannot match stops here, by name.
const rulesFile = rulesFileFrom(env);
let rules: ConsumerRule[] = [];
if (rulesFile.named || existsSync(rulesFile.file)) {
  try {
    rules = await loadConsumerRules(rulesFile.file);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    console.error(
      `Local pipeline did not start: ${missing ? `${LOCAL_ENV.rulesFile} names ${rulesFile.file}, which does not exist` : message}`,
    );
    process.exit(1);
  }
}

let pipeline: LocalPipeline;
try {
  pipeline = await startLocalPipeline({
    port: portFrom(LOCAL_ENV.port, DEFAULT_PORTS.webhooks),
    dynamodbPort: portFrom(LOCAL_ENV.dynamodbPort, DEFAULT_PORTS.dynamodb),
    ...(env[LOCAL_ENV.dynamodbTable] && { tableName: env[LOCAL_ENV.dynamodbTable] }),
    sqsPort: portFrom(LOCAL_ENV.sqsPort, DEFAULT_PORTS.sqs),
    eventBridgePort: portFrom(LOCAL_ENV.eventBridgePort, DEFAULT_PORTS.eventBridge),
    eventsFile: eventsFileFrom(env),
    secretsFile: secretsFileFrom(env),
    keepRefusedBodies: keepRefusedBodiesFrom(env),
    writeInstanceFile: true,
    rules,
  });
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`Local pipeline did not start: ${message}`);
  if (error instanceof AlreadyRunningError) {
    console.error(
      'Stop it first (Ctrl-C where it runs), or run a second one beside it: give it an events ' +
        `file in another folder with ${LOCAL_ENV.eventsFile}, other ports, and its own ` +
        `${LOCAL_ENV.dynamodbTable} if it shares DynamoDB Local.`,
    );
  } else if (message.includes('already in use')) {
    console.error(
      `Choose other ports with ${LOCAL_ENV.port}, ${LOCAL_ENV.dynamodbPort}, ` +
        `${LOCAL_ENV.sqsPort} or ${LOCAL_ENV.eventBridgePort} (0 = any free port).`,
    );
  }
  process.exit(1);
}

const width = Math.max(...pipeline.urls.webhooks.map((w) => w.vendor.length));
// From process start, so module loading counts too.
const seconds = process.uptime().toFixed(1);
console.log(
  [
    `KYC webhook pipeline, local mode (ready in ${seconds} s)`,
    '',
    `Inspector: ${pipeline.urls.inspector}  (live events, subject history and replay, refused deliveries, dead letters)`,
    '',
    'Webhook URLs (POST):',
    ...pipeline.urls.webhooks.map((w) => `  ${w.vendor.padEnd(width)}  ${w.url}`),
    ...(pipeline.urls.ondatoToken ? [`Ondato OAuth2 token URL: ${pipeline.urls.ondatoToken}`] : []),
    '',
    `DynamoDB     ${pipeline.urls.dynamodb}  table ${pipeline.tableName}`,
    `SQS          ${pipeline.urls.sqs}  queue ${pipeline.urls.queue}`,
    `             dead-letter queue ${pipeline.urls.deadLetterQueue}`,
    `Events file  ${shown(pipeline.eventsFile)}  (bus ${pipeline.eventBusName}; also shown below)`,
    `Secrets      ${shown(pipeline.secretsFile)}`,
    ...rulesLines(),
    `Instance     ${pipeline.instanceFile ? shown(pipeline.instanceFile) : '(not written)'}  (how the CLI finds this pipeline)`,
    '',
    'Send a fixture: npx kyc-webhooks send <vendor> <fixture-name>',
    'Follow events:  npx kyc-webhooks tail                     Stop: Ctrl-C',
    '',
  ].join('\n'),
);

let stopping = false;
const shutDown = (signal: string): void => {
  if (stopping) {
    console.log('Forced exit.');
    process.exit(1);
  }
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  pipeline.stop().then(
    () => {
      console.log('Stopped.');
      process.exit(0);
    },
    (error: unknown) => {
      console.error('Local pipeline did not stop cleanly:', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutDown('SIGINT'));
process.on('SIGTERM', () => shutDown('SIGTERM'));

function portFrom(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`${name} must be a port number (0-65535), got "${raw}"`);
    process.exit(1);
  }
  return port;
}

/** What the banner says about consumer rules: each rule and where it delivers, or how to add some. */
function rulesLines(): string[] {
  if (rules.length === 0) {
    return [
      `Rules        none (copy config/local-rules.example.json to ${shown(rulesFile.file)} to try some)`,
    ];
  }
  const ruleWidth = Math.max(...rules.map((rule) => rule.name.length));
  return [
    `Rules        ${rules.length} rule${rules.length === 1 ? '' : 's'} from ${shown(rulesFile.file)}; ` +
      'each published event goes to those it matches:',
    ...rules.map((rule) => {
      const target = describeTarget(rule.target);
      return `  ${rule.name.padEnd(ruleWidth)}  → ${'file' in rule.target ? shown(target) : target}`;
    }),
  ];
}
