import { relative } from 'node:path';
import { startLocalPipeline, type LocalPipeline } from './pipeline.js';
import { DEFAULT_PORTS, eventsFileFrom, LOCAL_ENV, secretsFileFrom } from './project-paths.js';

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
  });
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`Local pipeline did not start: ${message}`);
  if (message.includes('already in use')) {
    console.error(
      `Choose other ports with ${LOCAL_ENV.port}, ${LOCAL_ENV.dynamodbPort}, ` +
        `${LOCAL_ENV.sqsPort} or ${LOCAL_ENV.eventBridgePort} (0 = any free port).`,
    );
  }
  process.exit(1);
}

const shown = (file: string): string => {
  const path = relative(process.cwd(), file);
  return path === '' || path.startsWith('..') ? file : path;
};
const width = Math.max(...pipeline.urls.webhooks.map((w) => w.vendor.length));
// From process start, so module loading counts too.
const seconds = process.uptime().toFixed(1);
console.log(
  [
    `KYC webhook pipeline, local mode (ready in ${seconds} s)`,
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
    '',
    'Send a fixture: npm run send -- <vendor> <fixture-name>    Stop: Ctrl-C',
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
