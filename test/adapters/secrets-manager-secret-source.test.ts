import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lambdas/core/errors.js';
import { SecretsManagerSecretSource } from '../../lambdas/adapters/secrets-manager-secret-source.js';

const secretsManager = mockClient(SecretsManagerClient);

describe('SecretsManagerSecretSource', () => {
  beforeEach(() => secretsManager.reset());

  const source = (maxAgeSeconds: number) =>
    new SecretsManagerSecretSource(
      new SecretsManagerClient({ region: 'us-east-1' }),
      { treezor: 'arn:treezor' },
      maxAgeSeconds,
    );

  it('reads the vendor’s secret as JSON', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: 'arn:treezor' })
      .resolves({ SecretString: '{"webhookSecrets":["a"]}' });
    expect(await source(60).get('treezor')).toEqual({ webhookSecrets: ['a'] });
  });

  it('caches for maxAge, returning the same object so parsed credentials can be reused', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"webhookSecrets":["a"]}' });
    const secrets = source(60);
    const first = await secrets.get('treezor');
    const second = await secrets.get('treezor');
    expect(second).toBe(first);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('picks up a rotated value once the cache age has passed', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"webhookSecrets":["old"]}' })
      .resolves({ SecretString: '{"webhookSecrets":["old","new"]}' });
    const secrets = source(0);
    expect(await secrets.get('treezor')).toEqual({ webhookSecrets: ['old'] });
    expect(await secrets.get('treezor')).toEqual({ webhookSecrets: ['old', 'new'] });
  });

  it('reports a secret that is not JSON as a configuration error without its value', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'hunter2' });
    const error = await source(60)
      .get('treezor')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String(error)).not.toContain('hunter2');
  });

  it('refuses a vendor it has no secret for', async () => {
    await expect(source(60).get('idwise')).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('lets an outage surface so ingest answers 503', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(new Error('ServiceUnavailable'));
    await expect(source(60).get('treezor')).rejects.toThrow('ServiceUnavailable');
  });
});
