import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../../lambdas/core/access-token.js';
import { ONDATO_TOKEN_AUDIENCE } from '../../lambdas/vendors/ondato.js';
import { FileSecretSource } from '../../local/file-secret-source.js';
import {
  describeEachVendor,
  deliveryWith,
  oldAndNew,
  ONDATO_REFUSED,
  ondatoDeliveryWith,
  shapeOf,
  SOURCE_IP,
  statusOf,
} from './rotation-support.js';

/**
 * Rotation in local mode: `config/local-secrets.json` (here a copy in a temporary directory) is
 * read through `FileSecretSource`, and an edit applies on the very next delivery, so an operator
 * can rehearse a rotation without restarting anything.
 */

const NOW = new Date('2026-06-01T12:00:00.000Z');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kyc-rotation-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function secretsFile(name: string): { file: string; write: (secrets: object) => void } {
  const file = join(dir, `${name}.json`);
  return { file, write: (secrets) => writeFileSync(file, JSON.stringify(secrets, null, 2)) };
}

describeEachVendor(
  'rotating the %s credential in the local secrets file',
  (vendorId, { accepted, refused }) => {
    it('applies every edit on the next delivery', async () => {
      const { shape, oldOne, newOne } = oldAndNew(vendorId);
      const { file, write } = secretsFile(vendorId);
      const secrets = new FileSecretSource(file);
      const deliver = (credential: string) =>
        statusOf(deliveryWith(vendorId, credential, NOW), secrets);

      write({ [vendorId]: shape.secret([oldOne]) });
      expect(await deliver(oldOne)).toBe(accepted);
      expect(await deliver(newOne)).toBe(refused);

      write({ [vendorId]: shape.secret([oldOne, newOne]) });
      expect(await deliver(newOne)).toBe(accepted);
      expect(await deliver(oldOne)).toBe(accepted);

      write({ [vendorId]: shape.secret([newOne]) });
      expect(await deliver(oldOne)).toBe(refused);
      expect(await deliver(newOne)).toBe(accepted);
    });

    it('notices a same-length edit that keeps the modification time (coarse timestamps)', async () => {
      // Swapping one value for another of the same length leaves the file's size unchanged, and
      // on filesystems with one- or two-second timestamps its modification time too.
      const shape = shapeOf(vendorId);
      const [first, second] = [shape.credential('aaaa'), shape.credential('bbbb')];
      const { file, write } = secretsFile(`${vendorId}-same-length`);
      const secrets = new FileSecretSource(file);

      // Both writes land in the same whole second, as a coarse filesystem would record them.
      const second1 = new Date('2026-06-01T12:00:00.000Z');
      write({ [vendorId]: shape.secret([first]) });
      utimesSync(file, second1, second1);
      expect(await statusOf(deliveryWith(vendorId, first, NOW), secrets)).toBe(accepted);

      write({ [vendorId]: shape.secret([second]) });
      utimesSync(file, second1, second1);
      expect(await statusOf(deliveryWith(vendorId, first, NOW), secrets)).toBe(refused);
      expect(await statusOf(deliveryWith(vendorId, second, NOW), secrets)).toBe(accepted);
    });
  },
);

describe("rotating Ondato's token signing key in the local secrets file", () => {
  const K1 = 'first-local-signing-key-at-least-32-bytes';
  const K2 = 'second-local-signing-key-at-least-32-bytes';
  const secretWith = (keys: string[]) => ({
    ondato: {
      tokenSigningKeys: keys,
      // The client the tokens are issued to must still be listed (a removed one is revoked).
      oauthClients: [{ clientId: 'local-client', clientSecret: 'local-client-secret' }],
      allowedIps: [SOURCE_IP],
    },
  });
  const tokenFrom = (key: string) =>
    issueAccessToken(
      { clientId: 'local-client', audience: ONDATO_TOKEN_AUDIENCE, now: NOW, ttlSeconds: 300 },
      key,
    );

  it('accepts tokens of both keys while both are listed, and only the new one afterwards', async () => {
    const { file, write } = secretsFile('ondato-keys');
    const secrets = new FileSecretSource(file);
    const deliver = (token: string): Promise<number> =>
      statusOf(ondatoDeliveryWith(token, NOW), secrets);

    write(secretWith([K1]));
    expect(await deliver(tokenFrom(K1))).toBe(200);
    expect(await deliver(tokenFrom(K2))).toBe(ONDATO_REFUSED);
    write(secretWith([K1, K2]));
    expect(await deliver(tokenFrom(K2))).toBe(200);
    write(secretWith([K2, K1]));
    expect(await deliver(tokenFrom(K1))).toBe(200);
    write(secretWith([K2]));
    expect(await deliver(tokenFrom(K1))).toBe(ONDATO_REFUSED);
    expect(await deliver(tokenFrom(K2))).toBe(200);
  });
});
