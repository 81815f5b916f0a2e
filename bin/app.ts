import { App } from 'aws-cdk-lib';
import { KycWebhooksStack } from '../lib/kyc-webhooks-stack.js';

const app = new App();
new KycWebhooksStack(app, 'KycWebhooks', {
  env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] },
});
