// What the browser tests reach for in the page.
declare global {
  interface Window {
    flmq: unknown[];
    __flamefyQueue?: boolean;
  }
}
export {};
