#!/usr/bin/env node
// ofp4: runs the built program (dist/, made by `npm install` / `npm run build`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/src/cli/ofp4.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write("ofp4: not built yet (dist/src/cli/ofp4.js is missing): run `npm run build`\n");
  process.exit(1);
}
const { main } = await import(entry.href);
main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`ofp4: ${e?.message?.split("\n")[0] ?? e}\n`);
  process.exit(1);
});
