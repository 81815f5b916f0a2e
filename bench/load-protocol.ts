/**
 * What the load run's driver (bench/load-run.ts, beside the pipeline) and its client process
 * (bench/load-client.ts, the vendors) say to each other over the child-process channel.
 */

export interface ClientSetup {
  readonly kind: 'setup';
  /** The webhook server, e.g. `http://localhost:3000`. */
  readonly server: string;
  readonly secretsFile: string;
  /** What the client probes between requests: each engine's own answer time under load. */
  readonly probes: {
    readonly dynamodb: string;
    readonly tableName: string;
    readonly sqs: string;
    readonly queueUrl: string;
  };
}

/** One step of the run: `concurrency` clients for `durationMs`, as fast as answered or paced. */
export interface StepPlan {
  readonly kind: 'step';
  readonly name: string;
  readonly concurrency: number;
  readonly durationMs: number;
  /** Deliveries per second over all clients; absent: each client sends again once answered. */
  readonly ratePerSecond?: number;
  /** The step ends early once this many deliveries were sent. */
  readonly maxDeliveries: number;
}

export type DriverMessage = ClientSetup | StepPlan | { readonly kind: 'stop' };

/** One delivery as its sender saw it. Times are epoch milliseconds. */
export interface SendRecord {
  readonly eventId: string;
  readonly sentAt: number;
  readonly ms: number;
  /** The HTTP status, or 0 when no answer came (connection refused, reset, timed out). */
  readonly status: number;
}

/** One probe round: each engine's answer time in milliseconds, and the queue as SQS counts it. */
export interface ProbeSample {
  readonly at: number;
  readonly healthMs: number;
  readonly dynamodbMs: number;
  readonly sqsMs: number;
  readonly visible: number;
  readonly inFlight: number;
}

export interface StepReport {
  readonly kind: 'step-done';
  readonly name: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly sends: readonly SendRecord[];
  readonly probes: readonly ProbeSample[];
  /** Scheduled sends the pool could not start on time (paced steps only). */
  readonly late: number;
  /** CPU the client process used during the step, in milliseconds. */
  readonly clientCpuMs: number;
}

export type ClientMessage =
  | { readonly kind: 'ready'; readonly vendors: readonly string[] }
  | StepReport
  | { readonly kind: 'failed'; readonly error: string };
