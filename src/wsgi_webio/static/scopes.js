/* Scopes: output_ctl (set_scope with if_exist, clear, clear_before/after/range, scroll_to,
 * remove, loose) on the page's scopes, found by app-given selectors. Must not render outputs. */
import { insertAt } from "./outputs.js";
import { el, queryAll, str } from "./util.js";

function setScope(spec) {
  const id = str(spec.set_scope), old = document.getElementById(id);
  if (old) {
    if (spec.if_exist === "remove") old.remove();
    else if (spec.if_exist === "clear") { old.textContent = ""; return; }
    else if (spec.if_exist === "blank") { old.style.minHeight = `${old.offsetHeight}px`; old.textContent = ""; return; }
    else return; // null: keep the existing scope
  }
  const container = queryAll(spec.container || "#pywebio-scope-ROOT")[0];
  if (!container) return console.warn("webio: scope container not found:", spec.container);
  insertAt(container, el("div", { className: "webio-scope", id }), spec.position);
}

function clearSiblings(node, forward, stop) {
  let sib = forward ? node.nextElementSibling : node.previousElementSibling;
  while (sib && sib !== stop) {
    const next = forward ? sib.nextElementSibling : sib.previousElementSibling;
    sib.remove();
    sib = next;
  }
}

export function outputCtl(spec, client) {
  if (spec.set_scope) setScope(spec);
  if (spec.loose) for (const n of queryAll(spec.loose)) n.style.minHeight = "";
  if (spec.clear) for (const n of queryAll(spec.clear)) n.textContent = "";
  if (spec.clear_before) for (const n of queryAll(spec.clear_before)) clearSiblings(n, false, null);
  if (spec.clear_after) for (const n of queryAll(spec.clear_after)) clearSiblings(n, true, null);
  if (Array.isArray(spec.clear_range)) {
    const [a, b] = spec.clear_range.map((s) => queryAll(s)[0]);
    if (a && b) clearSiblings(a, true, b);
  }
  if (spec.scroll_to) {
    const target = queryAll(spec.scroll_to)[0];
    const block = { top: "start", middle: "center", bottom: "end" }[spec.position] || "start";
    if (target) target.scrollIntoView({ block, behavior: client.env.outputAnimation ? "smooth" : "auto" });
  }
  if (spec.remove) for (const n of queryAll(spec.remove)) if (n.id !== "pywebio-scope-ROOT") n.remove();
}
