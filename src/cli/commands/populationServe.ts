/**
 * `softkey population serve --http`: the population as JSON over HTTP, for
 * load engines outside Node (Locust). Run one per generator machine, all with
 * the same seed: they share nothing else. Routes in
 * src/serve/http/populationRoutes.ts; token, addresses and logging as
 * `softkey serve --http`.
 */
import type { Command } from "commander";
import { populationRoutes } from "../../serve/http/populationRoutes.js";
import { startHttpServices } from "../../serve/startServe.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { planHttpHosts, TOKEN_ENV } from "../serveHttp.js";
import { stopSignal } from "../stopSignal.js";
import { addPopulationOptions, openPopulation, type PopulationFlags } from "./populationOptions.js";

interface ServeFlags extends PopulationFlags {
  http: string[];
  tokenFile?: string;
  quiet?: boolean;
  json?: boolean;
}

export function registerPopulationServe(population: Command, ctx: CliContext): void {
  addPopulationOptions(
    population
      .command("serve")
      .description("serve the population's ceremonies as JSON over HTTP (for Locust and other engines), until SIGINT/SIGTERM")
      .option(
        "--http <[host:]port>",
        "listen on [HOST:]PORT (host default 127.0.0.1, port 0 picks one; needs --token-file or SOFTKEY_TOKEN); repeatable",
        (value: string, previous: string[]) => [...previous, value],
        [] as string[],
      )
      .option("--token-file <file>", "write the bearer token to FILE (created owner-only; removed on a clean stop)")
      .option("-q, --quiet", "do not log each request on stderr")
      .option("--json", "accepted for symmetry: the one line on stdout is always JSON ({ listening: [...] })"),
  )
    .addHelpText(
      "after",
      `
Routes (every one but /healthz needs Authorization: Bearer TOKEN, from ${TOKEN_ENV} or --token-file):
  GET  /v1/info             the population's settings (never its seed)
  GET  /v1/users/USER       the user's names and the population's user handle
  POST /v1/registrations    {"user":42,"origin":"https://example.com","options":{...}}
  POST /v1/assertions       {"user":42,"origin":"https://example.com","options":{...}}   (user optional with allowCredentials)
Once listening, one JSON line goes to stdout: {"listening":["http:127.0.0.1:41234"]}

Example:
  $ SOFTKEY_POPULATION_SEED=... softkey population serve --size 1000000 --http 127.0.0.1:8765 --token-file ./token --quiet`,
    )
    .action(async (flags: ServeFlags, command: Command) => {
      if (flags.http.length === 0) throw new CliError(ExitCode.USAGE, "nothing to serve: give --http [HOST:]PORT");
      const http = planHttpHosts(flags, ctx.io.env)!;
      const population = await openPopulation(ctx, flags, command);
      const stderrLine = (line: string) => ctx.io.stderr(`${line}\n`);
      const log = flags.quiet ? undefined : stderrLine;
      const stop = stopSignal();
      try {
        await http.writeTokenFile();
        const services = stop.fired ? [] : await startHttpServices(populationRoutes(population), http.service, log, stderrLine);
        try {
          if (!stop.fired) ctx.io.stdout(`${JSON.stringify({ listening: services.map((service) => service.address) })}\n`);
          const signal = await stop.received;
          log?.(`population serve: ${signal}: stopping`);
        } finally {
          await Promise.allSettled(services.map((service) => service.close()));
        }
        log?.("population serve: stopped");
      } finally {
        stop.dispose();
        await http.removeTokenFile();
      }
    });
}
