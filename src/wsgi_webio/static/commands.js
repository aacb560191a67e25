/* The command table: COMMANDS[name](spec, cmd, client) for every command of docs/ui-spec.md.
 * Exported so tests can list the names (tests/js/list_handlers.mjs). Dispatches to the modules
 * that own each command's work; holds no state (the client's is on the client). */
import { closePopup, popup, toast } from "./overlays.js";
import { download, insertAt, mounted, renderOutput, setProcessbar } from "./outputs.js";
import { outputCtl } from "./scopes.js";
import { has, queryAll, str } from "./util.js";

export const COMMANDS = {};
function handle(names, handler) {
  for (const name of names.split(" ")) {
    if (has(COMMANDS, name)) throw new Error(`webio: two handlers for command ${name}`);
    COMMANDS[name] = handler;
  }
}

handle("output", (spec, cmd, client) => {
  const targets = queryAll(spec.scope || "#pywebio-scope-ROOT");
  if (!targets.length) return console.warn("webio: output scope not found:", spec.scope);
  for (const target of targets) {
    const node = renderOutput(spec, client);
    insertAt(target, node, spec.position);
    mounted(node, client);
  }
  if (client.env.autoScrollBottom && targets.some((t) => t.id === "pywebio-scope-ROOT")) client.scrollToBottom();
});
handle("output_ctl", (spec, cmd, client) => outputCtl(spec, client));
handle("set_processbar", (spec) => {
  const box = document.getElementById("webio-processbar-" + str(spec.name));
  if (box) setProcessbar(box, spec.value, spec.label); else console.warn("webio: no processbar named", spec.name);
});
handle("input_group", (spec, cmd, client) => client.forms.open(cmd.task_id, spec, client));
handle("update_input", (spec, cmd, client) => client.forms.update(cmd.task_id, spec));
handle("destroy_form", (spec, cmd, client) => client.forms.destroy(cmd.task_id));
handle("popup", (spec, cmd, client) => popup(spec, client));
handle("close_popup", (spec, cmd, client) => closePopup(client));
handle("toast", (spec, cmd, client) => { toast(spec, client); });
handle("set_env", (spec, cmd, client) => {
  const root = document.documentElement.style, px = (v) => (typeof v === "number" ? `${v}px` : str(v));
  if ("title" in spec) document.title = str(spec.title);
  if ("output_animation" in spec) client.env.outputAnimation = !!spec.output_animation;
  if ("auto_scroll_bottom" in spec) client.env.autoScrollBottom = !!spec.auto_scroll_bottom;
  if ("input_auto_focus" in spec) client.env.inputAutoFocus = !!spec.input_auto_focus;
  if ("output_max_width" in spec) root.setProperty("--webio-width", px(spec.output_max_width) || "880px");
  if ("input_panel_fixed" in spec) document.body.classList.toggle("webio-panel-fixed", !!spec.input_panel_fixed);
  if ("input_panel_min_height" in spec) root.setProperty("--webio-panel-min", px(spec.input_panel_min_height));
  if ("input_panel_init_height" in spec) root.setProperty("--webio-panel-max", px(spec.input_panel_init_height));
  if ("http_pull_interval" in spec) client.pullInterval = spec.http_pull_interval; // unused: GETs are held
});
handle("run_script", (spec, cmd, client) => client.scripts.run(spec, cmd.task_id, client));
handle("download", (spec) => download(spec.name, spec.content));
handle("pin_values", (spec, cmd, client) => client.pins.values(spec, cmd.task_id));
handle("pin_update", (spec, cmd, client) => client.pins.update(spec));
handle("pin_wait", (spec, cmd, client) => client.pins.wait(spec, cmd.task_id));
handle("pin_onchange", (spec, cmd, client) => client.pins.onchange(spec));
handle("close_session", (spec, cmd, client) => client.close());
handle("set_session_id", () => {}); // handled by the WebSocket transport

