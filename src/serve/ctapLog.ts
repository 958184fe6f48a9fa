/**
 * A log line per CTAP2 request, for `softkey serve`: the command, what it is
 * about (RP ID, subcommand) and the status it got, e.g.
 * `ctap2 authenticatorGetAssertion example.com -> CTAP2_OK`.
 *
 * It reads requests leniently (a client may send anything) through the keys
 * of the message tables. It wraps the core's one door (CtapTransport.transact)
 * rather than living in the core, and it never logs anything secret: no PIN material, no keys, no
 * user names, no client data; only the command byte, the RP ID, subcommand
 * names and the status byte.
 */
import { decodeCbor, type CborMap } from "../ctap/cbor.js";
import { Command, commandName, standardCommand } from "../ctap/commands.js";
import { MakeCredentialRequest } from "../ctap/messages/makeCredential.js";
import { GetAssertionRequest } from "../ctap/messages/getAssertion.js";
import { ClientPinRequest, ClientPinSubCommand } from "../ctap/messages/clientPin.js";
import { CredentialManagementRequest, CredentialManagementSubCommand } from "../ctap/messages/credentialManagement.js";
import { ConfigRequest, ConfigSubCommand } from "../ctap/messages/config.js";
import { LargeBlobsRequest } from "../ctap/messages/largeBlobs.js";
import { BioEnrollmentRequest, BioEnrollmentSubCommand } from "../ctap/messages/bioEnrollment.js";
import { statusName } from "../ctap/status.js";
import type { CtapRequestContext, CtapTransport } from "../ctap/transport.js";

const nameTable = (table: Record<string, number>) => new Map(Object.entries(table).map(([name, code]) => [code, name]));
const CLIENT_PIN = nameTable(ClientPinSubCommand);
const CREDENTIAL_MANAGEMENT = nameTable(CredentialManagementSubCommand);
const CONFIG = nameTable(ConfigSubCommand);
const BIO_ENROLLMENT = nameTable(BioEnrollmentSubCommand);

/** Wrap a transport so every request is logged with its outcome. */
export function withCtapLog(transport: CtapTransport, log: (line: string) => void): CtapTransport {
  return {
    async transact(request: Uint8Array, context?: CtapRequestContext): Promise<Uint8Array> {
      const what = describeRequest(request);
      let response: Uint8Array;
      try {
        response = await transport.transact(request, context);
      } catch (error) {
        // The core is built never to reject; if it does, say so and let the host answer as it does for any fault.
        log(`ctap2 ${what} -> failed: ${(error as Error)?.message ?? String(error)}`);
        throw error;
      }
      log(`ctap2 ${what} -> ${response.length === 0 ? "(empty response)" : statusName(response[0]!)}`);
      return response;
    },
  };
}

/** `authenticatorGetAssertion example.com`, `authenticatorClientPIN getPinToken`, ... */
export function describeRequest(request: Uint8Array): string {
  if (request.length === 0) return "(empty request)";
  const command = request[0]!;
  const name = commandName(command);
  // A prototype byte (0x41) is read as its command: `prototypeAuthenticatorCredentialManagement enumerateRPsBegin`.
  const detail = requestDetail(standardCommand(command), request.subarray(1));
  return detail ? `${name} ${detail}` : name;
}

function requestDetail(command: number, body: Uint8Array): string | undefined {
  if (body.length === 0 || !DETAILED.has(command)) return undefined;
  let params: CborMap;
  try {
    const decoded = decodeCbor(body);
    if (!(decoded instanceof Map)) return undefined;
    params = decoded;
  } catch {
    return "(invalid CBOR)";
  }
  switch (command) {
    case Command.authenticatorMakeCredential: {
      const rp = params.get(MakeCredentialRequest.fields.rp.key);
      return rp instanceof Map ? printable(rp.get("id")) : undefined;
    }
    case Command.authenticatorGetAssertion:
      return printable(params.get(GetAssertionRequest.fields.rpId.key));
    case Command.authenticatorClientPIN:
      return subCommand(CLIENT_PIN, params.get(ClientPinRequest.fields.subCommand.key));
    case Command.authenticatorCredentialManagement:
      return subCommand(CREDENTIAL_MANAGEMENT, params.get(CredentialManagementRequest.fields.subCommand.key));
    case Command.authenticatorConfig:
      return subCommand(CONFIG, params.get(ConfigRequest.fields.subCommand.key));
    case Command.authenticatorBioEnrollment:
      if (params.get(BioEnrollmentRequest.fields.getModality.key) === true) return "getModality";
      return subCommand(BIO_ENROLLMENT, params.get(BioEnrollmentRequest.fields.subCommand.key));
    case Command.authenticatorLargeBlobs:
      return params.has(LargeBlobsRequest.fields.set.key) ? "set" : params.has(LargeBlobsRequest.fields.get.key) ? "get" : undefined;
    default:
      return undefined;
  }
}

const DETAILED = new Set<number>([
  Command.authenticatorMakeCredential,
  Command.authenticatorGetAssertion,
  Command.authenticatorClientPIN,
  Command.authenticatorCredentialManagement,
  Command.authenticatorConfig,
  Command.authenticatorLargeBlobs,
  Command.authenticatorBioEnrollment,
]);

function subCommand(names: Map<number, string>, value: unknown): string | undefined {
  if (typeof value !== "number") return undefined;
  return names.get(value) ?? `subCommand 0x${value.toString(16).padStart(2, "0")}`;
}

/** An RP ID as sent, made safe for one log line (a client may send anything). */
function printable(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const clean = value.replace(/[^\x21-\x7e]/g, "?");
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}
