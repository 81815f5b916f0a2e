/**
 * Waits for `work` at most `ms`, and never throws: its value, or `undefined` when it failed or
 * took longer (then `onProblem` hears why). For side work that must not hold back an answer.
 */
export async function settleWithin<T>(
  work: Promise<T>,
  ms: number,
  onProblem: (error: unknown) => void,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      settled = true;
      onProblem(new Error(`no answer within ${ms} ms`));
      resolve(undefined);
    }, ms);
  });
  try {
    return await Promise.race([
      work.catch((error: unknown) => {
        // Late failures were already reported as late.
        if (!settled) onProblem(error);
        return undefined;
      }),
      late,
    ]);
  } finally {
    settled = true;
    clearTimeout(timer);
  }
}
