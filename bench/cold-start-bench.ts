import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ENV } from '../lambdas/runtime/env.js';
import { buildBundle, HANDLER_BUNDLES, type BuiltBundle, type BundleSpec } from './bundles.js';
import type { BenchConfig } from './config.js';
import { formatQuantity, formatRatio, type RatioRow, type Section } from './report.js';
import { summarize } from './stats.js';

const run = promisify(execFile);

/**
 * Dummy values for every variable a handler requires at cold start (lambdas/runtime/env.ts); an
 * ingest bundle gets its own vendor's id on top (`HANDLER_BUNDLES`).
 */
const HANDLER_ENV: Readonly<Record<string, string>> = {
  [ENV.secretId]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench',
  [ENV.queueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench',
  [ENV.tableName]: 'bench-table',
  [ENV.eventBusName]: 'bench-bus',
  AWS_REGION: 'us-east-1',
  POWERTOOLS_SERVICE_NAME: 'bench',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

/**
 * What the fresh process reports: the import's duration, the CPU time it took (every thread of
 * the process, user and system), and its memory once loaded.
 */
const CHILD_SCRIPT = [
  'const cpuBefore = process.cpuUsage();',
  'const start = performance.now();',
  'await import(process.env.BENCH_BUNDLE_URL);',
  'const ms = performance.now() - start;',
  'const cpu = process.cpuUsage(cpuBefore);',
  'const cpuMs = (cpu.user + cpu.system) / 1000;',
  'const { rss, heapUsed } = process.memoryUsage();',
  'process.stdout.write(JSON.stringify({ ms, cpuMs, rss, heapUsed }));',
].join('\n');

interface ChildResult {
  readonly ms: number;
  readonly cpuMs: number;
  readonly rss: number;
  readonly heapUsed: number;
}

/** The figures of a child's load that the report compares, and what each measures. */
const FIGURES = { ms: 'time-ms', cpuMs: 'time-ms', rss: 'bytes' } as const satisfies Partial<
  Record<keyof ChildResult, RatioRow['quantity']>
>;

/** One figure of the case's loads against the same figure of the floor's, each labelled. */
function ratioRow(
  [label, subject]: readonly [string, readonly ChildResult[]],
  [floorLabel, floor]: readonly [string, readonly ChildResult[]],
  figure: keyof typeof FIGURES,
): RatioRow {
  return {
    label,
    floorLabel,
    subject: summarize(subject.map((r) => r[figure])),
    floor: summarize(floor.map((r) => r[figure])),
    quantity: FIGURES[figure],
  };
}

async function loadOnce(
  bundle: BuiltBundle,
  sourceMaps: boolean,
  handlerEnv: Readonly<Record<string, string>> = {},
): Promise<ChildResult> {
  // A clean environment: nothing inherited (no tsx loader, no AWS profile), as in Lambda.
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    ...HANDLER_ENV,
    ...handlerEnv,
    BENCH_BUNDLE_URL: pathToFileURL(bundle.file).href,
    // Deployed functions set NODE_OPTIONS=--enable-source-maps (node-function.ts).
    ...(sourceMaps && { NODE_OPTIONS: '--enable-source-maps' }),
  };
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD_SCRIPT], {
    env,
    timeout: 60_000,
  });
  return JSON.parse(stdout) as ChildResult;
}

interface Variant {
  readonly handler: BuiltBundle;
  readonly env: Readonly<Record<string, string>>;
  readonly sdkOnly: BuiltBundle;
  readonly sdkClients: string;
  readonly sourceMaps: boolean;
}

