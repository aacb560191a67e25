/* Overlays: toasts (with click callbacks and upload progress), the popup (a modal dialog that
 * keeps focus inside and gives it back when closed) and its scope. The open popup is the
 * client's (client.popupState), not this module's. */
import { renderAll } from "./outputs.js";
import { el, has, str, uid } from "./util.js";

export const TOAST_KINDS = { info: "info", success: "success", warning: "warning", warn: "warning", error: "error" };

export function toast(spec, client) {
  const where = ["left", "center", "right"].includes(spec.position) ? spec.position : "center";
  let box = document.getElementById("webio-toasts-" + where);
  if (!box) document.body.append(box = el("div", { id: "webio-toasts-" + where, className: "webio-toasts webio-toasts-" + where }));
  const node = el("div", { className: "webio-toast", role: "status" }, el("span", { textContent: str(spec.content) }));
  if (has(TOAST_KINDS, spec.color)) node.classList.add("webio-toast-" + TOAST_KINDS[spec.color]);
  else if (typeof spec.color === "string" && spec.color) node.style.background = spec.color;
  const close = () => { clearTimeout(timer); node.remove(); };
  const duration = Number.isFinite(spec.duration) ? spec.duration : 2000;
  const timer = duration > 0 ? setTimeout(close, duration) : null; // 0: until clicked
  if (duration <= 0) {
    const x = el("button", { type: "button", className: "webio-toast-close", title: "Close", textContent: "\u00d7" });
    x.setAttribute("aria-label", "Close");
    node.append(x);
  }
  if (spec.callback_id) {
    node.tabIndex = 0;
    node.classList.add("webio-clickable");
  }
  const activate = (ev) => {
    if (spec.callback_id && !(ev.target && ev.target.classList.contains("webio-toast-close"))) {
      client.send({ event: "callback", task_id: spec.callback_id, data: null });
    }
    close();
  };
  node.addEventListener("click", activate);
  node.addEventListener("keydown", (ev) => { if (ev.key === "Enter" && ev.target === node) activate(ev); });
  box.append(node);
  return { node, close };
}

export function toastProgress(client) { // pin uploads show their progress in a toast
  let shown = null;
  const text = (t) => { if (!shown) shown = toast({ content: t, duration: 0, color: "info" }, client); shown.node.firstChild.textContent = t; };
  return {
    progress: (f) => text(`Uploading\u2026 ${Math.round(f * 100)}%`),
    done: () => { if (shown) shown.close(); },
    fail: (why) => { if (shown) shown.close(); toast({ content: `The upload failed: ${why}.`, duration: 6000, color: "error" }, client); },
  };
}

export function closePopup(client) {
  const state = client.popupState;
  if (!state) return;
  const { backdrop, keys, opener } = state;
  client.popupState = null;
  backdrop.remove();
  document.removeEventListener("keydown", keys, true);
  if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
}

export function popup(spec, client) {
  closePopup(client);
  const close = () => closePopup(client);
  const closable = spec.closable !== false, implicit = closable && spec.implicit_close !== false;
  const size = ["large", "small"].includes(spec.size) ? spec.size : "normal", titleId = uid("webio-popup-title");
  const dialog = el("div", { className: "webio-popup webio-popup-" + size, role: "dialog", tabIndex: -1 });
  dialog.setAttribute("aria-modal", "true");
  dialog.setAttribute("aria-labelledby", titleId);
  const header = el("div", { className: "webio-popup-header" }, el("h2", { id: titleId, textContent: str(spec.title) }));
  if (closable) {
    const x = el("button", { type: "button", className: "webio-close", title: "Close", textContent: "\u00d7" });
    x.setAttribute("aria-label", "Close");
    header.append(Object.assign(x, { onclick: close }));
  }
  const body = renderAll(el("div", { className: "webio-popup-body webio-scope" }), spec.content, client);
  if (typeof spec.dom_id === "string" && spec.dom_id) body.id = spec.dom_id; // a scope outputs can target
  dialog.append(header, body);
  const backdrop = el("div", { className: "webio-popup-backdrop" }, dialog);
  backdrop.addEventListener("click", (ev) => { if (implicit && ev.target === backdrop) close(); });
  const keys = (ev) => {
    if (ev.key === "Escape" && closable) { ev.stopPropagation(); close(); }
    if (ev.key !== "Tab") return; // keep focus inside the dialog
    const focusable = Array.from(dialog.querySelectorAll("a[href], button, input, select, textarea, [tabindex]"))
      .filter((n) => !n.disabled && n.tabIndex >= 0 && n.getClientRects().length);
    if (!focusable.length) { ev.preventDefault(); return; }
    const first = focusable[0], last = focusable[focusable.length - 1];
    if (ev.shiftKey && (document.activeElement === first || document.activeElement === dialog)) { ev.preventDefault(); last.focus(); }
    else if (!ev.shiftKey && document.activeElement === last) { ev.preventDefault(); first.focus(); }
  };
  document.addEventListener("keydown", keys, true);
  client.popupState = { backdrop, keys, opener: document.activeElement };
  document.body.append(backdrop);
  client.scripts.activate(body);
  dialog.focus();
}

