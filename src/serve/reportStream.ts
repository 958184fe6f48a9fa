/**
 * Stream transports (unix, tcp) carry raw 64-byte reports back to back with no
 * other framing; reads arrive in arbitrary pieces, so this cuts them back into reports.
 */
import { HID_REPORT_SIZE } from "../ctaphid/packets.js";

export class ReportSplitter {
  private partial = new Uint8Array(0);

  /** Returns every report completed by `chunk`, keeping any remainder for the next call. */
  push(chunk: Uint8Array): Uint8Array[] {
    let data = chunk;
    if (this.partial.length > 0) {
      data = new Uint8Array(this.partial.length + chunk.length);
      data.set(this.partial);
      data.set(chunk, this.partial.length);
    }
    const reports: Uint8Array[] = [];
    let offset = 0;
    for (; offset + HID_REPORT_SIZE <= data.length; offset += HID_REPORT_SIZE) {
      // A copy: the socket may reuse its buffer, and the device keeps slices of what it is given.
      reports.push(data.slice(offset, offset + HID_REPORT_SIZE));
    }
    this.partial = data.slice(offset);
    return reports;
  }
}
