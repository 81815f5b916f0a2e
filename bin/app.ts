import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readStage } from '../lib/config.js';
import { KycWebhooksStack } from '../lib/kyc-webhooks-stack.js';
import { stackNameFor } from '../lib/outputs.js';

const app = new App();
// `-c stage=staging` deploys `KycWebhooks-staging` with `stages.staging` over the base config.
const stage = readStage(app);
new KycWebhooksStack(app, stackNameFor(stage), {
  ...(stage !== undefined && { stage }),
  env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] },
});
// Every synth checks the AWS Solutions rules; a finding that is neither fixed nor acknowledged
// (with its reason, where the resource is made) fails the synth. test/stack/cdk-nag.test.ts too.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
