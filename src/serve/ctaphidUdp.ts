/**
 * CTAPHID over UDP: one 64-byte report per datagram, answers to the sender.
 * Datagrams of any other size are dropped. All senders share one virtual device.
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";

import type { CtapTransport } from "../ctap/transport.js";
import { HID_REPORT_SIZE } from "../ctaphid/packets.js";
import type { CtaphidServer } from "./host.js";
import { formatCtaphidSpec, isLoopbackHost, type CtaphidSpec } from "./ctaphidSpec.js";
import { SharedCtaphidDevice, type CtaphidDeviceOptions, type ReportPeer } from "./sharedDevice.js";

type UdpSpec = Extract<CtaphidSpec, { transport: "udp" }>;

export async function listenCtaphidUdp(
  spec: UdpSpec,
  transport: CtapTransport,
  deviceOptions: CtaphidDeviceOptions,
  log: (line: string) => void,
): Promise<CtaphidServer> {
  const device = new SharedCtaphidDevice(transport, deviceOptions, log);
  const socket = createSocket(isIPv6(spec.host) ? "udp6" : "udp4");
  const peerFor = (sender: RemoteInfo): ReportPeer => ({
    write(report) {
      socket.send(report, sender.port, sender.address, (error) => {
        if (error) log(`ctaphid: udp send to ${sender.address}:${sender.port} failed: ${error.message}`);
      });
    },
  });
  socket.on("message", (datagram, sender) => {
    if (datagram.length !== HID_REPORT_SIZE) return;
    device.receiveFrom(peerFor(sender), Uint8Array.from(datagram));
  });

  if (!isLoopbackHost(spec.host)) {
    log(`ctaphid: warning: ${spec.host} is not a loopback address; anyone who reaches it can use this authenticator`);
  }
  try {
    await bind(socket, spec.host, spec.port);
  } catch (error) {
    device.close();
    socket.close();
    throw error;
  }
  socket.on("error", (error) => log(`ctaphid: udp error: ${error.message}`));
  const bound = socket.address();
  const address = formatCtaphidSpec({ transport: "udp", host: bound.address, port: bound.port });
  log(`ctaphid: listening on ${address}`);

  let closing: Promise<void> | undefined;
  return {
    address,
    port: bound.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        device.close();
        socket.close(() => resolve());
      });
      return closing;
    },
  };
}

function bind(socket: Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
}
