import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dispatchToRules,
  loadConsumerRules,
  toDeliveredEvent,
  type ConsumerRule,
} from '../../local/consumer-rules.js';
import type { PublishedEvent } from '../../local/put-events-server.js';

/**
 * Rules declared for local mode receive exactly the events EventBridge would send them: the
 * README's example rules and the operators consumers reach for (prefix, anything-but, exists,
 * numeric), over events shaped like the contract. Expected matches are written by hand per rule.
 */

const dir = mkdtempSync(join(tmpdir(), 'kyc-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function published(
  name: string,
  detail: Record<string, unknown>,
): PublishedEvent & { name: string } {
  const vendor = String(detail['vendor']);
  return {
    name,
    Source: `kyc.${vendor}`,
    DetailType: String(detail['detailType'] ?? 'KYC Verification Updated'),
    Detail: JSON.stringify({ eventId: `${vendor}:${name}`, ...detail, detailType: undefined }),
    EventBusName: 'kyc-webhooks',
    Time: '2026-06-01T12:00:00.123Z',
  };
}

const EVENTS = [
  published('user-approved', {
    vendor: 'treezor',
    status: 'approved',
    scope: 'verification',
    outOfOrder: false,
    subject: { kind: 'user', id: '1', externalRef: 'cust-1' },
  }),
  published('late-approval', {
    vendor: 'treezor',
    status: 'approved',
    scope: 'verification',
    outOfOrder: true,
    subject: { kind: 'user', id: '1' },
  }),
  published('document-approved', {
    vendor: 'treezor',
    detailType: 'KYC Document Updated',
    status: 'approved',
    scope: 'step',
    outOfOrder: false,
    subject: { kind: 'document', id: 'd' },
  }),
  published('journey-rejected', {
    vendor: 'idwise',
    status: 'rejected',
    scope: 'verification',
    outOfOrder: false,
    subject: { kind: 'journey', id: 'j' },
  }),
  published('aml-alert', {
    vendor: 'idwise',
    detailType: 'KYC Monitoring Alert',
    status: 'in_review',
    scope: 'verification',
    outOfOrder: false,
    subject: { kind: 'journey', id: 'j' },
    riskScore: 72,
  }),
  published('odd-vendor-event', {
    vendor: 'ondato',
    detailType: 'KYC Vendor Event',
    status: 'unknown',
    scope: 'other',
    outOfOrder: false,
    subject: { kind: 'delivery', id: 'x' },
    riskScore: 10,
  }),
] as const;

/** Each rule with the events (by name) EventBridge would send it. */
const RULES: readonly { name: string; eventPattern: unknown; expected: readonly string[] }[] = [
  {
    // README: every approval of a person or business, from any vendor.
    name: 'approvals',
    eventPattern: {
      source: [{ prefix: 'kyc.' }],
      detail: { status: ['approved'], scope: ['verification'], outOfOrder: [false] },
    },
    expected: ['user-approved'],
  },
  {
    name: 'one vendor',
    eventPattern: { source: ['kyc.treezor'] },
    expected: ['user-approved', 'late-approval', 'document-approved'],
  },
  {
    // README: verification updates that changed their subject.
    name: 'in-order verification updates',
    eventPattern: { 'detail-type': ['KYC Verification Updated'], detail: { outOfOrder: [false] } },
    expected: ['user-approved', 'journey-rejected'],
  },
  {
    name: 'anything but approvals and unknowns',
    eventPattern: { detail: { status: [{ 'anything-but': ['approved', 'unknown'] }] } },
    expected: ['journey-rejected', 'aml-alert'],
  },
  {
    name: 'subjects with your own reference',
    eventPattern: { detail: { subject: { externalRef: [{ exists: true }] } } },
    expected: ['user-approved'],
  },
  {
    name: 'high risk',
    eventPattern: { detail: { riskScore: [{ numeric: ['>=', 50] }] } },
    expected: ['aml-alert'],
  },
];

describe('consumer rules in local mode', () => {
  let server: Server;
  let url: string;
  const received: unknown[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(JSON.parse(body));
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function rulesFile(rules: unknown): Promise<ConsumerRule[]> {
    const file = join(dir, `rules-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(rules));
    return loadConsumerRules(file);
  }

  it.each(RULES)('$name receives exactly the events EventBridge would send it', async (rule) => {
    const out = join(dir, `${rule.name.replaceAll(' ', '-')}.jsonl`);
    const rules = await rulesFile([
      { name: rule.name, eventPattern: rule.eventPattern, target: { file: out } },
    ]);
    for (const event of EVENTS) await dispatchToRules(rules, event);
    const delivered = (() => {
      try {
        return readFileSync(out, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    })().map((line) => (JSON.parse(line) as { detail: { eventId: string } }).detail.eventId);
    expect(delivered.map((id) => id.split(':')[1])).toEqual(rule.expected);
  });

  it('posts the event, enveloped as EventBridge delivers it, to an HTTP target', async () => {
    const rules = await rulesFile([
      { name: 'hook', eventPattern: { source: ['kyc.idwise'] }, target: { url } },
    ]);
    received.length = 0;
    for (const event of EVENTS) await dispatchToRules(rules, event);
    expect(received).toHaveLength(2);
    expect(received[0]).toMatchObject({
      version: '0',
      'detail-type': 'KYC Verification Updated',
      source: 'kyc.idwise',
      account: '123456789012',
      region: 'us-east-1',
      time: '2026-06-01T12:00:00Z',
      resources: [],
      detail: { status: 'rejected' },
    });
  });

  it('reports a target that keeps failing, and delivers to the others', async () => {
    const rules = await rulesFile([
      {
        name: 'down',
        eventPattern: { source: [{ prefix: 'kyc.' }] },
        target: { url: 'http://127.0.0.1:9/nothing' },
      },
      {
        name: 'file',
        eventPattern: { source: [{ prefix: 'kyc.' }] },
        target: { file: join(dir, 'ok.jsonl') },
      },
    ]);
    const results = await dispatchToRules(rules, EVENTS[0]);
    expect(results).toEqual([
      { rule: 'down', ok: false, error: expect.any(String) },
      { rule: 'file', ok: true },
    ]);
  });

  it.each([
    ['not a list', {}, /expected a list of rules/],
    ['a rule without a name', [{ eventPattern: {}, target: { file: 'x' } }], /"name" is required/],
    [
      'an unknown key',
      [{ name: 'r', pattern: {}, eventPattern: {}, target: { file: 'x' } }],
      /unknown key\(s\) pattern/,
    ],
    [
      'a bad pattern',
      [{ name: 'r', eventPattern: { source: 'kyc.treezor' }, target: { file: 'x' } }],
      /rule 1 \(r\): Invalid event pattern/,
    ],
    [
      'two targets',
      [{ name: 'r', eventPattern: { source: ['a'] }, target: { file: 'x', url: 'http://y' } }],
      /"target" must be/,
    ],
  ])('refuses %s, naming the rule', async (_name, rules, message) => {
    await expect(rulesFile(rules)).rejects.toThrow(message);
  });

  it('envelopes a published entry as a rule target receives it', () => {
    const [event] = EVENTS;
    expect(toDeliveredEvent(event, 'id-1')).toEqual({
      version: '0',
      id: 'id-1',
      'detail-type': 'KYC Verification Updated',
      source: 'kyc.treezor',
      account: '123456789012',
      time: '2026-06-01T12:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: JSON.parse(event.Detail) as unknown,
    });
  });
});
