import type { RuntimeSettings } from '../lambdas/runtime/env.js';

/**
 * What the stack tells the outside, stated once: the stack writes these outputs and the operator
 * CLI reads them (`cli/target.ts`). No CDK import here, so the CLI never loads aws-cdk-lib
 * (test/cli/boundaries.test.ts).
 */

/** The stack `bin/app.ts` deploys, and the one the CLI reads unless `--stack` names another. */
export const STACK_NAME = 'KycWebhooks';

/**
 * The stack a stage deploys: `cdk deploy -c stage=staging` deploys `KycWebhooks-staging`, which
 * the CLI reads with `--stack KycWebhooks-staging`. Without a stage, `STACK_NAME`.
 */
export function stackNameFor(stage?: string): string {
  return stage === undefined ? STACK_NAME : `${STACK_NAME}-${stage}`;
}

/** Output keys, as `cdk deploy --outputs-file` and CloudFormation `DescribeStacks` show them. */
export const OUTPUTS = {
  apiUrl: 'ApiUrl',
  tableName: 'TableName',
  eventBusName: 'EventBusName',
  eventBusArn: 'EventBusArn',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  deadLetterQueueArn: 'DeadLetterQueueArn',
  dashboardUrl: 'DashboardUrl',
  ondatoTokenUrl: 'OndatoTokenUrl',
  /** With a custom domain: the base URL to give vendors, on that domain. */
  customDomainUrl: 'CustomDomainUrl',
  /** With a custom domain: the API Gateway domain its DNS record (CNAME or alias) points to. */
  customDomainTarget: 'CustomDomainTarget',
  /** With a custom domain: the hosted zone of that target, for a Route 53 alias record. */
  customDomainHostedZoneId: 'CustomDomainHostedZoneId',
  /** The ingest functions' log groups, comma-separated: the delivery log (`deliveries`). */
  ingestLogGroups: 'IngestLogGroups',
  /** The processor's log group: `tail` follows its "event published" lines on a stack. */
  processorLogGroup: 'ProcessorLogGroup',
  /** With `keepRefusedBodies`: the bucket refused bodies are kept in. */
  refusedBodiesBucket: 'RefusedBodiesBucket',
  /** With a vendor that has an API: the reconciliation sweep's function (`reconcile`). */
  reconcileFunction: 'ReconcileFunctionName',
  /** The deployed `StackSettings`, as JSON (`encodeSettings`). */
  settings: 'Settings',
} as const;

/**
 * The output holding a vendor's secret ARN (README, Deploy): `ondato` → `OndatoSecretArn`,
 * `my-vendor` → `MyVendorSecretArn`.
 */
export function secretOutputName(vendorId: string): string {
  const pascal = vendorId
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return `${pascal}SecretArn`;
}

/** What the `Settings` output says: the functions' settings, and the table's indexes. */
export interface StackSettings extends RuntimeSettings {
  /** Whether the table has the legacy `bySubject` index (history queries it only then). */
  readonly legacySubjectIndex: boolean;
}

const SETTING_TYPES: { readonly [K in keyof StackSettings]: 'boolean' | 'number' } = {
  retentionDays: 'number',
  includePayload: 'boolean',
  secretMaxAgeSeconds: 'number',
  legacySubjectIndex: 'boolean',
};

/**
 * Settings a stack deployed before they existed leaves out, with what such a stack does: every
 * stack from before the `legacySubjectIndex` setting has the `bySubject` index.
 */
const SETTINGS_BEFORE_THEY_EXISTED: Partial<StackSettings> = { legacySubjectIndex: true };

/**
 * The `Settings` output's value. Only the settings themselves: a whole config object would also
 * publish e.g. the alarm e-mail address to anyone who may describe the stack.
 */
export function encodeSettings(settings: StackSettings): string {
  return JSON.stringify(pickSettings(settings as unknown as Record<string, unknown>));
}

/**
 * Reads the `Settings` output back. Throws a plain `Error` naming the first key that is missing or
 * of the wrong type, never a value; keys it does not know (from a newer stack) are ignored, and a
 * key an older stack did not write reads as what that stack does.
 */
export function decodeSettings(text: string): StackSettings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`the ${OUTPUTS.settings} output is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`the ${OUTPUTS.settings} output is not a JSON object`);
  }
  const input: Record<string, unknown> = {
    ...SETTINGS_BEFORE_THEY_EXISTED,
    ...(parsed as Record<string, unknown>),
  };
  for (const [key, type] of Object.entries(SETTING_TYPES)) {
    if (typeof input[key] !== type) {
      throw new Error(`the ${OUTPUTS.settings} output has no ${type} "${key}"`);
    }
  }
  return pickSettings(input) as unknown as StackSettings;
}

function pickSettings(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(SETTING_TYPES).map((key) => [key, input[key]]));
}
