// Drives the website's chat widget in Debian's Chromium (headless) with
// playwright-core, the way a visitor would, and prints what it saw as JSON.
// tests/connectors/test_web_widget.py runs it against the real servers and
// checks the JSON; run by hand:
//   node web/e2e/widget.mjs '{"url": "http://localhost:8080", "question": "...", "screenshot": "results/widget.png"}'
//
// Steps: open the page; open the widget with the page's button; wait for the
// greeting; ask the question; wait for the answer (a reply that names its
// source); click the answer's first quick reply; wait for the follow-up;
// send a message made of HTML and script; take a screenshot.
import { chromium } from "playwright-core";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const options = JSON.parse(process.argv[2] || "{}");
const url = options.url || "http://localhost:8080";
const question = options.question || "How are depression and neck pain related?";
const screenshot = options.screenshot || "results/web-widget.png";
const hostile = options.hostile || '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
const timeout = options.timeoutMs || 180000;
const executablePath = options.executablePath || "/usr/bin/chromium";

const SOURCE_MARK = "(Source:";
// the bot's messages (the typing indicator is a .rw-response too)
const RESPONSE = ".rw-message:not(.rw-typing-indication) .rw-response";
const report = { steps: [], requests: [], consoleErrors: [], cspViolations: [], dialogs: [] };
const step = (name, data = {}) => report.steps.push({ name, ...data });

const userDataDir = mkdtempSync(join(tmpdir(), "faq-widget-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
context.setDefaultTimeout(timeout);
const page = context.pages()[0] || (await context.newPage());
page.on("request", (request) => report.requests.push(request.url()));
page.on("console", (message) => { if (message.type() === "error") report.consoleErrors.push(message.text()); });
page.on("dialog", async (dialog) => { report.dialogs.push(dialog.message()); await dialog.dismiss(); });
await page.exposeFunction("__reportCspViolation", (violation) => report.cspViolations.push(violation));
await page.addInitScript(() => {
  document.addEventListener("securitypolicyviolation", (event) =>
    window.__reportCspViolation(`${event.violatedDirective} ${event.blockedURI}`));
});

const responses = () => page.$$eval(RESPONSE, (nodes) => nodes.map((node) => node.textContent));
const sourcedCount = async () => (await responses()).filter((text) => text.includes(SOURCE_MARK)).length;
const waitForSourced = (count) => page.waitForFunction(
  ([selector, mark, n]) => [...document.querySelectorAll(selector)]
    .filter((node) => node.textContent.includes(mark)).length >= n,
  [RESPONSE, SOURCE_MARK, count], { timeout, polling: 250 });
const waitForResponses = (count) => page.waitForFunction(
  ([selector, n]) => [...document.querySelectorAll(selector)].filter((node) => node.textContent.trim()).length >= n,
  [RESPONSE, count], { timeout, polling: 250 });

let failure = null;
try {
  await page.goto(url, { waitUntil: "load" });
  const page_ = await page.evaluate(() => ({
    title: document.title,
    h1: document.querySelector("h1")?.textContent.trim(),
    disclaimer: document.querySelector(".disclaimer")?.innerText,
    crisis: document.querySelector("#crisis")?.innerText,
    crisisVisible: (() => {
      const box = document.querySelector("#crisis")?.getBoundingClientRect();
      return Boolean(box && box.width > 0 && box.height > 0 && box.top < window.innerHeight);
    })(),
  }));
  step("page", page_);

  // The launcher appears once the widget is connected to Rasa's socket.io.
  await page.waitForSelector(".rw-launcher", { state: "visible" });
  await page.click("#start-chat");
  await page.waitForSelector(".rw-conversation-container .rw-new-message", { state: "visible" });
  await waitForResponses(1);
  await page.waitForSelector(".rw-replies .rw-reply", { state: "visible" });
  step("greeting", { responses: await responses() });

  // Rasa's socket.io channel sends each paragraph as its own message: the
  // answer is every bot message after the question, up to its source.
  const before = await sourcedCount();
  let shown = (await responses()).length;
  await page.fill(".rw-new-message", question);
  await page.press(".rw-new-message", "Enter");
  await waitForSourced(before + 1);
  const answer = (await responses()).slice(shown).join("\n");
  // the answer's quick replies: the last group of buttons on screen
  await page.waitForSelector(".rw-replies .rw-reply", { state: "visible" });
  const buttons = await page.$$eval(".rw-replies .rw-reply", (nodes) => nodes.map((node) => node.textContent.trim()));
  step("answer", { question, answer, buttons });

  const clicked = buttons[0];
  shown = (await responses()).length;
  await page.locator(".rw-replies .rw-reply", { hasText: clicked }).last().click();
  await waitForSourced(before + 2);
  const followUp = (await responses()).slice(shown).join("\n");
  const userMessages = await page.$$eval(".rw-message .rw-client", (nodes) => nodes.map((node) => node.textContent));
  step("button", { clicked, followUp, userMessages });

  // A message of HTML and script is shown as text and runs nothing.
  const responsesBefore = (await responses()).length;
  await page.fill(".rw-new-message", hostile);
  await page.press(".rw-new-message", "Enter");
  await waitForResponses(responsesBefore + 1);
  step("hostile message", await page.evaluate((text) => ({
    shownAsText: [...document.querySelectorAll(".rw-message .rw-client")].some((node) => node.textContent.includes(text)),
    injectedElements: document.querySelectorAll('.rw-conversation-container img[src="x"], .rw-conversation-container script').length,
    xss: window.__xss ?? null,
  }), hostile));

  await page.screenshot({ path: screenshot, fullPage: false });
  step("screenshot", { path: screenshot });

  // Defence in depth: should a link or an event handler ever reach the page
  // (the widget renders bot replies as Markdown), the page's
  // Content-Security-Policy keeps it from running.
  const cspBefore = report.cspViolations.length;
  await page.evaluate(() => {
    const box = document.createElement("div");
    box.id = "csp-probe";
    box.innerHTML = '<a id="csp-link" href="javascript:window.__xss=3">link</a><img src="data:," onerror="window.__xss=4">';
    document.body.appendChild(box);
  });
  await page.click("#csp-link");
  // both attempts are blocked and reported; wait for the two reports
  const deadline = Date.now() + timeout;
  while (report.cspViolations.length < cspBefore + 2 && Date.now() < deadline) await page.waitForTimeout(100);
  step("csp", {
    before: report.cspViolations.slice(0, cspBefore),
    blocked: report.cspViolations.slice(cspBefore),
    xss: await page.evaluate(() => window.__xss ?? null),
  });
} catch (error) {
  failure = String(error && error.stack || error);
  try { mkdirSync(dirname(screenshot), { recursive: true }); await page.screenshot({ path: screenshot }); } catch {}
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

report.failure = failure;
process.stdout.write(JSON.stringify(report, null, 2) + "\n");
process.exit(failure ? 1 : 0);
