import { readFile, stat } from 'node:fs/promises';
import { ConfigurationError } from '../lambdas/core/errors.js';
import type { SecretSource } from '../lambdas/core/ports.js';

/**
 * Local mode's `SecretSource`: one JSON file `{"<vendorId>": <that vendor's secret JSON>, …}`
 * holding development-only values. The file is re-read whenever its modification time or size
 * changes, so an edit (say, a rotated value) takes effect on the next delivery without a
 * restart. Between edits the same objects are returned, which lets ingest reuse its parse.
 */
export class FileSecretSource implements SecretSource {
  #cached?: { readonly version: string; readonly secrets: Readonly<Record<string, unknown>> };

  constructor(readonly file: string) {}

  async get(vendorId: string): Promise<unknown> {
    const secrets = await this.#load();
    if (!Object.hasOwn(secrets, vendorId)) {
      throw new ConfigurationError(
        `The local secrets file ${this.file} has no "${vendorId}" entry; add the vendor's ` +
          'secret JSON under that key',
      );
    }
    return secrets[vendorId];
  }

  async #load(): Promise<Readonly<Record<string, unknown>>> {
    let version: string;
    try {
      const info = await stat(this.file);
      version = `${info.mtimeMs}:${info.size}`;
    } catch {
      throw new ConfigurationError(
        `The local secrets file ${this.file} cannot be read; create it or point ` +
          'KYC_LOCAL_SECRETS at one',
      );
    }
    if (this.#cached?.version === version) return this.#cached.secrets;

    const text = await readFile(this.file, 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigurationError(`The local secrets file ${this.file} is not valid JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigurationError(
        `The local secrets file ${this.file} must be a JSON object keyed by vendor id`,
      );
    }
    const secrets = parsed as Record<string, unknown>;
    this.#cached = { version, secrets };
    return secrets;
  }
}
