/**
 * Progress of long commands (fill, import, export of large stores): a bar
 * drawn by cli-progress on stderr when stderr is a terminal, and nothing at
 * all otherwise, so CI logs and pipes get no control characters; the command
 * then prints its summary as usual. cli-progress is loaded only when a bar is
 * drawn.
 */
import type { CliIo } from "./io.js";

export interface Progress {
  /** Done so far, out of the total given to startProgress (which may be raised). */
  update(done: number, total?: number): void;
  /** Remove the bar (it stays drawn at its last state). */
  stop(): void;
}

const SILENT: Progress = { update: () => {}, stop: () => {} };

/** Whether a progress bar would be seen: stderr is a terminal that can redraw a line. */
export function drawsProgress(io: CliIo): boolean {
  return io.stderrIsTerminal === true && io.env.TERM !== "dumb";
}

/** A bar labelled `label` on a terminal (`unit` names what is counted), or a Progress that does nothing. */
export async function startProgress(io: CliIo, label: string, total: number, unit = "credentials"): Promise<Progress> {
  if (!drawsProgress(io)) return SILENT;
  const { default: cliProgress } = await import("cli-progress");
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  const rate = (done: number) => Math.round(done / Math.max(0.001, (performance.now() - started) / 1000)).toLocaleString("en-US");
  // Drawn from the first update on: a total of 0 means "not known yet", not "nothing to do".
  let drawn = false;
  return {
    update(done, newTotal) {
      if (!drawn) {
        bar.start(newTotal ?? total, 0, { rate: "0" });
        drawn = true;
      } else if (newTotal !== undefined) {
        bar.setTotal(newTotal);
      }
      bar.update(done, { rate: rate(done) });
    },
    stop() {
      if (drawn) bar.stop();
    },
  };
}
