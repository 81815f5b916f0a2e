import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, AssetStaging, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBundle, HANDLER_BUNDLES } from '../../bench/bundles.js';
import type { Vendor } from '../../lambdas/core/vendor.js';
import { BUILT_IN_VENDORS } from '../../lambdas/vendors/registry.js';
import { IngestApi } from '../../lib/constructs/ingest-api.js';
import { esbuildOptions, ingestBundle, type FunctionBundle } from '../../lib/function-bundles.js';

/**
 * Each vendor's ingest function carries its own vendor's module and nothing of another's (the
 * issue: every ingest bundle held all five, and SHA-3/Keccak for all). Checked on bundles built
 * from `lib/function-bundles.ts`, and those are checked to be, byte for byte, what the stack's
 * `NodejsFunction`s build and what the bench measures.
 */

interface Built {
  readonly code: string;
  /** Source files that contribute code, relative to the project root. */
  readonly inputs: readonly string[];
}

async function bundle(entry: FunctionBundle): Promise<Built> {
  const result = await build({
    ...esbuildOptions('/bundle/index.mjs', entry),
    write: false,
    metafile: true,
  });
  const output = Object.values(result.metafile.outputs).find((out) => out.entryPoint);
  return {
    code: result.outputFiles.find((file) => file.path.endsWith('.mjs'))?.text ?? '',
    inputs: Object.entries(output?.inputs ?? {})
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  };
}

const vendorFile = (vendor: Vendor): string => `lambdas/vendors/${vendor.id}.ts`;
const isNobleSha3 = (path: string): boolean => /@noble\/hashes\/.*sha3/.test(path);

// The handler with no vendor at all (an id none has), and each vendor's module with everything
// it exports: together, all the code a vendor's ingest bundle may hold.
const withoutVendor = bundle(ingestBundle('no-vendor'));
const vendorModules = new Map(
  BUILT_IN_VENDORS.map((vendor) => [vendor.id, bundle({ entry: vendorFile(vendor) })]),
);
const ingestBundles = new Map(
  BUILT_IN_VENDORS.map((vendor) => [vendor.id, bundle(ingestBundle(vendor.id))]),
);

describe.each(BUILT_IN_VENDORS)('the $id ingest bundle', (vendor) => {
  const others = BUILT_IN_VENDORS.filter((other) => other !== vendor);

  it("holds the vendor's module and no other vendor's", async () => {
    const { inputs } = (await ingestBundles.get(vendor.id))!;
    expect(inputs.filter((path) => path.startsWith('lambdas/vendors/')).sort()).toEqual(
      [vendorFile(vendor), 'lambdas/vendors/registry.ts'].sort(),
    );
  });

  it("knows the vendor's routes and no other vendor's", async () => {
    const { code } = (await ingestBundles.get(vendor.id))!;
    for (const route of vendor.routes) expect(code).toContain(route);
    for (const route of others.flatMap((other) => other.routes)) expect(code).not.toContain(route);
  });

  it("carries nothing beyond the handler's code and what the vendor's module imports", async () => {
    const { inputs } = (await ingestBundles.get(vendor.id))!;
    const allowed = new Set([
      ...(await withoutVendor).inputs,
      ...(await vendorModules.get(vendor.id))!.inputs,
    ]);
    expect(inputs.filter((path) => !allowed.has(path))).toEqual([]);
  });
});

describe("@noble/hashes' SHA-3 and Keccak", () => {
  it('are in the bronID ingest bundle, which verifies with them', async () => {
    const { inputs } = (await ingestBundles.get('bronid'))!;
    expect(inputs.some(isNobleSha3)).toBe(true);
  });

  it.each(BUILT_IN_VENDORS.filter((vendor) => vendor.id !== 'bronid'))(
    'are not in the $id ingest bundle',
    async (vendor) => {
      const { code, inputs } = (await ingestBundles.get(vendor.id))!;
      expect(inputs.filter(isNobleSha3)).toEqual([]);
      expect(code).not.toMatch(/keccak/i);
    },
  );
});

describe('the bundles the stack deploys', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'kyc-stack-bundles-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('are, byte for byte, the ones the bench measures', { timeout: 180_000 }, async () => {
    // Bundling on, as `cdk synth` runs it: NodejsFunction drives the esbuild CLI.
    const app = new App({ outdir: join(outdir, 'cdk.out') });
    const stack = new Stack(app, 'BundleTest');
    const ingest = new IngestApi(stack, 'IngestApi', {
      vendors: BUILT_IN_VENDORS.map(({ id, routes }) => ({ id, routes })),
      queue: new Queue(stack, 'Queue'),
      secretMaxAgeSeconds: 300,
      logRetention: RetentionDays.ONE_MONTH,
    });
    for (const vendor of BUILT_IN_VENDORS) {
      const fn = ingest.vendors.get(vendor.id)!.function;
      const staging = fn.node
        .findChild('Code')
        .node.children.find((child) => child instanceof AssetStaging);
      const deployed = readFileSync(join(staging!.absoluteStagedPath, 'index.mjs'));

      const spec = HANDLER_BUNDLES.find((b) => b.handler.id === `ingest-${vendor.id}`)!;
      const measured = await buildBundle(spec.handler, join(outdir, 'bench'));
      expect(deployed.equals(readFileSync(measured.file)), vendor.id).toBe(true);
    }
  });
});

describe('the S3 client of the refused-body store', () => {
  const isS3Client = (path: string): boolean => path.includes('@aws-sdk/client-s3/');

  it('is left out of an ingest bundle by default', async () => {
    const { inputs } = (await ingestBundles.get('treezor'))!;
    expect(inputs.filter(isS3Client)).toEqual([]);
  });

  it('is in a bundle built to keep refused bodies', async () => {
    const { inputs } = await bundle(ingestBundle('treezor', { keepsRefusedBodies: true }));
    expect(inputs.some(isS3Client)).toBe(true);
  });
});
