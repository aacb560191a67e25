/* Outputs: OUTPUTS[type](spec, client) -> Node for every output type of docs/ui-spec.md, nested
 * rendering, positions in a scope, clickable outputs, downloads and the process bar. The
 * table is exported so tests can list the types. Touches the DOM only when called (it imports in
 * Node). Must not talk to the server but through client.send, nor run scripts itself (client.scripts
 * does, once an output is in the page). */
import { parseTemplate, renderTemplate } from "./templates.js";
import { guardUrls, safeUrl } from "./urls.js";
import { addStyle, cssIdent, cssLength, el, has, str, uid } from "./util.js";

export const BTN_COLORS = /^(primary|secondary|success|danger|warning|info|light|dark)$/;
const KINDS = /^(info|success|warning|error)$/;
export const btnClass = (color, outline, small) =>
  `webio-btn webio-btn-${outline ? "outline-" : ""}${BTN_COLORS.test(color) ? color : "primary"}${small ? " webio-btn-sm" : ""}`;

/* A nested output: a spec, or a plain string (or number) shown as text; null is an empty cell. */
export function renderOutput(spec, client) {
  if (spec == null) return el("div", { className: "webio-empty" });
  if (typeof spec !== "object") spec = { type: "text", content: String(spec) };
  let node;
  if (has(OUTPUTS, spec.type)) node = OUTPUTS[spec.type](spec, client);
  else node = el("div", { className: "webio-unsupported", textContent: `unsupported output: ${spec.type}` });
  addStyle(node, spec.style);
  if (typeof spec.dom_id === "string" && spec.dom_id) (node.webioBody || node).id = spec.dom_id;
  if (spec.click_callback_id) clickable(node, spec.click_callback_id, client);
  return node;
}

export function renderAll(box, contents, client) {
  for (const item of Array.isArray(contents) ? contents : contents == null ? [] : [contents]) {
    box.append(renderOutput(item, client));
  }
  return box;
}

function clickable(node, callbackId, client) {
  node.classList.add("webio-clickable");
  const fire = () => client.send({ event: "callback", task_id: callbackId, data: null });
  node.addEventListener("click", fire);
  if (!node.matches("button, a[href], input, select, textarea")) { // reachable from the keyboard too
    node.tabIndex = 0;
    node.addEventListener("keydown", (ev) => {
      if (ev.target === node && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); fire(); }
    });
  }
}

/* position: -1 append, 0 prepend, n >= 0 before child n, n < 0 after child len+n (clamped to the ends). */
export function insertAt(container, node, position) {
  const kids = container.children, pos = Number.isInteger(position) ? position : -1;
  if (pos === -1 || pos >= kids.length) container.append(node);
  else if (pos >= 0) container.insertBefore(node, kids[pos]);
  else if (kids.length + pos < 0) container.prepend(node);
  else kids[kids.length + pos].after(node);
}

/* Called once a rendered output is in the page. */
export function mounted(node, client) {
  if (client.env.outputAnimation && node.classList) node.classList.add("webio-enter");
  client.scripts.activate(node);
}

