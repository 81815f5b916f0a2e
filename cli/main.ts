import { processIo, quietSdkNodeNotice } from './io.js';
import { runCli } from './run.js';

/**
 * `npx kyc-webhooks <command>` (bin/kyc-webhooks.js) and `npm run cli -- <command>`: the
 * operator's CLI. All of it lives in `runCli`, which the tests run in-process.
 */

quietSdkNodeNotice();

// `tail … | head` closes the pipe while tail still writes: the reader has all it wanted.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

process.exitCode = await runCli(process.argv.slice(2), processIo());
