import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshot } from "./support/browser.js";
import { createGame, makeTurnDue, startGame, waitForRuntime } from "./support/games.js";
import { expectStatus } from "./support/http.js";
import { useStack } from "./support/use-stack.js";

// The operator console in a real browser: headless Debian Chromium (one launch for the whole
// file) against a real Game Master process with the engine, RTM and lobby stubs. Screenshots
// of every page land in .artifacts/console/ (support/browser.ts).

const stackOf = useStack({ label: "int_console" });

const GAME = "con-1";
const FAILING = "con-fail";
/** A game whose next turn is due in 25 minutes: on the overview's timeline. */
const SOON = "con-soon";
const MEMBERS = [
  { user_id: "u-ann", race_name: "Aelinari" },
  { user_id: "u-bob", race_name: "Borgh" },
];
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let browser: Browser | undefined;
let desktop: BrowserContext | undefined;
/** Problems any page reported: script errors, CSP refusals, requests to other origins. */
const problems: string[] = [];

function watch(page: Page, origin: string): Page {
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // A refused action renders its page with GM's 4xx status, which Chromium logs; that is
    // the console working, not a problem.
    const expected = /^Failed to load resource: the server responded with a status of 4\d\d/;
    if (message.type() === "error" && !expected.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on("request", (request) => {
    if (!request.url().startsWith(origin)) problems.push(`request elsewhere: ${request.url()}`);
  });
  return page;
}

async function newPage(context: BrowserContext | undefined): Promise<Page> {
  if (context === undefined) throw new Error("the browser did not start (see beforeAll)");
  return watch(await context.newPage(), stackOf().gm.url);
}

const consoleUrl = (path = "") => `${stackOf().gm.url}/console${path}`;

beforeAll(async () => {
  const stack = stackOf();
  browser = await launchChromium();
  desktop = await browser.newContext({ viewport: DESKTOP });
  for (const version of ["1.0.1", "2.0.0"]) {
    await expectStatus(201, "POST", `${stack.gm.url}/api/v1/internal/engine-versions`, {
      body: { version, image_ref: `galaxy/game:${version}` },
    });
  }
  for (const gameId of [GAME, FAILING, SOON]) {
    await createGame(stack, { gameId, members: MEMBERS });
    await startGame(stack, gameId);
    await waitForRuntime(stack, gameId, "running", (r) => r.status === "running");
  }
  await stack.sql.query(
    `UPDATE gamemaster.runtime_records SET next_generation_at = now() + interval '25 minutes'
      WHERE game_id = $1`,
    [SOON],
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("operator console", () => {
  it("overview shows a game that failed its turn, without a reload", async () => {
    const stack = stackOf();
    const page = await newPage(desktop);
    await page.goto(consoleUrl());
    await expect(
      page.locator("#status-counts [data-status=running] .n").textContent(),
    ).resolves.toBe("3");
    const due = page.locator("ol.due li");
    await expect(
      due.evaluateAll((items) => items.map((i) => i.getAttribute("data-game-id"))),
    ).resolves.toEqual([SOON]);
    await expect(due.first().textContent()).resolves.toMatch(/in 2[45] min/);
    await expect(page.locator("#no-failing").isVisible()).resolves.toBe(true);

    await expectStatus(200, "POST", `${stack.engine.url}/games/${FAILING}/_stub/fail-next-turn`);
    await makeTurnDue(stack, FAILING);
    await waitForRuntime(
      stack,
      FAILING,
      "generation_failed",
      (r) => r.status === "generation_failed",
    );

    // The page polls: the failing game appears without navigation.
    const row = page.locator(`#failing tr[data-game-id="${FAILING}"]`);
    await row.waitFor({ state: "visible", timeout: 15_000 });
    await expect(row.locator(".badge").textContent()).resolves.toBe("generation_failed");
    await expect(
      page.locator("#status-counts [data-status=generation_failed] .n").textContent(),
    ).resolves.toBe("1");
    await expect(page.locator("#engine-numbers").textContent()).resolves.toContain(
      "Failed generations1",
    );
    await screenshot(page, "overview");
    await page.close();
  });

  it("forces a turn from the game page: current_turn advances, the next activation is skipped", async () => {
    const page = await newPage(desktop);
    await page.goto(consoleUrl(`/games/${GAME}`));
    await expect(page.locator("[data-field=current_turn]").textContent()).resolves.toBe("0");
    await expect(
      page.locator("#activations li").first().getAttribute("data-generates"),
    ).resolves.toBe("true");
    await expect(page.locator("#players tbody tr").count()).resolves.toBe(2);

    await page.getByRole("button", { name: "Force next turn…" }).click();
    await expect(page.locator("#confirm-question").textContent()).resolves.toBe(
      `Force the next turn of ${GAME} now?`,
    );
    // Confirm has the focus: the keyboard alone completes the action.
    await page.keyboard.press("Enter");
    await page.waitForURL(/done=force/);

    await expect(page.getByRole("status").textContent()).resolves.toBe("The turn was generated.");
    await expect(page.locator("[data-field=current_turn]").textContent()).resolves.toBe("1");
    const first = page.locator("#activations li").first();
    await expect(first.getAttribute("data-generates")).resolves.toBe("false");
    await expect(first.getAttribute("data-skip-reason")).resolves.toBe("skip_next_tick");
    await expect(first.locator(".badge").textContent()).resolves.toBe("skipped");
    await expect(
      page.locator("#activations li").nth(1).getAttribute("data-generates"),
    ).resolves.toBe("true");
    const forced = page.locator("#operations tbody tr[data-op-kind=force_next_turn]").first();
    await expect(forced.textContent()).resolves.toContain("admin_rest");

    const record = await waitForRuntime(stackOf(), GAME, "turn 1", (r) => r.current_turn === 1);
    expect(record.skip_next_tick).toBe(true);
    await screenshot(page, "game");
    await page.close();
  });

  it("offers only patch releases and shows GM's semver_patch_only refusal", async () => {
    const page = await newPage(desktop);
    await page.goto(consoleUrl(`/games/${GAME}`));
    await expect(page.locator("#a-version option").allTextContents()).resolves.toEqual(["1.0.1"]);

    // A version typed into the confirmation URL still goes through GM's own check.
    await page.goto(consoleUrl(`/games/${GAME}/confirm?action=patch&version=2.0.0`));
    await page.getByRole("button", { name: "Confirm" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toContain("semver_patch_only");
    await expect(page.locator("[data-field=current_engine_version]").textContent()).resolves.toBe(
      "1.0.0",
    );
    // The window shows the POST's address; the refresh still renders the game, not a 404.
    await page
      .locator("[data-live][data-refreshed]")
      .waitFor({ state: "attached", timeout: 15_000 });
    await expect(page.locator("[data-field=current_engine_version]").textContent()).resolves.toBe(
      "1.0.0",
    );
    await screenshot(page, "game-patch-refused");
    await page.close();
  });

  it("lists runtimes with filters and a search by game id", async () => {
    const page = await newPage(desktop);
    await page.goto(consoleUrl("/runtimes"));
    await expect(page.locator("#runtimes tbody tr").count()).resolves.toBe(3);
    await page.locator("#f-status").selectOption("generation_failed");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/status=generation_failed/);
    await expect(
      page
        .locator("#runtimes tbody tr")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-game-id"))),
    ).resolves.toEqual([FAILING]);
    await screenshot(page, "runtimes");

    await page.goto(consoleUrl(`/runtimes?game_id=${GAME}`));
    await expect(page.locator("#runtimes tbody tr").count()).resolves.toBe(1);
    await page.goto(consoleUrl("/runtimes?game_id=nope"));
    await expect(page.getByRole("alert").textContent()).resolves.toContain("runtime_not_found");
    await page.close();
  });

  it("registers and deprecates an engine version, with in-use counts", async () => {
    const page = await newPage(desktop);
    await page.goto(consoleUrl("/engine-versions"));
    await expect(
      page.locator('tr[data-version="1.0.0"] [data-field=in_use]').textContent(),
    ).resolves.toBe("3");
    await expect(
      page.locator('tr[data-version="2.0.0"] [data-field=in_use]').textContent(),
    ).resolves.toBe("0");

    await page.getByLabel("Version (semver, e.g. 1.4.2)").fill("v1.0.2");
    await page.getByLabel("Image reference").fill("galaxy/game:1.0.2");
    await page.getByRole("button", { name: "Register" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("invalid_request");

    await page.getByLabel("Version (semver, e.g. 1.4.2)").fill("1.0.2");
    await page.getByRole("button", { name: "Register" }).click();
    await page.waitForURL(/done=created/);
    await expect(page.locator('tr[data-version="1.0.2"]').isVisible()).resolves.toBe(true);

    await page.getByRole("button", { name: "Deprecate 1.0.2…" }).click();
    await expect(page.locator("#confirm-question").textContent()).resolves.toBe(
      "Deprecate engine version 1.0.2?",
    );
    await page.keyboard.press("Enter");
    await page.waitForURL(/done=deprecated/);
    await expect(page.locator('tr[data-version="1.0.2"] .badge').textContent()).resolves.toBe(
      "deprecated",
    );
    await screenshot(page, "engine-versions");
    await page.close();
  });

  it("is usable by keyboard and at phone width", async () => {
    const page = await newPage(desktop);
    await page.goto(consoleUrl(`/games/${GAME}`));
    let reached = "";
    for (let presses = 0; presses < 80 && reached !== "Force next turn…"; presses += 1) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
    }
    expect(reached).toBe("Force next turn…");
    await page.close();

    if (browser === undefined) throw new Error("no browser");
    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    try {
      for (const [name, path] of [
        ["overview-phone", ""],
        ["game-phone", `/games/${GAME}`],
        ["runtimes-phone", "/runtimes"],
      ] as const) {
        const small = await newPage(phone);
        await small.goto(consoleUrl(path));
        // The page itself never scrolls sideways; wide tables scroll inside their wrapper.
        const overflow = await small.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow, `${name} overflows by ${overflow}px`).toBeLessThanOrEqual(0);
        await screenshot(small, name);
        await small.close();
      }
    } finally {
      await phone.close();
    }
  });

  it("works without JavaScript: stop a game through the forms alone", async () => {
    if (browser === undefined) throw new Error("no browser");
    const plain = await browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false });
    try {
      const page = await newPage(plain);
      await page.goto(consoleUrl(`/games/${SOON}`));
      await page.locator("#a-reason").selectOption("cancelled");
      await page.getByRole("button", { name: "Stop…" }).click();
      await expect(page.locator("#confirm-question").textContent()).resolves.toBe(
        `Stop ${SOON} (reason cancelled)?`,
      );
      await page.getByRole("button", { name: "Confirm" }).click();
      await page.waitForURL(/done=stop/);
      await expect(page.locator("[data-field=status] .badge").textContent()).resolves.toBe(
        "stopped",
      );
      const stop = page.locator("#operations tbody tr[data-op-kind=stop]").first();
      await expect(stop.getAttribute("data-outcome")).resolves.toBe("success");
      const record = await waitForRuntime(
        stackOf(),
        SOON,
        "stopped",
        (r) => r.status === "stopped",
      );
      expect(record.next_generation_at).toBeNull();
    } finally {
      await plain.close();
    }
  });

  it("loaded nothing from elsewhere and raised no script or policy error", () => {
    expect(problems).toEqual([]);
  });
});
