import type { StructError } from 'superstruct';
import { show } from '../src/schemas';

/**
 * The first failure of a validation, as "attributes.email: Expected …": the
 * field path, then the schema's own words, as the SDK prints them.
 */
export function describeFailure(error: StructError): string {
  const [failure] = error.failures();
  const where = failure.path.length > 0 ? `${failure.path.join('.')}: ` : '';
  // superstruct words an unknown key as "a value of type `never`".
  const what = failure.type === 'never' ? `Unknown field (received: ${show(failure.value)})` : failure.message;
  return `${where}${what}`;
}
