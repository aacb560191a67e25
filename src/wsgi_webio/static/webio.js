/* wsgi_webio browser client: the entry module the page loads (<script type="module">). Native
 * ES modules, no build step, no dependencies; talks only to the app's own URL. The wire contract
 * is docs/ui-spec.md (commands, outputs, input items) over docs/protocol.md (envelopes,
 * transports, binary uploads). Each module owns one part and says so at its top:
 *   util.js, urls.js              helpers; the URL policy (safeUrl)
 *   events.js                     seq/ack event queue, backoff, the binary upload format
 *   transport-ws.js, -http.js     the WebSocket and long-poll transports
 *   client.js, commands.js        the session's client; the command table
 *   outputs.js, templates.js, scopes.js   outputs, widget templates, output_ctl
 *   controls.js, field.js, forms.js, pins.js   input items, forms, pins
 *   overlays.js, scripts.js       toast/popup; the app's own scripts (run_js, put_html)
 * This module reads the page's config and starts the client; it exposes only window.WebIO.
 * Nothing here touches the DOM at import time unless a page is there (Node imports it cleanly). */
import { Client } from "./client.js";
import { LongPollTransport } from "./transport-http.js";
import { str, toJSONValue } from "./util.js";

/* The page's WebIO object: start(config), pushData for custom HTML, and test hooks. */
export function createWebIO(location = globalThis.location) {
  let current = null;
  return {
    start(config) {
      config = Object.assign({}, config);
      const query = new URLSearchParams(location.search), forced = query.get("_webio_transport");
      if (forced === "ws" || forced === "http") config.transport = forced;
      config.debug = !!config.debug || query.has("_webio_debug");
      if (current) current.close("");
      current = new Client(config);
      current.start();
    },
    /* Send a `callback` event from custom HTML: WebIO.pushData(data, callbackId). */
    pushData(data, callbackId) {
      if (!current) throw new Error("WebIO.pushData: the client has not started");
      current.send({ event: "callback", task_id: str(callbackId), data: toJSONValue(data) });
    },
    /* Test hook: drop the live WebSocket as a network failure would; {reconnectDelayMs} overrides the backoff. */
    _debugDropConnection(opts) {
      if (current && current.transport.dropConnection) current.transport.dropConnection(opts || {});
    },
    /* Test hook: which transport runs ("ws" or "http"). */
    _debugTransport() {
      return current && current.transport instanceof LongPollTransport ? "http" : "ws";
    },
  };
}

/* Start the page's client from its JSON config (<script type="application/json" id="webio-config">). */
export function boot(doc) {
  const webio = globalThis.WebIO = createWebIO();
  const node = doc.getElementById("webio-config");
  if (node) webio.start(JSON.parse(node.textContent));
}

if (globalThis.document) boot(globalThis.document);
