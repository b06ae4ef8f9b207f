/**
 * The console's only static files, served from memory: no build step, no
 * fonts or scripts from elsewhere (the console works with no internet).
 */

/** How often the live parts of a page are refreshed, in milliseconds. */
export const REFRESH_INTERVAL_MS = 5_000;

/** The console's stylesheet: system fonts, readable from phone width to a desktop. */
export const CONSOLE_CSS = `
:root {
  color-scheme: light;
  --fg: #1b1f24; --muted: #57606a; --bg: #ffffff; --panel: #f6f8fa; --line: #d0d7de;
  --accent: #0a4fbf; --bad: #b3261e; --bad-bg: #fdecea; --warn: #7a4b00; --warn-bg: #fff4d6;
  --ok: #116329; --ok-bg: #e6f4ea; --focus: #ffbf47;
}
* { box-sizing: border-box; }
html { font-size: 100%; }
body {
  margin: 0; color: var(--fg); background: var(--bg); line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
}
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible,
textarea:focus-visible, summary:focus-visible, main:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px;
}
.skip { position: absolute; left: -9999px; top: 0; background: var(--bg); padding: .5rem 1rem; }
.skip:focus { left: .5rem; z-index: 10; }
header.top { background: #0d1b2a; color: #fff; }
header.top .inner { display: flex; flex-wrap: wrap; align-items: center; gap: .25rem 1.5rem;
  max-width: 80rem; margin: 0 auto; padding: .6rem 1rem; }
header.top .brand { font-weight: 700; color: #fff; text-decoration: none; }
header.top nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
header.top nav a { color: #dbe7ff; text-decoration: none; padding: .2rem 0; display: inline-block; }
header.top nav a[aria-current="page"] { color: #fff; border-bottom: 2px solid #fff; }
main { max-width: 80rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .25rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.muted { color: var(--muted); }
.small { font-size: .875rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; }
.panel h2 { margin-top: 0; }
.counts { display: grid; gap: .5rem; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr));
  list-style: none; padding: 0; margin: 0; }
.counts a { display: block; padding: .5rem .75rem; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); text-decoration: none; color: var(--fg); }
.counts .n { display: block; font-size: 1.5rem; font-weight: 700; }
.counts .label { display: block; overflow-wrap: anywhere; font-size: .875rem; }
.counts .bad { border-color: var(--bad); background: var(--bad-bg); }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: .9375rem; }
caption { text-align: left; padding: .5rem .75rem; font-weight: 600; }
th, td { text-align: left; padding: .4rem .75rem; border-top: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--panel); white-space: nowrap; }
td > a { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .875em;
  overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 999px; font-size: .8125rem;
  border: 1px solid var(--line); background: var(--bg); white-space: nowrap; }
.badge.bad { color: var(--bad); border-color: var(--bad); background: var(--bad-bg); }
.badge.warn { color: var(--warn); border-color: #c48a00; background: var(--warn-bg); }
.badge.ok { color: var(--ok); border-color: var(--ok); background: var(--ok-bg); }
.notice { padding: .75rem 1rem; border-radius: 6px; margin: 0 0 1rem; border: 1px solid; }
.notice.error { color: var(--bad); background: var(--bad-bg); border-color: var(--bad); }
.notice.ok { color: var(--ok); background: var(--ok-bg); border-color: var(--ok); }
.notice.warn { color: var(--warn); background: var(--warn-bg); border-color: #c48a00; }
dl.facts { display: grid; grid-template-columns: minmax(8rem, max-content) 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
form.filter { margin: .5rem 0 1rem; }
form.inline { display: flex; flex-wrap: wrap; align-items: end; gap: .5rem 1rem; margin: 0; }
label { display: block; font-size: .875rem; color: var(--muted); }
input, select, textarea, button { font: inherit; }
input, select, textarea { display: block; min-height: 2.5rem; padding: .35rem .5rem; border: 1px solid #8c959f;
  border-radius: 4px; background: var(--bg); color: var(--fg); max-width: 100%; }
button, .button { display: inline-block; min-height: 2.5rem; padding: .4rem 1rem; border-radius: 4px;
  border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; }
button.secondary, .button.secondary { background: var(--bg); color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
button:disabled { opacity: .55; cursor: not-allowed; }
.actions { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); }
.pager { display: flex; gap: 1rem; margin: .75rem 0; }
.timeline { position: relative; height: 3rem; margin: 1.75rem .5rem .5rem; border-top: 3px solid var(--line); }
.timeline .tick { position: absolute; top: .25rem; font-size: .75rem; color: var(--muted);
  transform: translateX(-50%); white-space: nowrap; }
.timeline .tick.start { transform: none; }
.timeline .tick.end { transform: translateX(-100%); }
.timeline .mark { position: absolute; top: -0.6rem; width: .9rem; height: .9rem; margin-left: -.45rem;
  border-radius: 50%; background: var(--accent); border: 2px solid #fff; }
.timeline .mark.skipped { background: #fff; border: 2px dashed var(--warn); }
ol.due { list-style: none; padding: 0; margin: 0; }
ol.due li { padding: .3rem 0; border-top: 1px solid var(--line); }
ol.activations { padding-left: 1.5rem; }
ol.activations li { padding: .15rem 0; }
.updated { font-size: .8125rem; color: var(--muted); }
@media (max-width: 40rem) {
  main { padding: .75rem; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dt { margin-top: .4rem; }
  th, td { padding: .35rem .5rem; }
}
`;

/**
 * Progressive enhancement, the only script: every few seconds the element
 * marked \`data-live\` is replaced by a fresh render of its page (\`data-live-src\`,
 * requested with \`x-console-fragment: live\`), unless the operator is using
 * something inside it. Without the script every page still works; it just
 * shows what was true when it was loaded.
 */
export const CONSOLE_JS = `
(function () {
  "use strict";
  var live = document.querySelector("[data-live]");
  var interval = Number(live && live.getAttribute("data-refresh-ms")) || ${REFRESH_INTERVAL_MS};
  var stamp = document.getElementById("updated");
  if (!live) return;
  var busy = false;
  function refresh() {
    if (busy || document.hidden) return;
    if (live.contains(document.activeElement) && document.activeElement !== document.body) return;
    busy = true;
    // The page's own GET address: after a refused form post the window shows the POST's URL.
    var src = live.getAttribute("data-live-src") || window.location.href;
    fetch(src, { headers: { "x-console-fragment": "live" }, credentials: "same-origin" })
      .then(function (response) {
        // Refusals come back as rendered HTML too (an alert in the live part): show them.
        var type = response.headers.get("content-type") || "";
        if (type.indexOf("text/html") === -1) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        live.innerHTML = html;
        live.setAttribute("data-refreshed", String(Date.now()));
        if (stamp) stamp.textContent = "Updated " + new Date().toLocaleTimeString();
      })
      .catch(function (error) {
        if (stamp) stamp.textContent = "Refresh failed (" + error.message + "); retrying";
      })
      .then(function () { busy = false; });
  }
  window.setInterval(refresh, interval);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
`;
