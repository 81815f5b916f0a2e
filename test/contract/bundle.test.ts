import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The contract's schemas are for tests and consumers: the Lambdas import event.ts for its
 * vocabulary and helpers, and must not carry TypeBox (nor build schemas at cold start). This
 * holds only while every schema in event.ts stays behind its `@__PURE__` call, so it is checked
 * on real bundles, built the way the stack builds them.
 */

const LAMBDAS = join(import.meta.dirname, '..', '..', 'lambdas');
const HANDLERS = readdirSync(LAMBDAS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((entry) =>
    readdirSync(join(LAMBDAS, entry.name))
      .filter((file) => file === 'handler.ts')
      .map((file) => join(entry.name, file)),
  );

/** The source files that contribute code to the handler's bundle. */
async function bundledInputs(handler: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(LAMBDAS, handler)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.values(result.metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
}

describe('Lambda bundles', () => {
  it("include event.ts in the processor, so the check below sees the schemas' file", async () => {
    const inputs = await bundledInputs(join('processor', 'handler.ts'));
    expect(inputs.some((path) => path.endsWith('lambdas/core/event.ts'))).toBe(true);
  });

  it.each(HANDLERS)('%s bundles without TypeBox', async (handler) => {
    const inputs = await bundledInputs(handler);
    expect(inputs.filter((path) => path.includes('@sinclair/typebox'))).toEqual([]);
  });
});
