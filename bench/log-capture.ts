/**
 * Collects what is written to stdout while `work` runs, without printing it. Powertools' Logger
 * writes its JSON lines to `process.stdout`, which Lambda forwards to CloudWatch Logs, so these
 * are the bytes a deployment ingests.
 */
export async function captureStdout<T>(
  work: () => Promise<T>,
): Promise<{ result: T; lines: string[] }> {
  const chunks: string[] = [];
  const original = process.stdout.write;
  const capture = (
    chunk: string | Uint8Array,
    encodingOrCallback?: BufferEncoding | ((error?: Error | null) => void),
    callback?: (error?: Error | null) => void,
  ): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    done?.(null);
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  try {
    const result = await work();
    const lines = chunks
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '');
    return { result, lines };
  } finally {
    process.stdout.write = original;
  }
}
