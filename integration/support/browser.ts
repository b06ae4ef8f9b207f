import { accessSync, constants, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

/** Where the browser suites write their screenshots (CI keeps the folder as an artifact). */
export const ARTIFACTS_DIR =
  process.env.CONSOLE_ARTIFACTS_DIR ??
  fileURLToPath(new URL("../../.artifacts/console/", import.meta.url));

/** Debian's Chromium, or the binary named by CONSOLE_CHROMIUM. */
export const CHROMIUM_PATH = process.env.CONSOLE_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Flags that let Chromium run headless as root in a sandbox-less container without
 * reaching the network on its own (no updates, sync or QUIC probes). playwright-core adds a
 * fresh --user-data-dir for every launch.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launches the one headless Chromium a browser suite shares. A missing binary is a failure
 * that says how to install it, never a skipped suite.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: run \`bash scripts/ensure-chromium.sh\` ` +
        "(scripts/setup.sh does) or point CONSOLE_CHROMIUM at a Chromium binary",
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

/** Writes a full-page screenshot as `<ARTIFACTS_DIR>/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = `${ARTIFACTS_DIR}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}
