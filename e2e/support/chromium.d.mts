// Types of chromium.mjs for the TypeScript that imports it (playwright.config.ts).
/** The path of a Chromium or Chrome binary: FLM_CHROMIUM, the system's, or Playwright's. */
export declare function findChromium(): string;
/** Flags that keep Chromium quiet on a machine with no network but loopback. */
export declare const CHROMIUM_ARGS: string[];
