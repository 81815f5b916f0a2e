import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_RECEIVE_COUNT } from '../../lib/constructs/ingest-queue.js';
import { DEFAULT_PROCESSOR_MAX_CONCURRENCY } from '../../lib/constructs/processor.js';
import { resourcesOf, synthStack } from './synth-stack.js';

/*
 * The reasoning behind the redrive (lib/constructs/ingest-queue.ts, `DEFAULT_MAX_RECEIVE_COUNT`)
 * held against the deployed values: a record that a hot subject's burst sent back to SQS has
 * receives left long after the burst, and contention stays bounded by the processor's
 * concurrency, one write per instance.
 */

const template = synthStack();
const [queue] = resourcesOf(template, 'AWS::SQS::Queue')
  .filter(([id]) => id.startsWith('IngestQueue8'))
  .map(([, resource]) => resource);
const [mapping] = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').map(
  ([, resource]) => resource,
);

describe('redrive and a hot subject', () => {
  it('gives a record sent back by contention more than ten minutes of receives before the DLQ', () => {
    const receives = (queue?.Properties['RedrivePolicy'] as { maxReceiveCount: number })
      .maxReceiveCount;
    const visibilitySeconds = Number(queue?.Properties['VisibilityTimeout']);
    expect(receives).toBe(DEFAULT_MAX_RECEIVE_COUNT);
    // The first receive meets the burst; each later one comes a visibility timeout after.
    expect((receives - 1) * visibilitySeconds).toBeGreaterThanOrEqual(10 * 60);
  });

  it('runs at most the processor’s maximum concurrency of batches: a hot subject’s writers at once', () => {
    const config = mapping?.Properties['ScalingConfig'] as { MaximumConcurrency: number };
    expect(config.MaximumConcurrency).toBe(DEFAULT_PROCESSOR_MAX_CONCURRENCY);
    expect(mapping?.Properties['BatchSize']).toBe(10);
  });
});
