import { Ajv2020 } from 'ajv/dist/2020.js';
import { InputError } from '../errors.ts';
import { REQUEST_SCHEMAS } from './api-schemas.ts';

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: false });
const validators = Object.fromEntries(Object.entries(REQUEST_SCHEMAS).map(([name, schema]) => [name, ajv.compile(schema)])) as Record<keyof typeof REQUEST_SCHEMAS, ReturnType<typeof ajv.compile>>;

/** The message for a field that is missing or of the wrong kind, as the order form words it. */
const FIELD_MESSAGES: Record<string, string> = {
  domain: 'transfer:errors.domain_required',
  authCode: 'transfer:errors.code_required',
  clientId: 'api:errors.client_required',
};

/**
 * Checks a request body against its schema in api-schemas.ts (the one the OpenAPI document
 * shows); throws InputError (422) naming the field at fault.
 */
export function checkBody<T>(name: keyof typeof REQUEST_SCHEMAS, body: unknown): T {
  const validate = validators[name];
  if (validate(body ?? {})) return (body ?? {}) as T;
  const error = validate.errors?.[0];
  if (error?.keyword === 'additionalProperties') {
    const field = String((error.params as { additionalProperty: string }).additionalProperty).slice(0, 64);
    throw new InputError('api:errors.field_unknown', { field }, field);
  }
  const field = error?.keyword === 'required' ? (error.params as { missingProperty: string }).missingProperty : error?.instancePath.split('/')[1];
  if (field && FIELD_MESSAGES[field]) throw new InputError(FIELD_MESSAGES[field]!, {}, field);
  throw new InputError('api:errors.body_invalid', {}, field);
}
