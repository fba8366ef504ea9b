/*
 * flamefy-tag loader. Customers paste this into their pages and into Google Tag
 * Manager Custom HTML tags, whose compiler rejects anything after ES5: keep it
 * ES5, no document.write, and within 400 bytes minified (the build checks).
 *
 * - flmq is created once; running the loader twice injects nothing more.
 * - The injected script inherits the nonce of the one running this (strict CSP).
 * - A script inserted by script is async already: no async attribute needed.
 * - Where the page enforces Trusted Types, a plain string src throws, and only
 *   then is a 'flamefy' policy created to pass the bundle's address.
 */
(function (w, d, u) {
  var q = (w.flmq = w.flmq || []);
  if (q.flmLoader) return;
  q.flmLoader = 1;
  var s = d.createElement('script');
  var c = d.currentScript || d.querySelector('script[nonce]');
  if (c) s.nonce = c.nonce;
  try {
    s.src = u;
  } catch (e) {
    s.src = w.trustedTypes.createPolicy('flamefy', { createScriptURL: function (x) { return x; } }).createScriptURL(u);
  }
  (d.head || d.documentElement).appendChild(s);
})(window, document, 'FLM_BUNDLE_URL');
