/**
 * Within one batch, the writes of one subject take turns, so a batch never races itself. Records of a batch run in parallel, and each event is stored with a transaction
 * conditioned on its subject's version; two events of one subject in flight at once would make
 * all but one of those transactions fail, and each loser read and write again — with ten
 * events of one subject in a batch, dozens of refused writes for ten stored events. In turns,
 * each event is judged against the state the previous one left, and its write is refused only
 * when another invocation wrote the subject meanwhile.
 *
 * Turns are granted in the order they are asked for: records start in the order of the batch,
 * so a subject's events are stored in that order. Order of arrival decides nothing about the
 * subject's state — the ordering rule does (core/ordering.ts) — it only spares the batch from
 * racing itself. A turn covers only the write of the subject (`storeOnce`), never a publication,
 * which waits for the whole batch (publish-barrier.ts): holding a turn across it would deadlock.
 * No timers: a turn starts when the previous one ends.
 */
export class SubjectTurns {
  readonly #last = new Map<string, Promise<void>>();
  readonly #asked = new Map<string, number>();

  /** Runs `work` once every earlier turn of `subjectKey` in this batch has ended. */
  async take<T>(subjectKey: string, work: () => Promise<T>): Promise<T> {
    this.#asked.set(subjectKey, (this.#asked.get(subjectKey) ?? 0) + 1);
    const previous = this.#last.get(subjectKey);
    let end!: () => void;
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.#last.set(subjectKey, ended);
    try {
      if (previous) await previous;
      return await work();
    } finally {
      end();
      // The last turn of the subject so far: nobody waits on it, so the batch forgets the key.
      if (this.#last.get(subjectKey) === ended) this.#last.delete(subjectKey);
    }
  }

  /**
   * Whether the batch asked for more than one turn of the subject: a hot subject, whose other
   * events other instances are likely writing too. (Every record of a batch starts at once, so
   * by the time a write has been answered, the batch has asked for all its first turns.)
   */
  isShared(subjectKey: string): boolean {
    return (this.#asked.get(subjectKey) ?? 0) > 1;
  }
}
