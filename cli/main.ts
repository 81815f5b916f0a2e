import { processIo } from './io.js';
import { runCli } from './run.js';

/**
 * `npx kyc-webhooks <command>` (bin/kyc-webhooks.js) and `npm run cli -- <command>`: the
 * operator's CLI. All of it lives in `runCli`, which the tests run in-process.
 */

// The SDK's notice that its 2027 releases need Node 22 is about the toolchain, which the README
// states; repeated on every command it would bury the answer.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

// `tail … | head` closes the pipe while tail still writes: the reader has all it wanted.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

process.exitCode = await runCli(process.argv.slice(2), processIo());