export async function runColdStartBench(config: BenchConfig): Promise<Section> {
  const outDir = mkdtempSync(join(tmpdir(), 'kyc-bench-bundles-'));
  try {
    // Each bundle once: the ingest functions share their floor.
    const builds = new Map<BundleSpec, Promise<BuiltBundle>>();
    const once = (spec: BundleSpec): Promise<BuiltBundle> => {
      const build = builds.get(spec) ?? buildBundle(spec, outDir);
      builds.set(spec, build);
      return build;
    };
    const built = await Promise.all(
      HANDLER_BUNDLES.map(async (b) => ({
        handler: await once(b.handler),
        env: b.env ?? {},
        sdkOnly: await once(b.sdkOnly),
        sdkClients: b.sdkClients,
      })),
    );
    const variants: Variant[] = built.flatMap((b) => [
      { ...b, sourceMaps: true },
      ...(config.coldStartWithoutSourceMaps ? [{ ...b, sourceMaps: false }] : []),
    ]);
    const results = new Map<Variant, { handler: ChildResult[]; sdkOnly: ChildResult[] }>(
      variants.map((v) => [v, { handler: [], sdkOnly: [] }]),
    );
    // One discarded load each warms the file cache; then rounds alternate case and floor.
    if (config.mode !== 'smoke') {
      for (const v of variants) {
        await loadOnce(v.handler, v.sourceMaps, v.env);
        await loadOnce(v.sdkOnly, v.sourceMaps);
      }
    }
    for (let round = 0; round < config.coldStartRuns; round += 1) {
      for (const v of variants) {
        const slot = results.get(v);
        slot?.sdkOnly.push(await loadOnce(v.sdkOnly, v.sourceMaps));
        slot?.handler.push(await loadOnce(v.handler, v.sourceMaps, v.env));
      }
    }

    const rows: RatioRow[] = [];
    for (const v of variants) {
      const slot = results.get(v);
      if (!slot) continue;
      const flags = v.sourceMaps
        ? 'with --enable-source-maps (as deployed)'
        : 'without source maps';
      rows.push(
        ratioRow(
          [`${v.handler.id}: import of the handler bundle, ${flags}`, slot.handler],
          [`bundle of ${v.sdkClients} only, same flags`, slot.sdkOnly],
          'ms',
        ),
      );
    }
    // What the deployed NODE_OPTIONS flag itself costs: the same bundle loaded both ways.
    for (const b of built) {
      const withMaps = variants.find((v) => v.handler === b.handler && v.sourceMaps);
      const without = variants.find((v) => v.handler === b.handler && !v.sourceMaps);
      const a = withMaps && results.get(withMaps);
      const z = without && results.get(without);
      if (!a || !z) continue;
      rows.push(
        ratioRow(
          [`${b.handler.id}: handler import with --enable-source-maps`, a.handler],
          ['the same bundle without the flag', z.handler],
          'ms',
        ),
      );
    }
    // On a shared machine the wall time also counts waiting for a core; the CPU time does not.
    const deployedLoads = [
      ['cpuMs', 'CPU time of the import, with --enable-source-maps (as deployed)', ', same flags'],
      ['rss', 'RSS after import', ''],
    ] as const;
    for (const [figure, what, floorFlags] of deployedLoads) {
      for (const v of variants.filter((variant) => variant.sourceMaps)) {
        const slot = results.get(v);
        if (!slot) continue;
        rows.push(
          ratioRow(
            [`${v.handler.id}: ${what}`, slot.handler],
            [`bundle of ${v.sdkClients} only${floorFlags}`, slot.sdkOnly],
            figure,
          ),
        );
      }
    }
    const size = (bytes: number): string => formatQuantity(bytes, 'bytes');
    return {
      title: '3. Cold start: bundle size and module load in a fresh process',
      intro:
        'Each function bundled with the esbuild API from `lib/function-bundles.ts`, the ' +
        "definition the stack's `NodejsFunction`s are built from (a stack test checks the bytes " +
        'match): ESM, minify, target node24, platform node, createRequire banner, mainFields ' +
        'module/main, SDK bundled, linked source map without sources; one ingest bundle per ' +
        "vendor, holding that vendor's module only. Each is imported in a fresh `node` process " +
        'with the dummy environment the handler requires ' +
        `(\`${[ENV.vendor, ...Object.keys(HANDLER_ENV)].join('`, `')}\`). The floor imports a ` +
        'bundle that only constructs the same SDK clients.',
      ratios: rows,
      tables: [
        {
          headers: [
            'bundle',
            'minified',
            'gzip',
            'source map',
            'SDK-only bundle (floor)',
            'ratio',
            'SDK-only gzip',
          ],
          rows: built.map((b) => [
            b.handler.id,
            size(b.handler.bytes),
            size(b.handler.gzipBytes),
            size(b.handler.mapBytes),
            size(b.sdkOnly.bytes),
            formatRatio(b.handler.bytes / b.sdkOnly.bytes),
            size(b.sdkOnly.gzipBytes),
          ]),
        },
      ],
      notes: [
        `Import time is measured inside the child from just before \`import()\` to its end; ` +
          "Node's own start-up (the same for both) is excluded. The CPU time is the process's " +
          '(all threads, user and system) over the same span: it leaves out time spent waiting ' +
          `for a core, which the wall time counts on a busy machine. N = ${config.coldStartRuns} ` +
          'processes per bundle and flag set' +
          (config.mode === 'smoke' ? '.' : ', after one discarded load each.'),
        `Built with target ${'node24'} as deployed and run on this machine's Node ` +
          `${process.version}; Lambda's arm64 CPU share at 256–512 MB is smaller than a core ` +
          'here, so absolute times on AWS are longer; the ratios are what carries over.',
      ],
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
