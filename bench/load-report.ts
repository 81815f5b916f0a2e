import type { HoldResult, LoadResult, Percentiles, StepResult } from './load-run.js';
import { renderTable } from './report.js';

/** The figure, as the issue asks for it; one line, so scripts and the README can quote it. */
export function figureLine(result: LoadResult): string {
  return (
    `load: local pipeline sustained ${result.sustained.perSecond} deliveries/s end to end ` +
    `(${result.cores} cores)`
  );
}

const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const pair = (p: Percentiles | undefined): string =>
  p === undefined ? '—' : `${ms(p.p50)} / ${ms(p.p99)} ms`;
const rate = (value: number): string => value.toFixed(0);
const share = (value: number): string => `${(value * 100).toFixed(0)}%`;
const cores = (value: number | undefined): string => (value === undefined ? '—' : value.toFixed(2));

/** What each side managed on its own during the ramp: ingest flat out, the processor draining. */
function alongside(result: LoadResult): string[] {
  const ingest = [...result.ramp].sort(
    (a, b) => b.acknowledgedPerSecond - a.acknowledgedPerSecond,
  )[0];
  const drains = result.ramp.flatMap((step) =>
    step.drain.perSecond === undefined ? [] : [step.drain.perSecond],
  );
  const published = result.ramp.map((step) => step.publishedPerSecond);
  const loops = result.ramp.map((step) => step.stages.eventLoopUtilization);
  if (!ingest) return [];
  return [
    `- Ingest peaked at ${rate(ingest.acknowledgedPerSecond)} acknowledged/s (${ingest.name}, ` +
      `p50 / p99 ${pair(ingest.ingestMs)}); the queue takes what the processor cannot yet.`,
    ...(drains.length > 0
      ? [
          `- The processor drained up to ${rate(Math.max(...drains))}/s with ingest idle, and ` +
            `published ${rate(Math.min(...published))}–${rate(Math.max(...published))}/s while ` +
            'ingest ran flat out: locally they share one Node process, whose event loop was busy ' +
            `${share(Math.min(...loops))}–${share(Math.max(...loops))} during the ramp.`,
        ]
      : []),
  ];
}

/** How much of the machine other processes took: on a shared box, the figures are lower. */
function othersLine(result: LoadResult): string[] {
  const others = [...result.ramp, ...result.holds].flatMap((step) =>
    step.otherCores === undefined ? [] : [step.otherCores],
  );
  if (others.length === 0) return [];
  const mean = others.reduce((a, b) => a + b, 0) / others.length;
  return [
    `- Other processes on this machine used ${mean.toFixed(2)} of its ${result.cores} cores on ` +
      `average during the steps (at most ${Math.max(...others).toFixed(2)}): a busier machine ` +
      'gives lower figures',
  ];
}

function errorsCell(step: StepResult): string {
  if (step.errors.size === 0) return '0';
  return [...step.errors].map(([what, n]) => `${n} ${what}`).join(', ');
}

function stepRow(step: StepResult): string[] {
  const s = step.stages;
  return [
    step.name,
    rate(step.acknowledgedPerSecond),
    rate(step.publishedPerSecond),
    pair(step.ingestMs),
    pair(step.endToEndMs),
    errorsCell(step),
    `${step.backlogAtEnd} (max queue ${step.maxQueueDepth})`,
    step.drain.perSecond === undefined ? '—' : `${rate(step.drain.perSecond)}/s`,
    `${share(s.processorBusy)}, ${s.batchMs > 0 ? `${ms(s.batchMs)} ms` : '—'}`,
    `${ms(s.sendMessageMs)} ms`,
    `${ms(s.probeMs.dynamodb)} ms`,
    share(s.eventLoopUtilization),
    cores(s.pipelineCores),
    cores(s.dynamodbCores),
    cores(step.clientCores),
    cores(step.otherCores),
  ];
}

const STEP_HEADERS = [
  'step',
  'acknowledged/s',
  'published/s',
  'ingest p50 / p99',
  'end to end p50 / p99',
  'errors',
  'backlog at end',
  'drain alone',
  'processor busy, per batch',
  'SendMessage',
  'DynamoDB probe',
  'pipeline event loop',
  'pipeline cores',
  'DynamoDB Local cores',
  'client cores',
  'other processes cores',
];

/** The whole run, as markdown: the machine, the ramp, the holds, the verdict, then the figure. */
export function renderLoad(result: LoadResult): string {
  const { rest, saturation, totals, sustained } = result;
  const holdRow = (hold: HoldResult): string[] => [
    ...stepRow(hold),
    hold.sustained ? `sustained: ${hold.why}` : `not sustained: ${hold.why}`,
  ];
  const confirmedHold = result.holds.find(
    (hold) => hold.sustained && hold.ratePerSecond === sustained.perSecond,
  );
  const lines = [
    `# Load run of the local pipeline (${result.mode})`,
    '',
    ...result.machine.map((line) => `- ${line}`),
    `- ${result.processors} processor instance${result.processors === 1 ? '' : 's'} ` +
      `(local mode runs 1; the stack lets the queue run up to 10); vendors: ${result.vendors.join(', ')}`,
    `- At rest: DynamoDB Local answered a probe in ${ms(rest.probeMs.dynamodb)} ms, local SQS in ` +
      `${ms(rest.probeMs.sqs)} ms, the webhook server's /health in ${ms(rest.probeMs.health)} ms`,
    ...othersLine(result),
    '',
    '## Ramp: closed-loop clients, each sending again as soon as it is answered',
    '',
    renderTable({ headers: STEP_HEADERS, rows: result.ramp.map(stepRow) }),
    '',
    '## Holds: paced sends at a fixed rate',
    '',
    renderTable({ headers: [...STEP_HEADERS, 'verdict'], rows: result.holds.map(holdRow) }),
    '',
    '## Verdict',
    '',
    `- First to saturate: **${saturation.stage}**, at ${saturation.concurrency} ` +
      `client${saturation.concurrency === 1 ? '' : 's'}: ${saturation.why}.`,
    ...alongside(result),
    ...(confirmedHold
      ? [
          `- At the sustained rate: ingest p50 / p99 ${pair(confirmedHold.ingestMs)}, end to end ` +
            `${pair(confirmedHold.endToEndMs)}, backlog ${confirmedHold.backlogAtEnd} at the end ` +
            `(most queued at once: ${confirmedHold.maxQueueDepth}).`,
        ]
      : [
          '- No paced rate was confirmed (the backlog grew at each); the figure is the best ' +
            'publication rate seen, not a confirmed one.',
        ]),
    `- At the end: ${totals.sent} sent, ${totals.acknowledged} acknowledged, ${totals.published} ` +
      `published, ${totals.unpublished} acknowledged but not yet published, ` +
      `${totals.deadLettered} dead-lettered; ${result.seconds.toFixed(0)} s in all` +
      (result.stoppedEarly ? ` (stopped early: ${result.stoppedEarly})` : '') +
      '.',
    '- This is a floor for the code path on this machine, not an AWS figure: every stage ' +
      'shares these cores with the others and with the client, the stand-ins are not the ' +
      'services, and the local poller plays the event-source mapping with the instances shown ' +
      'above. In AWS each stage scales on its own up to the limits in the README’s Capacity.',
    '',
    figureLine(result),
  ];
  return `${lines.join('\n')}\n`;
}
