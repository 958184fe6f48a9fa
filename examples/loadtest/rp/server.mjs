#!/usr/bin/env node
// A small relying party to load-test against: @simplewebauthn/server behind four JSON endpoints,
// users and credentials in memory. Not a production RP: it exists so the scenarios beside it run.
//
//   node examples/loadtest/rp/server.mjs [--port 3000] [--credentials users.jsonl]
//
//   POST /register/options {username}            -> PublicKeyCredentialCreationOptionsJSON
//   POST /register/verify  {username, response}  -> {verified}
//   POST /login/options    {username?}           -> PublicKeyCredentialRequestOptionsJSON (no username: discoverable)
//   POST /login/verify     {response}            -> {verified, username, counter}
//   GET  /stats                                  -> what it verified and refused, and the counters it saw
//
// --credentials loads `softkey population export` JSON Lines (streamed), as a real RP would seed its database.
// RP_ID (default localhost) and RP_ORIGIN (default http://localhost:PORT) name what it expects.
// Once listening it prints one JSON line: {"listening":"http://localhost:PORT"}.
import { createReadStream } from "node:fs";
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";

const { values } = parseArgs({ options: { port: { type: "string", default: "3000" }, credentials: { type: "string" } } });
const rpID = process.env.RP_ID ?? "localhost";
let origin = process.env.RP_ORIGIN;

/** username -> { userHandle, credentialIds } ; credential ID -> { username, userHandle, publicKey, counter, transports } */
const users = new Map();
const credentials = new Map();
/** challenge -> { username?, expires }: each challenge answers once. */
const pending = new Map();
/** username -> the user handle (user.id) offered to a user who is registering for the first time. */
const newUserHandles = new Map();
const stats = { registrations: 0, signIns: 0, failures: 0, failureReasons: {}, counters: { zero: 0, increased: 0 }, seeded: 0 };

function addCredential(username, userHandle, credential) {
  let user = users.get(username);
  if (!user) users.set(username, (user = { userHandle, credentialIds: [] }));
  user.credentialIds.push(credential.id);
  credentials.set(credential.id, { username, userHandle: user.userHandle, ...credential });
}

async function seed(file) {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const record = JSON.parse(line);
    addCredential(record.userName, record.userHandle, {
      id: record.credentialId,
      publicKey: Buffer.from(record.publicKey, "base64url"),
      counter: record.counter,
      transports: record.transports,
    });
    stats.seeded++;
  }
}

function challengeOf(options, username) {
  pending.set(options.challenge, { username, expires: Date.now() + 60_000 });
  return options;
}

/** expectedChallenge as a function: the challenge must be one we issued, unexpired, and is used up. */
function consume(challenge) {
  const entry = pending.get(challenge);
  pending.delete(challenge);
  return entry !== undefined && entry.expires > Date.now();
}

const routes = {
  async "POST /register/options"({ username }) {
    if (typeof username !== "string" || username === "") throw new Error("username is required");
    const user = users.get(username);
    const options = await generateRegistrationOptions({
      rpName: "softkey load test",
      rpID,
      userName: username,
      ...(user ? { userID: Buffer.from(user.userHandle, "base64url") } : {}),
      attestationType: "none",
      excludeCredentials: (user?.credentialIds ?? []).map((id) => ({ id })),
      authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
    });
    if (!user) newUserHandles.set(username, options.user.id);
    return challengeOf(options, username);
  },
  async "POST /register/verify"({ username, response }) {
    const verification = await verifyRegistrationResponse({ response, expectedChallenge: consume, expectedOrigin: origin, expectedRPID: rpID });
    if (!verification.verified) throw new Error("registration not verified");
    const { credential } = verification.registrationInfo;
    addCredential(username, users.get(username)?.userHandle ?? newUserHandles.get(username), credential);
    newUserHandles.delete(username);
    stats.registrations++;
    return { verified: true };
  },
  async "POST /login/options"({ username }) {
    const user = username === undefined ? undefined : users.get(username);
    if (username !== undefined && !user) throw new Error(`no such user: ${username}`);
    const options = await generateAuthenticationOptions({
      rpID,
      userVerification: "preferred",
      allowCredentials: (user?.credentialIds ?? []).map((id) => ({ id, transports: credentials.get(id).transports })),
    });
    return challengeOf(options, username);
  },
  async "POST /login/verify"({ response }) {
    const credential = credentials.get(response?.id);
    if (!credential) throw new Error("unknown credential");
    // A discoverable sign-in names its user: it must be the credential's (WebAuthn L3 section 7.2 step 6).
    if (response.response.userHandle !== undefined && response.response.userHandle !== credential.userHandle) throw new Error("user handle does not match the credential");
    const verification = await verifyAuthenticationResponse({ response, expectedChallenge: consume, expectedOrigin: origin, expectedRPID: rpID, credential });
    if (!verification.verified) throw new Error("assertion not verified");
    const { newCounter } = verification.authenticationInfo;
    stats.counters[newCounter === 0 ? "zero" : "increased"]++;
    credential.counter = newCounter;
    stats.signIns++;
    return { verified: true, username: credential.username, counter: newCounter };
  },
  async "GET /stats"() {
    return { ...stats, users: users.size, credentials: credentials.size };
  },
};

const server = createServer(async (req, res) => {
  const route = routes[`${req.method} ${req.url}`];
  let status = 200;
  let body;
  try {
    if (!route) {
      status = 404;
      body = { error: "not found" };
    } else {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const text = Buffer.concat(chunks).toString("utf8");
      body = await route(text ? JSON.parse(text) : {});
    }
  } catch (error) {
    status = 400;
    const reason = String(error?.message ?? error).slice(0, 120);
    if (req.url?.endsWith("/verify")) {
      stats.failures++;
      stats.failureReasons[reason] = (stats.failureReasons[reason] ?? 0) + 1;
    }
    body = { verified: false, error: reason };
  }
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) }).end(json);
});

if (values.credentials) await seed(values.credentials);
server.listen(Number(values.port), "127.0.0.1", () => {
  const { port } = server.address();
  origin ??= `http://localhost:${port}`;
  process.stdout.write(`${JSON.stringify({ listening: `http://localhost:${port}`, seeded: stats.seeded })}\n`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
