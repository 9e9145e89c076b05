// Compiles every .proto under proto/ into one static protobufjs module with TypeScript
// declarations: src/generated/proto.js and src/generated/proto.d.ts (and a copy of the JS
// under dist/ so the built daemon finds it). Uses protobufjs-cli from npm only: no protoc.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync, copyFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const protoDir = join(root, "proto");
const outDir = join(root, "src", "generated");
const bin = (name) => join(root, "node_modules", ".bin", name);

function findProtos(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findProtos(path);
    return name.endsWith(".proto") ? [relative(protoDir, path)] : [];
  });
}

const files = findProtos(protoDir).sort();
if (files.length === 0) {
  console.error("gen-proto: no .proto files under proto/");
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
const js = join(outDir, "proto.js");
execFileSync(bin("pbjs"), ["-t", "static-module", "-w", "es6", "--es6", "-p", protoDir, "-o", js, ...files], {
  cwd: protoDir,
  stdio: "inherit",
});
execFileSync(bin("pbts"), ["-o", join(outDir, "proto.d.ts"), js], { stdio: "inherit" });
const distDir = join(root, "dist", "src", "generated");
mkdirSync(distDir, { recursive: true });
copyFileSync(js, join(distDir, "proto.js"));
copyFileSync(join(outDir, "proto.d.ts"), join(distDir, "proto.d.ts"));
console.log(`gen-proto: ${files.length} files -> ${relative(root, js)}`);
