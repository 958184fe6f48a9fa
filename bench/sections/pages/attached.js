// A page with softkey attached (through either adapter's `attach`) before it loads the bench origin, as a runner returns it.
export async function attachedPage(page, attach, { softkey, url }, closeAfter) {
  const key = await attach(page, { softkey });
  await page.goto(url);
  return {
    page,
    close: async () => {
      await key.detach();
      await closeAfter();
    },
  };
}
