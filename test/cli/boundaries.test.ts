import { join } from 'node:path';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { ROOT } from './cli-support.js';

/**
 * The CLI shares the stack's output names and settings format (lib/outputs.ts), not the stack:
 * loading aws-cdk-lib would cost every command seconds and tie the operator tool to the CDK.
 */
it('the CLI imports nothing from the CDK', async () => {
  const result = await build({
    entryPoints: [join(ROOT, 'cli/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const packages = Object.values(result.metafile.inputs).flatMap((input) =>
    input.imports.filter((i) => i.external).map((i) => i.path),
  );
  expect(packages.some((path) => path.startsWith('@aws-sdk/'))).toBe(true);
  expect(packages.filter((path) => /^(aws-cdk-lib|constructs|cdk-nag)(\/|$)/.test(path))).toEqual(
    [],
  );
});
