/**
 * The CTAPHID device state machine under arbitrary report sequences (seeded,
 * bounded): random and near-valid reports on allocated, unknown and broadcast
 * channels, dropped, duplicated and reordered continuation packets, reports of
 * the wrong size, clock jumps, channels released mid-request, and a core that
 * rejects, throws, answers late or answers too much. receive() never throws,
 * nothing is sent after close(), and every report sent is 64 bytes, part of a
 * whole message on a channel a request used, with a well-formed payload.
 */
import { it } from "vitest";
import { assertTarget, targetNamed } from "../fuzz/targets.js";

it("CTAPHID: arbitrary report sequences never throw and every output report is well-formed", async () => {
  await assertTarget(targetNamed("ctaphid-reports"), { seed: 7_311, numRuns: 400 });
});