function base64Bytes(b64) {
  const bin = atob(str(b64));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

export function download(name, b64) {
  const url = URL.createObjectURL(new Blob([base64Bytes(b64)], { type: "application/octet-stream" }));
  const a = el("a", { href: url, download: str(name) || "download", hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

export function setProcessbar(box, value, label) {
  const v = Math.max(0, Math.min(1, Number(value) || 0)), pct = Math.round(v * 100);
  box.querySelector(".webio-progress-fill").style.width = `${v * 100}%`;
  box.querySelector(".webio-progress-label").textContent = label == null || label === "" ? `${pct}%` : str(label);
  box.setAttribute("aria-valuenow", String(pct));
  box.setAttribute("aria-valuetext", label == null || label === "" ? `${pct}%` : str(label));
  if (v >= 1 && box.dataset.autoClose === "true") box.remove();
}

function tabs(spec, client) {
  const box = el("div", { className: "webio-tabs" });
  const list = el("div", { className: "webio-tablist", role: "tablist" });
  const buttons = [], panels = [];
  const select = (index, focus) => {
    buttons.forEach((b, i) => { b.setAttribute("aria-selected", String(i === index)); b.tabIndex = i === index ? 0 : -1; });
    panels.forEach((p, i) => { p.hidden = i !== index; });
    if (focus) buttons[index].focus();
  };
  (Array.isArray(spec.tabs) ? spec.tabs : []).forEach((tab, i) => {
    const id = uid("webio-tab");
    const button = el("button", { type: "button", className: "webio-tab", id, role: "tab", textContent: str(tab.title) });
    const panel = el("div", { className: "webio-tabpanel", id: id + "-panel", role: "tabpanel", tabIndex: 0 });
    button.setAttribute("aria-controls", panel.id);
    panel.setAttribute("aria-labelledby", id);
    button.addEventListener("click", () => select(i, false));
    renderAll(panel, tab.content, client);
    buttons.push(button);
    panels.push(panel);
    list.append(button);
  });
  list.addEventListener("keydown", (ev) => { // the WAI-ARIA tabs pattern
    const at = buttons.indexOf(document.activeElement), n = buttons.length;
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1 + n, Home: 0, End: n - 1 }[ev.key];
    if (at < 0 || to === undefined) return;
    ev.preventDefault();
    select(to % n, true);
  });
  box.append(list, ...panels);
  if (buttons.length) select(0, false);
  return box;
}

function table(spec, client) {
  const rows = Array.isArray(spec.data) ? spec.data : [];
  const headerRows = Number.isInteger(spec.header) ? spec.header : 1; // PyWebIO: row 0 is the header
  const span = spec.span && typeof spec.span === "object" ? spec.span : {};
  // A header cell spanning rows cannot reach from <thead> into <tbody>: then, as PyWebIO's
  // one-group table, the header row stays in the body, with the rows it spans.
  const headInBody = Object.keys(span).some((k) => Number(k.split(",")[0]) < headerRows && span[k] && span[k].row > 1);
  const tbl = el("table", { className: "webio-table" });
  let thead = null;
  const tbody = el("tbody");
  rows.forEach((row, r) => {
    const head = r < headerRows, tr = el("tr");
    (Array.isArray(row) ? row : [row]).forEach((cell, c) => {
      const td = el(head ? "th" : "td", { className: "webio-cell" });
      if (head) td.scope = "col";
      const s = span[`${r},${c}`];
      if (s && s.row > 1) td.rowSpan = s.row;
      if (s && s.col > 1) td.colSpan = s.col;
      td.append(cell != null && typeof cell === "object" ? renderOutput(cell, client) : str(cell));
      tr.append(td);
    });
    if (head && !headInBody) (thead = thead || el("thead")).append(tr); else tbody.append(tr);
  });
  if (thead) tbl.append(thead);
  tbl.append(tbody);
  return el("div", { className: "webio-table-wrap" }, tbl);
}

function grid(spec, client) {
  const cells = (Array.isArray(spec.cells) ? spec.cells : []).map((row) => (Array.isArray(row) ? row : [row]));
  const width = cells.reduce((m, row) => Math.max(m, row.length), 0), column = spec.direction === "column";
  const [nRows, nCols] = column ? [width, cells.length] : [cells.length, width];
  const box = el("div", { className: "webio-grid" });
  Object.assign(box.style, {
    gridTemplateColumns: str(spec.cell_widths) || `repeat(${nCols}, ${cssLength(spec.cell_width) || "auto"})`,
    gridTemplateRows: str(spec.cell_heights) || `repeat(${nRows}, ${cssLength(spec.cell_height) || "auto"})`,
    gridAutoFlow: column ? "column" : "row",
  });
  for (const row of cells) for (let i = 0; i < width; i++) box.append(renderOutput(row[i], client));
  return box;
}

function scrollable(spec, client) {
  const box = renderAll(el("div", { className: "webio-scrollable", tabIndex: 0 }), spec.contents, client);
  if (spec.border !== false) box.classList.add("webio-bordered");
  if (spec.height != null) box.style.height = cssLength(spec.height);
  if (spec.min_height != null) box.style.minHeight = cssLength(spec.min_height);
  if (spec.max_height != null) box.style.maxHeight = cssLength(spec.max_height);
  if (spec.keep_bottom) { // follow new content while the reader is at the bottom
    let stick = true;
    box.addEventListener("scroll", () => { stick = box.scrollTop + box.clientHeight >= box.scrollHeight - 8; });
    new MutationObserver(() => { if (stick) box.scrollTop = box.scrollHeight; })
      .observe(box, { childList: true, subtree: true, characterData: true });
  }
  return box;
}

export const OUTPUTS = {
  text: (spec) => el(spec.inline ? "span" : "p", { className: "webio-text", textContent: str(spec.content) }),
  markdown(spec) { // html comes sanitised from the server (or the app turned sanitize off on purpose)
    const box = el("div", { className: "webio-markdown" });
    if (typeof spec.html === "string") box.innerHTML = spec.html; else box.textContent = str(spec.content);
    return guardUrls(box);
  },
  html(spec, client) { // the app's explicit opt-in; its <script>s run once it is in the page
    const box = el("div", { className: "webio-html" });
    box.innerHTML = str(spec.content);
    client.scripts.mark(box);
    return box;
  },
  code(spec) {
    const code = el("code", { textContent: str(spec.content) });
    if (spec.language) code.className = "language-" + cssIdent(spec.language);
    const pre = el("pre", { className: "webio-code", tabIndex: 0 }, code);
    if (Number(spec.rows) > 0) pre.style.maxHeight = `calc(${Number(spec.rows)} * 1.5em + 1.5rem)`;
    return pre;
  },
  buttons(spec, client) {
    const box = el("div", { className: "webio-buttons" + (spec.group ? " webio-btn-group" : "") });
    if (spec.group) box.setAttribute("role", "group");
    for (const b of spec.buttons) {
      const btn = el("button", { type: "button", disabled: !!b.disabled, textContent: str(b.label),
        className: spec.link ? `webio-btn webio-btn-link${spec.small ? " webio-btn-sm" : ""}` : btnClass(b.color, spec.outline, spec.small) });
      btn.addEventListener("click", () => client.send({ event: "callback", task_id: spec.callback_id, data: b.value }));
      box.append(btn);
    }
    return box;
  },
  table,
  image(spec) {
    const img = el("img", { className: "webio-image", alt: str(spec.alt) });
    const src = safeUrl(spec.src, "image");
    if (src) img.src = src;
    if (spec.width != null) img.style.width = cssLength(spec.width);
    if (spec.height != null) img.style.height = cssLength(spec.height);
    return img;
  },
  file(spec) {
    const btn = el("button", { type: "button", className: btnClass("primary", true) + " webio-file-button",
      textContent: str(spec.label != null ? spec.label : spec.name) });
    btn.addEventListener("click", () => download(spec.name, spec.content));
    return el("div", { className: "webio-buttons" }, btn);
  },
  link(spec) {
    const a = el("a", { className: "webio-link", textContent: str(spec.name) });
    const href = spec.app != null ? `${globalThis.location.pathname}?app=${encodeURIComponent(spec.app)}` : safeUrl(spec.url, "link");
    if (href) a.href = href;
    if (spec.new_window) Object.assign(a, { target: "_blank", rel: "noopener noreferrer" });
    return a;
  },
  processbar(spec) {
    const box = el("div", { className: "webio-processbar", role: "progressbar", id: "webio-processbar-" + str(spec.name) },
      el("div", { className: "webio-progress-track" }, el("div", { className: "webio-progress-fill" })),
      el("span", { className: "webio-progress-label" }));
    box.setAttribute("aria-valuemin", "0");
    box.setAttribute("aria-valuemax", "100");
    box.dataset.autoClose = String(!!spec.auto_close);
    setProcessbar(box, spec.value, spec.label);
    return box;
  },
  loading(spec) {
    const shape = spec.shape === "grow" ? "grow" : "border";
    const box = el("div", { className: `webio-spinner webio-spinner-${shape}`, role: "status" },
      el("span", { className: "webio-visually-hidden", textContent: "Loading\u2026" }));
    if (BTN_COLORS.test(spec.color)) box.classList.add("webio-color-" + spec.color);
    else if (spec.color) box.style.color = str(spec.color);
    return box;
  },
  collapse(spec, client) {
    const body = renderAll(el("div", { className: "webio-collapse-body" }), spec.contents, client);
    const box = el("details", { className: "webio-collapse", open: !!spec.open },
      el("summary", { textContent: str(spec.title) }), body);
    box.webioBody = body;
    return box;
  },
  scrollable,
  tabs,
  row(spec, client) {
    const box = renderAll(el("div", { className: "webio-row" }), spec.contents, client);
    if (spec.size) box.style.gridTemplateColumns = str(spec.size);
    return box;
  },
  column(spec, client) {
    const box = renderAll(el("div", { className: "webio-column" }), spec.contents, client);
    if (spec.size) box.style.gridTemplateRows = str(spec.size);
    return box;
  },
  grid,
  scope(spec, client) {
    if (spec.dom_id && document.getElementById(spec.dom_id)) console.warn("webio: duplicate scope", spec.dom_id);
    return renderAll(el("div", { className: "webio-scope" }), spec.contents, client);
  },
  alert(spec, client) {
    const kind = KINDS.test(spec.kind) ? spec.kind : "info";
    const body = renderAll(el("div", { className: "webio-alert-body" }), spec.contents, client);
    const box = el("div", { className: `webio-alert webio-alert-${kind}` }, body);
    if (kind === "error") box.setAttribute("role", "alert");
    if (spec.closable) {
      const x = el("button", { type: "button", className: "webio-close", textContent: "\u00d7", title: "Close" });
      x.setAttribute("aria-label", "Close");
      x.addEventListener("click", () => box.remove());
      box.append(x);
    }
    box.webioBody = body;
    return box;
  },
  widget(spec, client) {
    const box = el("div", { className: "webio-widget" }), embeds = [];
    try {
      box.innerHTML = renderTemplate(parseTemplate(str(spec.template)), [spec.data == null ? {} : spec.data], embeds);
    } catch (e) {
      console.error("webio: bad widget template:", e.message);
      box.textContent = "";
      box.append(el("div", { className: "webio-unsupported", textContent: `widget template error: ${e.message}` }));
      return box;
    }
    for (const slot of box.querySelectorAll("template[data-webio-embed]")) {
      const frag = document.createDocumentFragment();
      const value = embeds[Number(slot.getAttribute("data-webio-embed"))];
      renderAll(frag, value, client);
      slot.replaceWith(frag);
    }
    client.scripts.mark(box); // the template is trusted author HTML, as put_html is
    return box;
  },
  pin: (spec, client) => client.pins.render(spec.input || {}, client),
};

