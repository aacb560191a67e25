// Prints the browser client's command names and output types as JSON:
//   {"commands": [...], "outputs": [...]}   (each sorted)
// so a Python test can compare them with the server's command list. Run: node tests/js/list_handlers.mjs
import { COMMANDS } from "../../src/wsgi_webio/static/commands.js";
import { OUTPUTS } from "../../src/wsgi_webio/static/outputs.js";

process.stdout.write(JSON.stringify({ commands: Object.keys(COMMANDS).sort(), outputs: Object.keys(OUTPUTS).sort() }) + "\n");
