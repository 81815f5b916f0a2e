import { readFile } from 'node:fs/promises';
import { ConfigurationError } from '../lambdas/core/errors.js';
import type { SecretSource } from '../lambdas/core/ports.js';

/**
 * Local mode's `SecretSource`: one JSON file `{"<vendorId>": <that vendor's secret JSON>, …}`
 * holding development-only values. The file is read on every delivery, so an edit (say, a
 * rotated value) takes effect on the next one without a restart. While its text is unchanged the
 * same objects are returned, which lets ingest reuse its parse.
 *
 * The text is compared, not the modification time and size: on filesystems with coarse
 * timestamps (one or two seconds) a same-length edit, such as swapping one key for another,
 * would keep both and go unnoticed. The file is small, and this is local mode.
 */
export class FileSecretSource implements SecretSource {
  #cached?: { readonly text: string; readonly secrets: Readonly<Record<string, unknown>> };

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
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      throw new ConfigurationError(
        `The local secrets file ${this.file} cannot be read; create it or point ` +
          'KYC_LOCAL_SECRETS at one',
      );
    }
    if (this.#cached?.text === text) return this.#cached.secrets;

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
    this.#cached = { text, secrets };
    return secrets;
  }
}
