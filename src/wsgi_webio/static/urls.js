/* The URL policy, the client half of core/urls.py: which URLs a link or an image may carry.
 * The browser's own URL parser reads each URL, so "java\tscript:", "\x01javascript:" and the
 * like are seen as the javascript: URLs they are; only the listed schemes (and relative URLs,
 * which resolve to the page's) pass. Pure but for guardUrls, which edits the subtree it is given;
 * no other DOM access, so it imports in Node. */
import { str } from "./util.js";

export const LINK_PROTOCOLS = new Set(["http:", "https:", "mailto:", "tel:", "ftp:", "ftps:"]);
export const IMAGE_PROTOCOLS = new Set(["http:", "https:"]);
const DATA_IMAGE = /^data:image\/[a-z0-9.+-]+[;,]/i;

/* `raw` if a `kind` ("link" or "image") may point there, else "" (and a console warning).
 * `base`: what relative URLs resolve against (the page's URL in the browser). */
export function safeUrl(raw, kind, base = globalThis.document ? document.baseURI : undefined) {
  const text = str(raw);
  if (!text) return "";
  let url = null;
  try { url = new URL(text, base); } catch (e) { /* unparsable: refused below */ }
  if (url && (kind === "image" ? IMAGE_PROTOCOLS : LINK_PROTOCOLS).has(url.protocol)) return text;
  if (url && kind === "image" && url.protocol === "data:" && DATA_IMAGE.test(url.href)) return text;
  console.warn(`webio: refused ${kind === "image" ? "an image" : "a link"} to a ${url ? url.protocol : "malformed"} URL`);
  return "";
}

export function guardUrls(box) { // links and sources inside server-made HTML, checked again here
  for (const node of box.querySelectorAll("[href]")) if (!safeUrl(node.getAttribute("href"), "link")) node.removeAttribute("href");
  for (const node of box.querySelectorAll("[src]")) {
    if (!safeUrl(node.getAttribute("src"), node.tagName === "IMG" ? "image" : "link")) node.removeAttribute("src");
  }
  return box;
}
