import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { KycWebhooksStack } from '../lib/kyc-webhooks-stack.js';
import { STACK_NAME } from '../lib/outputs.js';

const app = new App();
new KycWebhooksStack(app, STACK_NAME, {
  env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] },
});
// Every synth checks the AWS Solutions rules; a finding that is neither fixed nor acknowledged
// (with its reason, where the resource is made) fails the synth. test/stack/cdk-nag.test.ts too.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
