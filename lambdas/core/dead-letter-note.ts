/**
 * What the processor leaves behind when a message goes to the dead-letter queue: why, and
 * nothing of its content (DESIGN §4.7, §4.8). Keyed by the SQS message id, which a message keeps
 * when SQS moves it to the dead-letter queue, so the operator's `redrive --dry-run` can say why
 * each waiting message is there.
 */
export interface DeadLetterNote {
  readonly messageId: string;
  /** The failure's reason code (`KycError#code`), or `unexpected_error`. */
  readonly reason: string;
  /** The error's class name, e.g. `ValidationException`; never its message. */
  readonly errorName: string;
  /** The receive that failed last (the queue's maxReceiveCount, or more). */
  readonly receiveCount: number;
  /** When that receive failed (ISO instant). */
  readonly failedAt: string;
}

export interface DeadLetterNotes {
  record(note: DeadLetterNote): Promise<void>;
  /** The notes of these messages that exist (a note expires with the message). */
  find(messageIds: readonly string[]): Promise<Map<string, DeadLetterNote>>;
}
