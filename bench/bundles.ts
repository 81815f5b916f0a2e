import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import {
  esbuildOptions,
  ingestBundle,
  PROJECT_ROOT,
  type FunctionBundle,
} from '../lib/function-bundles.js';
import { ENV } from '../lambdas/runtime/env.js';
import { BUILT_IN_VENDORS } from '../lambdas/vendors/registry.js';

/**
 * Lambda bundles built from the definition the stack builds them from (`lib/function-bundles.ts`:
 * the same entry, constants and esbuild settings; a stack test checks the bytes are the same),
 * beside bundles that hold only the SDK clients each handler constructs at cold start: the floor
 * a cold start cannot go below.
 */

export interface BundleSpec {
  readonly id: string;
  /** A function's bundle as the stack builds it, or the source of an SDK-only entry. */
  readonly entry: { readonly bundle: FunctionBundle } | { readonly source: string };
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
  await build(
    'bundle' in spec.entry
      ? esbuildOptions(outfile, spec.entry.bundle)
      : {
          ...esbuildOptions(outfile),
          stdin: {
            contents: spec.entry.source,
            resolveDir: PROJECT_ROOT,
            sourcefile: `${spec.id}.js`,
            loader: 'js',
          },
        },
  );
  return {
    id: spec.id,
    file: outfile,
    bytes: statSync(outfile).size,
    gzipBytes: gzipSync(readFileSync(outfile)).length,
    mapBytes: statSync(`${outfile}.map`).size,
  };
}

/** A handler's bundle, the variables it requires beyond the shared ones, and its floor. */
export interface HandlerBundle {
  readonly handler: BundleSpec;
  readonly env?: Readonly<Record<string, string>>;
  readonly sdkOnly: BundleSpec;
  readonly sdkClients: string;
}

const INGEST_SDK_ONLY: BundleSpec = {
  id: 'ingest-sdk-only',
  entry: {
    source:
      "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';\n" +
      "import { SQSClient } from '@aws-sdk/client-sqs';\n" +
      'export const clients = [new SecretsManagerClient({}), new SQSClient({})];\n',
  },
};

/**
 * Each vendor's ingest function (one bundle each, as deployed), the processor and the token
 * endpoint, each with an entry that only builds the SDK clients it builds. The ingest functions
 * share their floor.
 */
export const HANDLER_BUNDLES: readonly HandlerBundle[] = [
  ...BUILT_IN_VENDORS.map((vendor) => ({
    handler: { id: `ingest-${vendor.id}`, entry: { bundle: ingestBundle(vendor.id) } },
    env: { [ENV.vendor]: vendor.id },
    sdkOnly: INGEST_SDK_ONLY,
    sdkClients: 'SecretsManagerClient + SQSClient',
  })),
  {
    handler: { id: 'processor', entry: { bundle: { entry: 'lambdas/processor/handler.ts' } } },
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
    handler: { id: 'token', entry: { bundle: { entry: 'lambdas/token/handler.ts' } } },
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
