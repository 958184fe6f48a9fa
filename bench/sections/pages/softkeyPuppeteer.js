// softkey through softkey/puppeteer: Chromium over CDP, Firefox over WebDriver BiDi, each a browser Puppeteer launches.
import puppeteer from "puppeteer-core";
import { attach } from "../../../dist/puppeteer/index.js";
import { attachedPage } from "./attached.js";

export function softkeyPuppeteer(engine) {
  return async (context) => {
    const { executables } = context;
    const browser = await puppeteer.launch(
      engine === "firefox"
        ? { browser: "firefox", executablePath: executables.firefox, headless: true }
        : { executablePath: executables.chromium, headless: true, args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] },
    );
    return attachedPage(await browser.newPage(), attach, context, () => browser.close());
  };
}
