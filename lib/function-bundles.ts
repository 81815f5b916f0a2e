import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';
import { REFUSED_BODIES_BUILD_CONSTANT } from '../lambdas/core/delivery-log.js';
import { BUNDLED_VENDOR_CONSTANT } from '../lambdas/vendors/registry.js';

/**
 * How every function is bundled, stated once. `constructs/node-function.ts` hands these settings
 * to `NodejsFunction`, which runs the esbuild CLI with them; the bench builds its bundles with
 * the esbuild API from `esbuildOptions`, and a stack test checks that both give the same bytes.
 */

/** The repository root: entries and the lock file are resolved from here, not from the cwd. */
export const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

// An ESM bundle has no `require`; bundled CommonJS dependencies still call it for built-ins.
const ESM_REQUIRE_SHIM =
  "import { createRequire as topLevelCreateRequire } from 'node:module';" +
  'const require = topLevelCreateRequire(import.meta.url);';

/**
 * Minified ESM for Node.js 24 with a linked source map without sources, the AWS SDK bundled (the
 * version the tests ran against rather than whatever the runtime carries), and packages' ESM
 * builds preferred so esbuild can drop unused code.
 */
export const BUNDLE_SETTINGS = {
  format: 'esm',
  target: 'node24',
  platform: 'node',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_SHIM,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
} as const;

/** What one function's bundle is built from. */
export interface FunctionBundle {
  /** Handler file relative to the repository root; it must export `handler`. */
  readonly entry: string;
  /** Constants of this build (esbuild `define`): identifier → JavaScript literal. @default none */
  readonly define?: Readonly<Record<string, string>>;
}

/**
 * A vendor's ingest function: the one ingest handler, built with the registry holding only that
 * vendor (`lambdas/vendors/registry.ts` says how), so no other vendor's code is loaded at its
 * cold start.
 */
export function ingestBundle(
  vendorId: string,
  options: { readonly keepsRefusedBodies?: boolean } = {},
): FunctionBundle {
  return {
    entry: 'lambdas/ingest/handler.ts',
    define: {
      [BUNDLED_VENDOR_CONSTANT]: JSON.stringify(vendorId),
      // The S3 client only where the stack keeps refused bodies (`keepRefusedBodies`).
      [REFUSED_BODIES_BUILD_CONSTANT]: String(options.keepsRefusedBodies ?? false),
    },
  };
}

/**
 * The esbuild API options equal to `NodejsFunction`'s CLI build of `bundle` with
 * `BUNDLE_SETTINGS`, written to `outfile`; with `bundle` left out, the caller adds the input.
 */
export function esbuildOptions(outfile: string, bundle?: FunctionBundle): BuildOptions {
  return {
    ...(bundle && {
      entryPoints: [join(PROJECT_ROOT, bundle.entry)],
      ...(bundle.define && { define: { ...bundle.define } }),
    }),
    // NodejsFunction runs esbuild in the project root, which names modules in the output.
    absWorkingDir: PROJECT_ROOT,
    outfile,
    bundle: true,
    platform: BUNDLE_SETTINGS.platform,
    format: BUNDLE_SETTINGS.format,
    target: BUNDLE_SETTINGS.target,
    mainFields: [...BUNDLE_SETTINGS.mainFields],
    banner: { js: BUNDLE_SETTINGS.banner },
    minify: BUNDLE_SETTINGS.minify,
    sourcemap: BUNDLE_SETTINGS.sourcemap,
    sourcesContent: BUNDLE_SETTINGS.sourcesContent,
    logLevel: 'silent',
  };
}
