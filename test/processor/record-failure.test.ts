import { describe, expect, it } from 'vitest';
import type { DeadLetterNote } from '../../lambdas/core/dead-letter-note.js';
import { PoisonMessageError } from '../../lambdas/core/errors.js';
import {
  RECORD_DEAD_LETTERED,
  RECORD_RETRIED,
  reportRecordFailure,
  type FailureDeps,
} from '../../lambdas/processor/record-failure.js';
import { NO_METRICS } from '../../lambdas/runtime/metrics.js';

const NOW = new Date('2026-12-01T10:00:00.000Z');

function setup(deps: Partial<FailureDeps> = {}) {
  const lines: { message: string; attributes: Record<string, unknown> }[] = [];
  const noted: DeadLetterNote[] = [];
  const all: FailureDeps = {
    log: {
      info: () => undefined,
      warn: (message, attributes) => lines.push({ message, attributes }),
    },
    metrics: NO_METRICS,
    now: () => NOW,
    maxReceiveCount: 3,
    deadLetters: {
      record: async (note) => void noted.push(note),
      find: async () => new Map(),
    },
    ...deps,
  };
  const fail = (receiveCount: number, error: unknown = new PoisonMessageError('not JSON')) =>
    reportRecordFailure(
      { messageId: 'm-1', attributes: { ApproximateReceiveCount: String(receiveCount) } as never },
      error,
      all,
    );
  return { lines, noted, fail };
}

describe('a failed record', () => {
  it('is retried by SQS before its last receive, and noted nowhere', async () => {
    const { lines, noted, fail } = setup();
    await fail(1);
    await fail(2);
    expect(lines.map((l) => l.message)).toEqual([RECORD_RETRIED, RECORD_RETRIED]);
    expect(noted).toEqual([]);
  });

  it('goes to the dead-letter queue on its last receive, with its reason noted and no content', async () => {
    const { lines, noted, fail } = setup();
    await fail(3);
    expect(lines).toEqual([
      {
        message: RECORD_DEAD_LETTERED,
        attributes: {
          messageId: 'm-1',
          receiveCount: 3,
          maxReceiveCount: 3,
          reason: 'poison_message',
          error: 'Queue message rejected: not JSON',
        },
      },
    ]);
    expect(noted).toEqual([
      {
        messageId: 'm-1',
        reason: 'poison_message',
        errorName: 'PoisonMessageError',
        receiveCount: 3,
        failedAt: NOW.toISOString(),
      },
    ]);
  });

  it('still fails as it did when the note cannot be written, and says so', async () => {
    const { lines, fail } = setup({
      deadLetters: {
        record: () =>
          Promise.reject(Object.assign(new Error('x'), { name: 'ThrottlingException' })),
        find: async () => new Map(),
      },
    });
    await expect(fail(3)).resolves.toBeUndefined();
    expect(lines.map((l) => [l.message, l.attributes['error']])).toEqual([
      [RECORD_DEAD_LETTERED, 'Queue message rejected: not JSON'],
      ['dead-letter note not written', 'ThrottlingException'],
    ]);
  });

  it('says only that SQS retries it when the queue did not say its maxReceiveCount', async () => {
    const { lines, noted, fail } = setup({ maxReceiveCount: undefined });
    await fail(50);
    expect(lines.map((l) => l.message)).toEqual([RECORD_RETRIED]);
    expect(noted).toEqual([]);
  });
});
