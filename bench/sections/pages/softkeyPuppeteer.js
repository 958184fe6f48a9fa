// softkey through softkey/puppeteer: Chromium over CDP, Firefox over WebDriver BiDi, each a browser Puppeteer launches.
import puppeteer from "puppeteer-core";
import { attach } from "../../../dist/puppeteer/index.js";

export function softkeyPuppeteer(engine) {
  return async ({ softkey, url, executables }) => {
    const browser = await puppeteer.launch(
      engine === "firefox"
        ? { browser: "firefox", executablePath: executables.firefox, headless: true }
        : { executablePath: executables.chromium, headless: true, args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] },
    );
    const page = await browser.newPage();
    const key = await attach(page, { softkey });
    await page.goto(url);
    return {
      page,
      close: async () => {
        await key.detach();
        await browser.close();
      },
    };
  };
}
