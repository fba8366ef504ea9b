/**
 * Input limits. Past one, the command is refused with a clear error; nothing is
 * ever cut silently. maxMessageBytes keeps every message far under the 64 KiB a
 * beacon may carry, whatever the fields add up to.
 *
 * A const enum: the build writes each number where it is used, error texts
 * included, and ships no table.
 */
export const enum LIMITS {
  /** Longest tag, in characters. */
  tagChars = 128,
  /** Longest event type, in characters. */
  eventTypeChars = 128,
  /** Longest API token, in characters. */
  tokenChars = 128,
  /** Longest first or last name, in characters. */
  nameChars = 100,
  /** Longest email, in characters (RFC 5321's limit on a path). */
  emailChars = 254,
  /** Longest zip code, in characters. */
  zipChars = 16,
  /** Longest free-text attribute or custom-field string value, in characters. */
  attributeChars = 256,
  /** Longest custom-field name, in characters. */
  extraKeyChars = 64,
  /** Most custom fields on one audience. */
  extraFields = 50,
  /** Largest message once serialised, in bytes of UTF-8. */
  maxMessageBytes = 32 * 1024,
}
