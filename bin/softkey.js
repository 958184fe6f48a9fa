#!/usr/bin/env node
// Tiny launcher: the CLI lives in dist/cli (compiled by `npm install` through the prepare script).
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv);
