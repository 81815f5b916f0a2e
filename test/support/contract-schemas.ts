import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { DetailType } from '../../lambdas/core/event.js';
import { CONTRACT_DIR, detailSchemaFile } from '../../scripts/contract.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });
// ajv-formats is CommonJS; its `default` is the plugin under every module loader.
formats.default(ajv, ['date-time']);
const validators = new Map<string, ValidateFunction>();

/** The validator of one JSON Schema file under contract/, compiled on first use. */
export function contractValidator(file: string): ValidateFunction {
  const known = validators.get(file);
  if (known) return known;
  const validate = ajv.compile(
    JSON.parse(readFileSync(join(CONTRACT_DIR, file), 'utf8')) as object,
  );
  validators.set(file, validate);
  return validate;
}

/** The validator of the published detail for `detailType`. */
export function detailValidator(detailType: DetailType): ValidateFunction {
  return contractValidator(detailSchemaFile(detailType));
}
