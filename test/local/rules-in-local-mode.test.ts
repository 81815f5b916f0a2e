import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConsumerRules } from '../../local/consumer-rules.js';
import type { RuleFailure } from '../../local/pipeline.js';
import { sendDelivery } from '../../local/send-delivery.js';
import { SECRETS_FILE, useTestPipeline } from '../support/local-pipeline.js';
import { localBusEntries, waitFor } from '../support/wait.js';

/**
 * Consumer rules in local mode: `npm start` loads them, checks them before anything starts, and
 * hands every published event to the rules it matches. Fixtures go in over HTTP, as a vendor
 * sends them; which rule receives which event is written here by hand from each fixture's
 * expected output.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE_RULES = join(ROOT, 'config/local-rules.example.json');
const dir = mkdtempSync(join(tmpdir(), 'kyc-rules-local-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fixture's eventId, from the dedup id its expected output states (one event each). */
function eventIdOf(vendor: string, fixture: string): string {
  const expected = JSON.parse(
    readFileSync(join(ROOT, 'test/fixtures', vendor, `${fixture}.expected.json`), 'utf8'),
  ) as { dedupId: string };
  return `${vendor}:${expected.dedupId}`;
}

// approved, verification, user 6461762, vendor time 10:21:12
const KYC_REVIEW = eventIdOf('treezor', 'user.kycreview');
// pending, same user, 10:21:04: sent after the review, so it arrives out of order
const USER_CREATE = eventIdOf('treezor', 'user.create');
// approved, but a step (an identification), not a verification
const QES_SUCCESS = eventIdOf('treezor', 'qes.finalized-success');
// KYC Document Updated, in_review
const DOCUMENT = eventIdOf('treezor', 'document.update');
// approved and rejected journeys
const IDWISE_APPROVED = eventIdOf('idwise', 'manually-reviewed-approved');
const IDWISE_REJECTED = eventIdOf('idwise', 'manually-reviewed-rejected');

/** What each of the example file's rules must receive, and nothing else. */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  approvals: [KYC_REVIEW, IDWISE_APPROVED],
  treezor: [KYC_REVIEW, USER_CREATE, QES_SUCCESS, DOCUMENT],
  'verification-updates': [KYC_REVIEW, QES_SUCCESS, IDWISE_APPROVED, IDWISE_REJECTED],
};

interface ExampleRule {
  readonly name: string;
  readonly eventPattern: unknown;
  readonly target: { readonly file: string };
}

const exampleRules = JSON.parse(readFileSync(EXAMPLE_RULES, 'utf8')) as ExampleRule[];

