/* Running the app's own JavaScript: the <script>s of html outputs and widget templates, and
 * run_script (run_js / eval_js). Scripts inserted with innerHTML never run; those of html
 * outputs are re-created once their output is in the page, one at a time in arrival order: a
 * `src=` script is awaited before the next one runs, and run_script code waits its turn too, so
 * `put_html('<script src=chart.js>')` followed by `run_js('new Chart(...)')` works as it did with
 * PyWebIO.
 *
 * Under the page's Content-Security-Policy (no 'unsafe-inline', no 'unsafe-eval'; see
 * docs/ui-spec.md) every script this module creates carries the page's nonce, and run_script code
 * runs as the body of a function in such a script, never through eval or new Function. Nothing
 * else gets the nonce: inline event handlers and javascript: URLs stay forbidden. Owns one
 * Scripts per client; must not render outputs. */
import { str, toJSONValue } from "./util.js";

export const SCRIPT_LOAD_TIMEOUT_MS = 20000;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/* The source of a classic script that hands a function with `code` as its body to the script
 * element (document.currentScript) that runs it. `expression`: the body returns `code`'s value. */
export function scriptSource(code, names, expression) {
  let body = str(code);
  if (expression) body = `return (\n${body.replace(/[\s;]+$/, "")}\n);`;
  return `document.currentScript.webioBody = function (${names.join(", ")}) {\n${body}\n};`;
}

export class Scripts {
  constructor(nonce) {
    this.nonce = str(nonce);
    this.inert = new WeakSet(); // scripts of outputs not yet in the page
    this.jobs = [];
    this.busy = false;
  }
  enqueue(job) {
    this.jobs.push(job);
    if (!this.busy) this.drain();
  }
  drain() {
    while (this.jobs.length) {
      let wait = null;
      try { wait = this.jobs.shift()(); } catch (e) { console.error("webio: script failed", e); }
      if (wait) {
        this.busy = true;
        wait.then(() => { this.busy = false; this.drain(); });
        return;
      }
    }
  }
  mark(root) { for (const s of root.querySelectorAll("script")) this.inert.add(s); }
  activate(root) { // `root` is in the page now: run its marked scripts in order
    if (!root.querySelectorAll) return;
    for (const old of root.querySelectorAll("script")) {
      if (!this.inert.has(old)) continue;
      this.inert.delete(old);
      this.enqueue(() => {
        if (!old.isConnected) return null; // removed before its turn
        const s = document.createElement("script");
        for (const a of Array.from(old.attributes)) if (a.name !== "nonce") s.setAttribute(a.name, a.value);
        s.nonce = this.nonce;
        s.text = old.text;
        if (!s.src) { old.replaceWith(s); return null; }
        return new Promise((resolve) => {
          const timer = setTimeout(resolve, SCRIPT_LOAD_TIMEOUT_MS);
          s.onload = s.onerror = () => { clearTimeout(timer); resolve(); };
          old.replaceWith(s);
        });
      });
    }
  }
  /* A function of `names` with `code` as its body, made by a nonce-carrying script, or the
   * error that kept it from being made (a SyntaxError; the caller reports it). */
  compile(code, names, expression) {
    const s = document.createElement("script");
    s.nonce = this.nonce;
    s.text = scriptSource(code, names, expression);
    let error = null;
    const quiet = (ev) => { error = ev.error || new SyntaxError(ev.message); ev.preventDefault(); };
    window.addEventListener("error", quiet);
    try {
      document.head.append(s); // an inline script is parsed and run as it is inserted
    } finally {
      window.removeEventListener("error", quiet);
      s.remove();
    }
    if (typeof s.webioBody === "function") return { fn: s.webioBody, error: null };
    return { fn: null, error: error || new Error("the script did not run (blocked by the page's CSP?)") };
  }
  /* run_script: `code` run with each of `args` bound as a variable; with `eval`, the value of
   * `code` (an expression; a promise is awaited) is sent back as js_yield. Eval code that is not
   * an expression runs as a function body, and its `return` value is the answer. */
  run(spec, taskId, client) {
    this.enqueue(() => { this.runNow(spec, taskId, client); return null; });
  }
  runNow(spec, taskId, client) {
    const args = spec.args && typeof spec.args === "object" ? spec.args : {};
    const names = Object.keys(args).filter((n) => IDENTIFIER.test(n));
    let made = this.compile(spec.code, names, !!spec.eval);
    if (!made.fn && spec.eval) { // statements, not an expression: a function body, answering its `return`
      const statements = this.compile(spec.code, names, false);
      if (statements.fn) made = statements;
    }
    let result, failed = made.error;
    if (made.fn) {
      try { result = made.fn.apply(globalThis, names.map((n) => args[n])); } catch (e) { failed = e; }
    }
    if (!spec.eval) {
      if (failed) console.error("webio: run_js code threw:", failed);
      return;
    }
    const answer = (value) => client.send({ event: "js_yield", task_id: taskId, data: toJSONValue(value) });
    if (failed) { console.warn("webio: eval_js code threw:", failed); answer(null); return; }
    Promise.resolve(result).then(answer, (e) => { console.warn("webio: eval_js promise rejected:", e); answer(null); });
  }
}
