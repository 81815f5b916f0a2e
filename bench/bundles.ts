import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../local/project-paths.js';

/**
 * Lambda bundles built the way `lib/constructs/node-function.ts` has `NodejsFunction` build
 * them (ESM, minified, linked source map without sources, the createRequire banner, module
 * fields first, the SDK bundled), beside bundles that hold only the SDK clients each handler
 * constructs at cold start: the floor a cold start cannot go below.
 */

// Same text as the stack's banner: an ESM bundle has no `require` for bundled CommonJS code.
const ESM_REQUIRE_SHIM =
  "import { createRequire as topLevelCreateRequire } from 'node:module';" +
  'const require = topLevelCreateRequire(import.meta.url);';

/** The stack targets Node.js 24; the bundle runs on this machine's Node unchanged. */
const TARGET = 'node24';

export interface BundleSpec {
  readonly id: string;
  /** A handler file relative to the project root, or the source of an SDK-only entry. */
  readonly entry: { readonly file: string } | { readonly source: string };
}

export interface BuiltBundle {
  readonly id: string;
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly mapBytes: number;
}

export async function buildBundle(spec: BundleSpec, outDir: string): Promise<BuiltBundle> {
  const outfile = join(outDir, spec.id, 'index.mjs');
  const input =
    'file' in spec.entry
      ? { entryPoints: [join(PROJECT_ROOT, spec.entry.file)] }
      : {
          stdin: {
            contents: spec.entry.source,
            resolveDir: PROJECT_ROOT,
            sourcefile: `${spec.id}.js`,
            loader: 'js' as const,
          },
        };
  await build({
    ...input,
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: TARGET,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_SHIM },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'silent',
  });
  return {
    id: spec.id,
    file: outfile,
    bytes: statSync(outfile).size,
    gzipBytes: gzipSync(readFileSync(outfile)).length,
    mapBytes: statSync(`${outfile}.map`).size,
  };
}

/** The three handlers and, for each, an entry that only builds the SDK clients it builds. */
export const HANDLER_BUNDLES: readonly {
  readonly handler: BundleSpec;
  readonly sdkOnly: BundleSpec;
  readonly sdkClients: string;
}[] = [
  {
    handler: { id: 'ingest', entry: { file: 'lambdas/ingest/handler.ts' } },
    sdkOnly: {
      id: 'ingest-sdk-only',
      entry: {
        source:
          "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';\n" +
          "import { SQSClient } from '@aws-sdk/client-sqs';\n" +
          'export const clients = [new SecretsManagerClient({}), new SQSClient({})];\n',
      },
    },
    sdkClients: 'SecretsManagerClient + SQSClient',
  },
  {
    handler: { id: 'processor', entry: { file: 'lambdas/processor/handler.ts' } },
    sdkOnly: {
      id: 'processor-sdk-only',
      entry: {
        source:
          "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\n" +
          "import { EventBridgeClient } from '@aws-sdk/client-eventbridge';\n" +
          "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';\n" +
          'export const clients = [\n' +
          '  DynamoDBDocumentClient.from(new DynamoDBClient({})),\n' +
          '  new EventBridgeClient({}),\n' +
          '];\n',
      },
    },
    sdkClients: 'DynamoDB document client + EventBridgeClient',
  },
  {
    handler: { id: 'token', entry: { file: 'lambdas/token/handler.ts' } },
    sdkOnly: {
      id: 'token-sdk-only',
      entry: {
        source:
          "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';\n" +
          'export const clients = [new SecretsManagerClient({})];\n',
      },
    },
    sdkClients: 'SecretsManagerClient',
  },
];
