// Types of firefox.mjs for the TypeScript that imports it.
/** The path of a Firefox binary: FLM_FIREFOX, or the system's. */
export declare function findFirefox(): string;
