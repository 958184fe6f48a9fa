#!/usr/bin/env node
// Whether dist/ was built from the sources as they are now. `npm run build` ends with
// `node scripts/buildStamp.mjs write`; `prepare` runs `node scripts/buildStamp.mjs check || npm run build`.
//
// Why: `npx softkey` inside this repository installs the repository itself into npx's cache as a
// link, and npm runs a linked package's `prepare` script. A full build there took 11-18 s behind
// a silent spinner on a fresh clone whose `npm install` had just built the same dist/. The stamp
// lets `prepare` skip a build that would only reproduce what is there.
//
// The stamp is a SHA-256 over every input of the build: the files under src/, the tsconfigs,
// package.json's build scripts and package-lock.json (the bundle inlines dependencies).
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const STAMP = path.join(ROOT, "dist", ".build-stamp");
/** What the launcher (bin/softkey.js) and the library entry load: without them there is no build. */
const OUTPUTS = ["dist/bundle/softkey.js", "dist/index.js", "dist/cjs/index.cjs"];

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function inputsDigest() {
  const hash = createHash("sha256");
  const add = (name, bytes) => hash.update(`${name}\0${bytes.length}\0`).update(bytes);
  for (const file of filesUnder(path.join(ROOT, "src")).sort()) add(path.relative(ROOT, file), readFileSync(file));
  for (const name of ["tsconfig.json", "tsconfig.build.json", "package-lock.json", "scripts/bundleCjs.mjs"]) {
    const file = path.join(ROOT, name);
    if (existsSync(file)) add(name, readFileSync(file));
  }
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  add("package.json#scripts", Buffer.from(JSON.stringify([pkg.scripts?.build, pkg.scripts?.bundle, pkg.dependencies])));
  return hash.digest("hex");
}

const mode = process.argv[2];
if (mode === "write") {
  writeFileSync(STAMP, `${inputsDigest()}\n`);
} else if (mode === "check") {
  const fresh =
    OUTPUTS.every((file) => existsSync(path.join(ROOT, file))) &&
    existsSync(STAMP) &&
    readFileSync(STAMP, "utf8").trim() === inputsDigest();
  if (fresh) process.stderr.write("softkey: dist/ is up to date with the sources; no build needed\n");
  process.exitCode = fresh ? 0 : 1;
} else {
  process.stderr.write("usage: node scripts/buildStamp.mjs write|check\n");
  process.exitCode = 2;
}
