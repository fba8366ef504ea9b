// The npm package: flamefy-tag's programmatic API.
export { init, FlmAudience, FlmCookie, FlmEvent, FlmTag, FlmViewer } from './api';
export { FlmError } from './log';
export type { InitOptions } from './options';
export type { Attributes, Identity } from './schemas';
