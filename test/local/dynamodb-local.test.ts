import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';

/*
 * What `npm start` says when DynamoDB Local cannot start. The engine itself is started once per
 * run (test/support/dynamodb-local.global.ts) and used by every test that needs a table.
 */

describe('starting DynamoDB Local', () => {
  const path = process.env['PATH'];
  afterEach(() => {
    process.env['PATH'] = path;
  });

  it('says exactly what to install when there is no Java', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kyc-no-java-'));
    // This file's own worker process: `spawn` finds `java` through it.
    process.env['PATH'] = empty;
    try {
      await expect(startDynamoDbLocal({ port: 0 })).rejects.toThrow(
        /No `java` command found\. .*DynamoDB Local, which needs Java 17 or later\. .*apt-get install openjdk-17-jre-headless/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('names the port when it is taken', async () => {
    // Hangs up on the readiness probes, so that closing it does not wait for them.
    const taken = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      await expect(startDynamoDbLocal({ port })).rejects.toThrow(
        `DynamoDB Local: port ${port} is already in use; free it or choose another port`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
