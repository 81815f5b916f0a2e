import { processIo, quietSdkNodeNotice } from '../cli/io.js';
import { runCli } from '../cli/run.js';
import { LOCAL_ENV } from './project-paths.js';

/**
 * `npm run send -- <vendor> <fixture-name|file> [--url URL] [--route PATH]`: the operator CLI's
 * `send` (cli/commands/send.ts), which signs a body as the vendor would and posts it to the
 * running `npm start`, found through its instance file whatever its ports, with the secrets file
 * that instance uses. Of the environment it reads only `PORT` (where to post, when set), so
 * variables exported for another purpose in the same terminal change nothing. Exits 0 on a 2xx
 * answer, 1 on any other answer or error, 2 on a usage mistake.
 */

quietSdkNodeNotice();
const port = process.env[LOCAL_ENV.port];
process.exitCode = await runCli(['send', ...process.argv.slice(2)], {
  ...processIo(),
  env: port === undefined ? {} : { [LOCAL_ENV.port]: port },
});
