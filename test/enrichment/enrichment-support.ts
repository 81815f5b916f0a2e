import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import type { LocalEnrichment } from '../../local/enrichment.js';
import type { EventDetail } from '../../lambdas/core/event.js';
import type { ApiReading } from '../../lambdas/core/vendor-api.js';
import { findVendor } from '../../lambdas/vendors/registry.js';
import { sendDelivery } from '../../local/send-delivery.js';
import type { TestPipeline } from '../support/local-pipeline.js';
import { localBusEntries } from '../support/wait.js';

/** A vendor API answer fixture (`test/fixtures/<vendor>/api/<name>.json`), parsed. */
export function apiFixture(vendor: string, name: string): unknown {
  const file = fileURLToPath(new URL(`../fixtures/${vendor}/api/${name}.json`, import.meta.url));
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * What the vendor's API reading makes of the answer fixture `name`, written by hand from it
 * (`test/fixtures/<vendor>/api/reads/<name>.expected.json`).
 */
export function apiReading(vendor: string, name: string): ApiReading {
  return apiFixture(vendor, `reads/${name}.expected`) as ApiReading;
}

/** The detail of every event the test pipeline's bus received, in order. */
export function publishedDetails(test: TestPipeline): EventDetail[] {
  return localBusEntries(test.pipeline.eventsFile).map(
    (entry) => JSON.parse(entry.Detail) as EventDetail,
  );
}

/** Sends `body` to the vendor's first route, signed as the vendor would; it must be taken. */
export async function sendBody(test: TestPipeline, vendorId: string, body: string): Promise<void> {
  const route = findVendor(vendorId)?.routes[0];
  if (route === undefined) throw new Error(`no route for ${vendorId}`);
  const file = join(test.dir, `${randomUUID()}.json`);
  writeFileSync(file, body);
  const url = test.pipeline.urls.server + route;
  const sent = await sendDelivery({ vendor: vendorId, fixture: file, route, url });
  expect(sent.status).toBe(200);
}

/** An object of local mode's results bucket: its bytes and content type. */
export async function readArchived(
  enrichment: Pick<LocalEnrichment, 's3'>,
  key: string | undefined,
): Promise<{ bytes: Buffer; contentType: string | undefined }> {
  const s3 = new S3Client({
    endpoint: enrichment.s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: enrichment.s3.bucket, Key: key }));
    return {
      bytes: Buffer.from(await object.Body!.transformToByteArray()),
      contentType: object.ContentType,
    };
  } finally {
    s3.destroy();
  }
}
