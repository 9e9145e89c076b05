// Where ofp4's own files are: the package root (the directory holding package.json), found
// from this module's location whether it runs from src/ (tests) or dist/src/ (the program), and
// the default pipeline files under p4/. Never looks at the working directory.

import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  root = dir;
  return dir;
}

/** A path from the config: absolute as given, else relative to the working directory. */
export function userPath(p: string): string {
  return isAbsolute(p) ? p : resolve(p);
}

/** One of ofp4's own files (p4/ofp4.json...). */
export function ownFile(rel: string): string {
  return join(packageRoot(), rel);
}