describe('config/local-rules.example.json', () => {
  it("holds the README's example rules, delivering to files under .local/", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /Rules consumers write:\s+```jsonc\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const readmePatterns = block
      .split(/\n\s*\n/)
      .map((chunk) => chunk.replace(/^\s*\/\/.*$/gm, '').trim())
      .filter((chunk) => chunk !== '')
      .map((chunk) => JSON.parse(chunk) as unknown);
    expect(readmePatterns).toHaveLength(3);
    expect(exampleRules.map((rule) => rule.eventPattern)).toEqual(readmePatterns);

    const rules = await loadConsumerRules(EXAMPLE_RULES);
    expect(rules.map((rule) => rule.name)).toEqual(Object.keys(EXPECTED));
    for (const rule of rules) {
      expect(rule.target).toEqual({ file: expect.stringMatching(/\.jsonl$/) });
      expect((rule.target as { file: string }).file.startsWith(resolve('.local') + '/')).toBe(true);
    }
  });
});

describe('rules in a running local pipeline', () => {
  const failures: RuleFailure[] = [];
  let refusedUrl: string;

  const used = useTestPipeline(async () => {
    // A port that refuses connections: a consumer endpoint that is down.
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    refusedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/events`;
    await new Promise((done) => probe.close(done));

    const rulesFile = join(dir, 'rules.json');
    writeFileSync(
      rulesFile,
      JSON.stringify([
        ...exampleRules.map((rule) => ({
          ...rule,
          target: { file: join(dir, 'delivered', `${rule.name}.jsonl`) },
        })),
        {
          name: 'idwise-hook',
          eventPattern: { source: ['kyc.idwise'] },
          target: { url: refusedUrl },
        },
      ]),
    );
    return {
      rules: await loadConsumerRules(rulesFile),
      onRuleFailure: (failure: RuleFailure) => failures.push(failure),
    };
  });

  async function send(vendor: string, fixture: string): Promise<void> {
    const { status } = await sendDelivery({
      vendor,
      fixture,
      port: Number(new URL(used.pipeline.urls.server).port),
      secretsFile: SECRETS_FILE,
    });
    expect(status, `${vendor} ${fixture}`).toBe(200);
  }

  const published = (): string[] =>
    localBusEntries(used.pipeline.eventsFile).map(
      (entry) => (JSON.parse(entry.Detail) as { eventId: string }).eventId,
    );

  function delivered(rule: string): { id: string; source: string; detailType: string }[] {
    const file = join(dir, 'delivered', `${rule}.jsonl`);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const event = JSON.parse(line) as {
          source: string;
          'detail-type': string;
          detail: { eventId: string };
        };
        return { id: event.detail.eventId, source: event.source, detailType: event['detail-type'] };
      });
  }

  it('each rule receives exactly the events it matches; a failing target fails nothing', async () => {
    await send('treezor', 'user.kycreview');
    await waitFor('the review to be published', () => published().includes(KYC_REVIEW));
    await Promise.all([
      send('treezor', 'user.create'),
      send('treezor', 'qes.finalized-success'),
      send('treezor', 'document.update'),
      send('idwise', 'manually-reviewed-approved'),
      send('idwise', 'manually-reviewed-rejected'),
    ]);
    await waitFor('six published events', () => published().length >= 6);
    // Stopping waits for the deliveries in progress: afterwards nothing more can arrive.
    await used.pipeline.stop();

    // Each event published once: the failing target made no publication fail and retry.
    expect(published().sort()).toEqual(
      [KYC_REVIEW, USER_CREATE, QES_SUCCESS, DOCUMENT, IDWISE_APPROVED, IDWISE_REJECTED].sort(),
    );
    for (const [rule, expected] of Object.entries(EXPECTED)) {
      const received = delivered(rule);
      expect(received.map((event) => event.id).sort(), rule).toEqual([...expected].sort());
      for (const event of received) {
        expect(event.source).toMatch(/^kyc\./);
        expect(event.detailType).toMatch(/^KYC /);
      }
    }

    expect(
      failures
        .map(({ rule, target, eventId }) => ({ rule, target, eventId }))
        .sort((a, b) => a.eventId.localeCompare(b.eventId)),
    ).toEqual(
      [IDWISE_APPROVED, IDWISE_REJECTED].sort().map((eventId) => ({
        rule: 'idwise-hook',
        target: refusedUrl,
        eventId,
      })),
    );
    for (const failure of failures) expect(failure.error).toContain('ECONNREFUSED');
  });
});

describe('npm start with rules', () => {
  function start(
    env: Readonly<Record<string, string>>,
  ): Promise<{ code: number | null; stderr: string }> {
    return new Promise((done, fail) => {
      const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['local/main.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          PORT: '0',
          KYC_DYNAMODB_PORT: '0',
          KYC_SQS_PORT: '0',
          KYC_EVENTBRIDGE_PORT: '0',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', fail);
      // A start that got past the rules would run until stopped.
      const timer = setTimeout(() => child.kill('SIGTERM'), 20_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        done({ code, stderr });
      });
    });
  }

  it('stops on a bad rule, naming it and the problem, before touching anything', async () => {
    const eventsDir = join(dir, 'bad-rule');
    mkdirSync(eventsDir);
    const eventsFile = join(eventsDir, 'events.jsonl');
    writeFileSync(eventsFile, '{"kept": true}\n');
    const rulesFile = join(dir, 'bad-rules.json');
    writeFileSync(
      rulesFile,
      JSON.stringify([
        exampleRules[0],
        {
          name: 'late-approvals',
          eventPattern: { detail: { status: 'approved' } },
          target: { file: join(dir, 'late.jsonl') },
        },
      ]),
    );

    const run = await start({ KYC_LOCAL_RULES: rulesFile, KYC_EVENTS_FILE: eventsFile });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Local pipeline did not start');
    expect(run.stderr).toContain('rule 2 (late-approvals)');
    expect(run.stderr).toContain('Invalid event pattern at detail.status');
    expect(readFileSync(eventsFile, 'utf8')).toBe('{"kept": true}\n');
    expect(existsSync(join(eventsDir, 'instance.json'))).toBe(false);

    const missing = await start({
      KYC_LOCAL_RULES: join(dir, 'no-such-rules.json'),
      KYC_EVENTS_FILE: eventsFile,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      `KYC_LOCAL_RULES names ${join(dir, 'no-such-rules.json')}, which does not exist`,
    );
  });
});
