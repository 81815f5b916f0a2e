import { describe, expect, it } from 'vitest';
import {
  findSaturation,
  judgeHold,
  type StageSummary,
  type StepResult,
} from '../../bench/load-run.js';

/*
 * How the load run reads its steps (bench/load-run.ts): which stage saturated first, and
 * whether a paced rate was sustained, on made-up steps whose cause is known.
 */

const REST: StageSummary = {
  ingestServerMs: 5,
  sendMessageMs: 1,
  processorBusy: 0,
  batches: 0,
  batchMs: 0,
  dynamodbRequests: 0,
  dynamodbMs: 2,
  probeMs: { health: 2, dynamodb: 3, sqs: 2 },
  eventLoopUtilization: 0.05,
  eventLoopDelayP99Ms: 11,
  pipelineCores: 0.05,
};

/** A ten-second step: `acknowledged` and `published` a second, the rest as at rest unless given. */
function step(
  concurrency: number,
  acknowledged: number,
  published: number,
  stages: Partial<StageSummary> = {},
  extra: Partial<StepResult> = {},
): StepResult {
  return {
    name: `${concurrency} clients`,
    concurrency,
    seconds: 10,
    sent: acknowledged * 10,
    acknowledged: acknowledged * 10,
    errors: new Map(),
    acknowledgedPerSecond: acknowledged,
    publishedPerSecond: published,
    ingestMs: { p50: 5, p99: 40 },
    backlogAtEnd: Math.max(0, (acknowledged - published) * 10),
    maxQueueDepth: Math.max(0, (acknowledged - published) * 10),
    late: 0,
    clientCores: 0.1,
    stages: { ...REST, processorBusy: 0.5, batchMs: 60, eventLoopUtilization: 0.6, ...stages },
    drain: { published: 0, seconds: 0, complete: true, stages: REST },
    ...extra,
  };
}

describe('load run: the stage that saturates first', () => {
  it('names the processor when the queue grows while DynamoDB answers as fast as at rest', () => {
    const verdict = findSaturation(
      [step(1, 100, 100), step(2, 200, 120, { processorBusy: 0.9, batchMs: 80 })],
      REST,
      1,
    );
    expect(verdict).toMatchObject({ stage: 'processor', concurrency: 2 });
    expect(verdict.why).toContain('busy 90%');
  });

  it('names DynamoDB Local when the queue grows and DynamoDB answers several times slower', () => {
    const slow = { processorBusy: 0.9, probeMs: { health: 2, dynamodb: 20, sqs: 2 } };
    expect(findSaturation([step(1, 100, 100), step(2, 200, 120, slow)], REST, 1)).toMatchObject({
      stage: 'DynamoDB Local',
      concurrency: 2,
    });
  });

  it('says a processor short of CPU is short of CPU, not of instances', () => {
    const starved = { processorBusy: 0.4, batchMs: 300, eventLoopUtilization: 0.99 };
    const verdict = findSaturation([step(1, 100, 100), step(2, 200, 120, starved)], REST, 4);
    expect(verdict.stage).toBe('processor');
    expect(verdict.why).toContain('short of CPU');
  });

  it('names ingest when acknowledgements stop rising twice in a row with the queue keeping up', () => {
    const verdict = findSaturation(
      [step(1, 100, 100), step(2, 200, 200), step(4, 205, 205), step(8, 210, 210)],
      REST,
      1,
    );
    expect(verdict).toMatchObject({ stage: 'ingest HTTP', concurrency: 4 });
  });

  it('names SQS when SendMessage takes most of ingest’s time as acknowledgements flatten', () => {
    const queueBound = { ingestServerMs: 20, sendMessageMs: 15 };
    const ramp = [
      step(1, 100, 100),
      step(2, 200, 200),
      step(4, 205, 205, queueBound),
      step(8, 210, 210, queueBound),
    ];
    expect(findSaturation(ramp, REST, 1)).toMatchObject({ stage: 'SQS', concurrency: 4 });
  });

  it('takes one flat step followed by a rise for noise', () => {
    const ramp = [step(1, 100, 100), step(2, 105, 105), step(4, 200, 200), step(8, 400, 200)];
    expect(findSaturation(ramp, REST, 1)).toMatchObject({ stage: 'processor', concurrency: 8 });
  });

  it('does not count a second of traffic on its way as a growing queue', () => {
    // 100 a second with 40 still between ingest and the bus at the end: a batch in hand and the
    // next filling, not a backlog.
    const ramp = [step(1, 100, 96, {}, { backlogAtEnd: 40 }), step(2, 300, 150)];
    expect(findSaturation(ramp, REST, 1)).toMatchObject({ stage: 'processor', concurrency: 2 });
  });
});

describe('load run: a paced hold', () => {
  const hold = (extra: Partial<StepResult>) =>
    step(64, 100, 99, {}, { ratePerSecond: 100, ...extra });

  it('is sustained when everything sent was acknowledged and published with little waiting', () => {
    expect(judgeHold(hold({ backlogAtEnd: 20 }), 100)).toMatchObject({ sustained: true });
  });

  it('is not when the backlog grew past half a second of traffic', () => {
    expect(judgeHold(hold({ backlogAtEnd: 120 }), 100)).toMatchObject({ sustained: false });
  });

  it('is not when the client pool fell behind its schedule, or a delivery was refused', () => {
    expect(judgeHold(hold({ late: 100 }), 100).sustained).toBe(false);
    expect(judgeHold(hold({ errors: new Map([['503', 1]]) }), 100).sustained).toBe(false);
  });

  it('is not when what was acknowledged was never all published', () => {
    const undrained = { published: 0, seconds: 10, complete: false, stages: REST };
    expect(judgeHold(hold({ drain: undrained }), 100).sustained).toBe(false);
  });
});
