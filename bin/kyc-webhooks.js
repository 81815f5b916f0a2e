#!/usr/bin/env node
// `npx kyc-webhooks`: runs the TypeScript CLI with no build step; tsx compiles it as it loads.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
