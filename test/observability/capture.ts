import type { Context } from 'aws-lambda';
import { lambdaContext as benchLambdaContext } from '../../bench/lambda-context.js';
import { vi } from 'vitest';
import type { DimensionsOf, MetricName, MetricRecorder } from '../../lambdas/runtime/metrics.js';

export interface RecordedMetric {
  readonly name: MetricName;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** The metrics port as an array, so a test can say exactly what a handler emitted. */
export class RecordingMetrics implements MetricRecorder {
  readonly values: RecordedMetric[] = [];

  record<N extends MetricName>(name: N, value: number, dimensions: DimensionsOf<N>): void {
    this.values.push({ name, value, dimensions: { ...dimensions } });
  }

  /** The values of one metric, optionally only those with the given dimension values. */
  of(name: MetricName, dimensions: Readonly<Record<string, string>> = {}): RecordedMetric[] {
    return this.values.filter(
      (metric) =>
        metric.name === name &&
        Object.entries(dimensions).every(([key, value]) => metric.dimensions[key] === value),
    );
  }

  clear(): void {
    this.values.length = 0;
  }
}

/**
 * Everything Powertools writes to stdout and stderr while `run` runs, one parsed JSON object per
 * line. Outside Lambda's dev mode both Logger and Metrics write through their own `Console`
 * over `process.stdout`/`process.stderr`, so the streams are where to listen.
 */
export async function captureOutput(
  run: () => Promise<unknown>,
): Promise<Record<string, unknown>[]> {
  const chunks: string[] = [];
  const listen = (stream: NodeJS.WriteStream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  const spies = [listen(process.stdout), listen(process.stderr)];
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

let invocation = 0;

/** A Lambda context with a fresh request id per call. */
export function lambdaContext(functionName = 'kyc-test'): Context {
  invocation += 1;
  return benchLambdaContext(functionName, { requestId: `lambda-req-${invocation}` });
}
