import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { SweepAnswer, SweepRequest } from '../../lambdas/reconcile/sweep-request.js';
import { LOCAL_RECONCILE_PATH } from '../../local/enrichment.js';
import { parseTime } from '../args.js';
import { defineCommand, sharedOption } from '../command.js';
import { CliError, EXIT } from '../errors.js';
import type { Output } from '../io.js';
import { formatTable } from '../table.js';
import type { Target } from '../target.js';

const USAGE = `Usage: npx kyc-webhooks reconcile [--vendor V] [--since T] [--dry-run] [options]

Runs the reconciliation sweep now, as its hourly schedule does: for each subject left without a
verdict past its status's window (each vendor's file sets the windows), asks the vendor's API for
its state and queues what it learns through the processor, marked "reconciliation" (same ordering
and deduplication as a delivery). Only vendors whose secret holds API credentials are asked.`;

export const reconcileCommand = defineCommand({
  name: 'reconcile',
  summary: "ask vendors' APIs about subjects left without a verdict past their window",
  usage: USAGE,
  options: {
    ...sharedOption('vendor', "only this vendor's subjects"),
    since: {
      type: 'string',
      value: 'T',
      help:
        'only subjects whose status was set at or after T (ISO date or instant, today,\n' +
        'yesterday, or a duration ago such as 24h or 7d)',
    },
    'dry-run': { type: 'boolean', help: 'list the subjects that are due; ask nothing' },
    ...sharedOption('json'),
  },
  notes:
    'Local mode asks the running npm start; a stack runs its sweep function (lambda:InvokeFunction).',
  target: true,
  examples: ['--dry-run', '--vendor idwise --since 7d --stack KycWebhooks'],
  async run({ values, vendor }, context) {
    const request: SweepRequest = {
      ...(vendor && { vendor: vendor.id }),
      ...(values.since !== undefined && {
        since: parseTime(values.since, context.now(), '--since'),
      }),
      ...(values['dry-run'] && { dryRun: true }),
    };
    const target = await context.target(values);
    const answer =
      target.kind === 'local'
        ? await askLocal(target, request)
        : await invokeSweep(target, request);
    if (values.json) context.out.json(answer);
    else print(context.out, answer, request.dryRun === true, target.label);
    return answer.subjects.some((line) => line.outcome === 'failed') ? EXIT.failed : EXIT.ok;
  },
});

async function askLocal(target: Target, request: SweepRequest): Promise<SweepAnswer> {
  const server = target.localInstance?.urls.server;
  if (server === undefined) {
    throw new CliError('Local mode is not running: start it with npm start, then reconcile.');
  }
  const response = await fetch(server + LOCAL_RECONCILE_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new CliError(
      response.status === 404
        ? 'This npm start has no vendor with an API: nothing to reconcile.'
        : `npm start refused the sweep (${response.status}): ${text}`,
    );
  }
  return JSON.parse(text) as SweepAnswer;
}

async function invokeSweep(target: Target, request: SweepRequest): Promise<SweepAnswer> {
  const { name, lambda } = target.reconcileFunction();
  const result = await lambda.send(
    new InvokeCommand({ FunctionName: name, Payload: JSON.stringify(request) }),
  );
  const text = Buffer.from(result.Payload ?? new Uint8Array()).toString('utf8');
  if (result.FunctionError !== undefined) {
    const message = (JSON.parse(text) as { errorMessage?: string }).errorMessage ?? text;
    throw new CliError(`The sweep function failed: ${message}`);
  }
  return JSON.parse(text) as SweepAnswer;
}

function print(out: Output, answer: SweepAnswer, dryRun: boolean, label: string): void {
  const due = answer.subjects.length;
  out.line(
    `${label}: ${answer.open} open subject(s) looked at, ${due} past their window` +
      (dryRun ? ' (dry run: nothing asked)' : ''),
  );
  if (due === 0) return;
  out.line();
  out.line(
    formatTable(
      ['VENDOR', 'SUBJECT', 'STATUS', 'SINCE', 'OUTCOME'],
      answer.subjects.map((line) => [
        line.vendor,
        `${line.kind}/${line.id}`,
        line.status,
        line.since,
        line.error === undefined ? line.outcome : `${line.outcome}: ${line.error}`,
      ]),
    ),
  );
}
