import type { StructError } from 'superstruct';
import { describe } from '../src/dispatch';

/**
 * The first failure of a validation, worded exactly as the SDK's dispatcher
 * words a command's: the field path, then the schema's own message, and an
 * unknown field as "<name>: is not a known field", at the top level
 * ("colour: is not a known field") as nested ("attributes: colour: is not a
 * known field").
 */
export function describeFailure(error: StructError): string {
  return describe(error);
}
