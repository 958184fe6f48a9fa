// The scale table (bench/scale.js) at 10 credentials and at BENCH_SCALE, and its goals in the summary.
import { formatScale, measureScale } from "../scale.js";
import { loadAverage } from "../harness.js";

export async function scaleSection(report) {
  const large = Number(process.env.BENCH_SCALE ?? 1_000_000);
  const small = await measureScale(10);
  const big = await measureScale(large);
  const load = loadAverage().split(" ")[0];
  const n = large.toLocaleString("en-US");
  report.goal(`getAssertion, a different credential each call, ${n} credentials / 10`, big.cold.median / small.cold.median, 3, false, load);
  report.row(`peak RSS of the process serving ${n} credentials`, big.maxRssMiB, "MiB", "goal < 200 MiB");
  report.goal(`peak RSS at ${n} credentials / 200 MiB`, big.maxRssMiB / 200, 1, false, load);
  report.tables.push(formatScale(small, big));
}
