/* Widget templates (put_widget): a logic-less subset of Mustache. {{name}} (escaped; dotted
 * paths; {{.}} is the current item), {{#name}}...{{/name}} (repeat per list item, once for a
 * truthy value, never for a false/empty one), {{^name}}...{{/name}} (inverted), {{& name}} (an
 * output spec or a list of them, rendered as outputs by the caller), {{! comment}}. Data never
 * becomes HTML: {{{name}}} is escaped like {{name}}. Pure string work, no DOM. */
import { has } from "./util.js";

export function parseTemplate(text) {
  const tag = /\{\{\{\s*([^}]*?)\s*\}\}\}|\{\{\s*([#^/&!]?)\s*([^}]*?)\s*\}\}/g;
  const root = { children: [] }, stack = [root];
  let last = 0, m;
  while ((m = tag.exec(text))) {
    const top = stack[stack.length - 1];
    if (m.index > last) top.children.push({ kind: "text", value: text.slice(last, m.index) });
    last = tag.lastIndex;
    const kind = m[1] !== undefined ? "" : m[2], name = m[1] !== undefined ? m[1] : m[3];
    if (kind === "#" || kind === "^") {
      const section = { kind, name, children: [] };
      top.children.push(section);
      stack.push(section);
    } else if (kind === "/") {
      if (stack.length === 1 || top.name !== name) throw new Error(`unexpected {{/${name}}}`);
      stack.pop();
    } else if (kind !== "!") {
      top.children.push({ kind: kind === "&" ? "&" : "var", name });
    }
  }
  if (stack.length > 1) throw new Error(`unclosed {{#${stack[stack.length - 1].name}}}`);
  if (last < text.length) root.children.push({ kind: "text", value: text.slice(last) });
  return root.children;
}

function lookup(name, contexts) {
  // PyWebIO's helper: {{& pywebio_output_parse}} renders the current item (an output spec), as {{& .}}.
  if (name === "." || name === "pywebio_output_parse") return contexts[contexts.length - 1];
  const [head, ...rest] = name.split(".");
  for (let i = contexts.length - 1; i >= 0; i--) {
    const ctx = contexts[i];
    if (ctx != null && typeof ctx === "object" && has(ctx, head)) {
      let value = ctx[head];
      for (const part of rest) value = value != null && typeof value === "object" ? value[part] : undefined;
      return value;
    }
  }
  return undefined;
}

export const escapeHTML = (s) => s.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
const falsy = (v) => !v || (Array.isArray(v) && !v.length);

export function renderTemplate(nodes, contexts, embeds) {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") { out += node.value; continue; }
    const value = lookup(node.name, contexts);
    if (node.kind === "var") {
      out += escapeHTML(value == null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));
    } else if (node.kind === "&") {
      embeds.push(value);
      out += `<template data-webio-embed="${embeds.length - 1}"></template>`;
    } else if (node.kind === "^") {
      if (falsy(value)) out += renderTemplate(node.children, contexts, embeds);
    } else if (!falsy(value)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        out += renderTemplate(node.children, contexts.concat([item]), embeds);
      }
    }
  }
  return out;
}

