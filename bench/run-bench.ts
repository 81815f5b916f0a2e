import { startBenchEngines } from './bench-engines.js';
import { runColdStartBench } from './cold-start-bench.js';
import { configFor, type Mode } from './config.js';
import { monthlyCost, totalPerMillion } from './cost-model.js';
import { costSection, readmeSection } from './cost-report.js';
import { runIngestBench } from './ingest-bench.js';
import { describeLoad, describeMachine } from './machine.js';
import { runProcessorBench, TREEZOR_LOW, TREEZOR_NEW } from './processor-bench.js';
import { formatQuantity, type Report, type Section } from './report.js';
import type { DeliveryUsage } from './usage.js';
import { consumedCount } from './stats.js';
import { runVerifyBench } from './verify-bench.js';

export interface BenchOptions {
  readonly mode: Mode;
  /** The command line shown in the report. */
  readonly command: string;
  /** Progress lines, kept apart from the report itself. */
  readonly progress?: (line: string) => void;
  /** A DynamoDB Local already running (the tests share one); else the bench starts its own. */
  readonly dynamodbEndpoint?: string;
}

export async function runBench(options: BenchOptions): Promise<Report> {
  const config = configFor(options.mode);
  const progress = options.progress ?? (() => undefined);
  const machine = describeMachine();
  const sections: Section[] = [];
  let summary: string[] | undefined;

  progress('verification per vendor');
  sections.push(runVerifyBench(config));
  // Before the engines start, so the child processes do not compete with them for the CPU.
  progress('cold start: bundling, then fresh processes');
  const coldStart = await runColdStartBench(config);

  const engines = await startBenchEngines(options.dynamodbEndpoint);
  try {
    progress('ingest handler');
    const ingest = await runIngestBench(engines, config);
    sections.push(ingest.section, coldStart);
    progress('processor throughput, then AWS accounting');
    const processor = await runProcessorBench(engines, config);
    sections.push(...processor.sections);
    progress('cost model');
    const ms = (ns: number): string => formatQuantity(ns, 'time-ns');
    const typical = processor.usage.find((u) => u.label === TREEZOR_NEW);
    const lowTraffic = processor.usage.find((u) => u.label === TREEZOR_LOW);
    if (!typical || !lowTraffic) throw new Error('bench: no usage measured');
    sections.push(
      costSection(processor.usage, {
        ingestMs: `median ${ms(ingest.viaSqs.treezor.median)} (Treezor), ${ms(ingest.viaSqs.idwise.median)} (IDWise)`,
        processorBatchMs: `median ${ms(processor.batch.treezor.median)} (Treezor), ${ms(processor.batch.idwise.median)} (IDWise)`,
      }),
      readmeSection(processor.usage, typical),
    );
    summary = summaryLines(typical, lowTraffic, processor.usage, processor.treezorRatio);
  } finally {
    await engines.stop();
  }
  progress(`done (${consumedCount()} results consumed)`);
  if (!summary) throw new Error('bench: no summary');
  return {
    title: 'kyc-webhooks benchmarks',
    command: options.command,
    date: new Date().toISOString(),
    machine: [...machine, describeLoad('at the end')],
    sections,
    summary,
  };
}

/** The bench's last lines, exactly as the README's Performance section quotes them. */
function summaryLines(
  treezor: DeliveryUsage,
  lowTraffic: DeliveryUsage,
  usage: readonly DeliveryUsage[],
  ratio: number,
): string[] {
  const wru = treezor.dynamo.wruTable + treezor.dynamo.wruIndex;
  return [
    `writes: treezor-2kb-new ${wru.toFixed(0)} WRU (table+index)`,
    `cost: treezor-2kb-new default $${totalPerMillion(treezor).toFixed(2)} per million`,
    // 100,000 a month is a trickle: priced at the batches of 1 such traffic gets.
    `cost: monthly at 100k webhooks default $${monthlyCost(lowTraffic, usage).toFixed(2)}`,
    `processor: treezor new event ${ratio.toFixed(2)}× the engine's conditional put of the same item`,
  ];
}
