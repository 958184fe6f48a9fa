/**
 * `softkey population`: a stateless virtual population of users for load
 * tests (src/population/), exported for seeding an RP or served over HTTP.
 */
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { registerPopulationExport } from "./populationExport.js";
import { registerPopulationServe } from "./populationServe.js";

export function registerPopulation(program: Command, ctx: CliContext): void {
  const population = program
    .command("population")
    .description("a virtual population of users for load tests: a seed and a size, no store (export, serve)");
  registerPopulationExport(population, ctx);
  registerPopulationServe(population, ctx);
}
