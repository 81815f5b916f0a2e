import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../core/errors.js';
import type { SecretSource } from '../core/ports.js';

/**
 * Each vendor's secret JSON from Secrets Manager, cached for `maxAgeSeconds` so a rotation takes
 * effect within that time without a call per request.
 */
export class SecretsManagerSecretSource implements SecretSource {
  readonly #provider: SecretsProvider;

  constructor(
    client: SecretsManagerClient,
    private readonly secretIds: Readonly<Record<string, string>>,
    private readonly maxAgeSeconds: number,
  ) {
    this.#provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  async get(vendorId: string): Promise<unknown> {
    const secretId = this.secretIds[vendorId];
    if (secretId === undefined) {
      throw new ConfigurationError(`No secret is configured for vendor "${vendorId}"`);
    }
    try {
      return await this.#provider.get(secretId, { maxAge: this.maxAgeSeconds, transform: 'json' });
    } catch (error) {
      if (error instanceof Error && error.name === 'TransformParameterError') {
        throw new ConfigurationError(`The ${vendorId} secret is not valid JSON`);
      }
      throw error;
    }
  }
}
