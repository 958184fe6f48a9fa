#!/usr/bin/env node
// softkey's benchmark: `npm run bench` (it builds first). Every ratio is measured within rounds, both
// sides back to back, and reported as the median over the rounds with the load average beside it,
// because these machines are shared and noisy. BENCH_SECONDS (default 3) is each measurement's time,
// split over BENCH_ROUNDS (at least 3); BENCH_ONLY=core,client,... runs some sections; BENCH_SCALE
// (default 1,000,000) is the larger store of the scale table.
import { Report } from "./harness.js";
import { coreSection } from "./sections/core.js";
import { clientSection } from "./sections/client.js";
import { ctaphidSection } from "./sections/ctaphid.js";
import { cliSection } from "./sections/cli.js";
import { httpSection } from "./sections/http.js";
import { playwrightSection } from "./sections/playwright.js";
import { pagesSection } from "./sections/pages.js";
import { scaleSection } from "./sections/scale.js";
import { algorithmsSection } from "./sections/algorithms.js";

const sections = { core: coreSection, algorithms: algorithmsSection, client: clientSection, ctaphid: ctaphidSection, cli: cliSection, http: httpSection, playwright: playwrightSection, pages: pagesSection, scale: scaleSection };
const only = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());
const report = new Report();
for (const [name, section] of Object.entries(sections)) {
  if (only && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}...\n`);
  await section(report);
}
report.print("softkey bench");
