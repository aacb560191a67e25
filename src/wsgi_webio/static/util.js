/* Small helpers every other module uses: text and JSON values, sizes, CSS values, and DOM
 * building for app-given attributes and selectors. Owns no state but the page's id counter, and
 * touches the DOM only inside functions, so it imports in Node. Must not know about commands,
 * transports or sessions. */

export const DISCONNECTED = "Disconnected. Reload the page to start again.";
export const RECONNECTING = "reconnecting\u2026";

export const str = (v) => (v == null ? "" : String(v));
export const has = (table, key) => Object.prototype.hasOwnProperty.call(table, key);

/* Ids unique within the page (a module is instantiated once per page, so the count is the page's). */
let uidCounter = 0;
export const uid = (prefix) => `${prefix}-${++uidCounter}`;

/* Option and button values are any JSON value: kept as JSON text in the DOM, parsed back when read. */
export const jsonKey = (value) => JSON.stringify(value === undefined ? null : value);
export const parseKey = (text) => JSON.parse(text);
export function toJSONValue(value) { // what survives JSON; null for what does not (undefined, functions, cycles)
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : JSON.parse(text);
  } catch (e) { return null; }
}

export function formatSize(bytes) {
  const units = ["bytes", "KB", "MB", "GB"];
  let n = bytes, i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return i === 0 ? `${n} bytes` : `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

export const cssLength = (v) => (typeof v === "number" ? `${v}px` : str(v));
export const cssIdent = (v) => str(v).replace(/[^\w-]/g, "_");

export function el(tag, props, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

/* App-given HTML attributes: never event handlers; false/null remove the attribute. */
export function setAttr(node, name, value) {
  if (!/^[a-z][\w:.-]*$/i.test(name) || /^on/i.test(name)) return console.warn("webio: ignored attribute", name);
  if (value === false || value == null) node.removeAttribute(name);
  else node.setAttribute(name, value === true ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));
}

/* An app's style string goes through the CSSOM (cssText), which the page's CSP allows
 * (a style="" attribute set from script would need style-src 'unsafe-inline'). */
export function addStyle(node, css) { if (typeof css === "string" && css) node.style.cssText += ";" + css; }

export function queryAll(selector) { // an app-given selector; a malformed one matches nothing
  try { return selector ? Array.from(document.querySelectorAll(selector)) : []; } catch (e) { return []; }
}
