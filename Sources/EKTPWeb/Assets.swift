/// The one stylesheet and the one script of every page, served by the station and the hub
/// themselves (`/static/ektp.css`, `/static/ektp.js`): the office may be offline, so
/// nothing is fetched from elsewhere.
public enum WebAssets {
    public static let stylesheetPath = "/static/ektp.css"
    public static let scriptPath = "/static/ektp.js"

    /// Small screens first; print rules hide navigation and forms so a report or a
    /// manifest prints as a document. Every tap target is 24 px at least and every text
    /// colour meets WCAG AA on its background; tables scroll inside themselves on a phone
    /// (checked in Chromium at 390 and 1280 px by the web tests, `PageAudit`).
    public static let stylesheet = """
        :root { --ink: #1d2733; --muted: #5b6775; --line: #d5dbe2; --bg: #f4f6f8; --card: #fff;
          --accent: #0b5cad; --ok: #1f7a3a; --warn: #a96300; --bad: #b3261e; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 "Liberation Sans", Arial, sans-serif; color: var(--ink); background: var(--bg); }
        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .5rem 1rem;
          background: var(--accent); color: #fff; }
        header.top .brand { font-weight: bold; margin-right: auto; }
        header.top nav a { color: #fff; text-decoration: none; padding: .25rem .5rem; border-radius: 4px; display: inline-block; min-height: 24px; }
        header.top nav a.here, header.top nav a:hover { background: rgba(0,0,0,.28); text-decoration: underline; }
        header.top form { margin: 0; }
        header.top .who { font-size: .9em; opacity: .9; }
        main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
        h1 { font-size: 1.35rem; margin: .25rem 0 1rem; }
        h2 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
        section.card, div.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin-bottom: 1rem; }
        .grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); }
        table { width: 100%; border-collapse: collapse; background: var(--card); }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }
        td a, th a, li a, form a, section > a, div > a, .actions a { display: inline-block; min-height: 24px; line-height: 24px; }
        summary { min-height: 24px; line-height: 24px; cursor: pointer; }
        input[type=checkbox], input[type=radio] { width: 24px; height: 24px; margin: 0; vertical-align: middle; }
        th { font-size: .85em; color: var(--muted); font-weight: bold; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .figures { display: flex; flex-wrap: wrap; gap: .75rem; margin: 0 0 1rem; padding: 0; list-style: none; }
        .figures li { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; min-width: 8.5rem; }
        .figures b { display: block; font-size: 1.5rem; }
        .figures span { color: var(--muted); font-size: .85em; }
        .badge { display: inline-block; padding: 0 .45rem; border-radius: 10px; font-size: .85em; background: #e4e8ec; }
        .s-ready, .s-online { background: #d8f0df; color: #145c2b; }
        .s-printing { background: #dbe8f7; color: #0a4f95; }
        .s-warning, .s-stale { background: #fbecd3; color: #7a4700; }
        .s-error, .s-offline { background: #f8dcd9; color: #8f1d17; }
        .notice { padding: .5rem .75rem; border-radius: 6px; margin-bottom: 1rem; }
        .notice.ok { background: #d8f0df; }
        .notice.error { background: #f8dcd9; }
        .notice.held { background: #fbecd3; }
        .muted { color: var(--muted); }
        form.inline { display: flex; flex-wrap: wrap; gap: .35rem; align-items: center; margin: .25rem 0; }
        form.stack label { display: block; margin: .4rem 0 .15rem; font-weight: bold; font-size: .9em; }
        input, select, button { font: inherit; padding: .3rem .5rem; border: 1px solid #767f89; border-radius: 4px; min-height: 24px; }
        input[type=number] { width: 6rem; }
        button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
        button.secondary { background: #fff; color: var(--accent); }
        button.danger { background: var(--bad); border-color: var(--bad); }
        meter { width: 100%; height: 1rem; }
        .login { max-width: 340px; margin: 3rem auto; }
        .login input { width: 100%; }
        .login button { width: 100%; margin-top: 1rem; }
        svg.chart { width: 100%; max-width: 760px; height: auto; background: var(--card); }
        svg.chart .bar { fill: var(--accent); }
        svg.chart .axis { stroke: var(--line); }
        svg.chart text { font-size: 11px; fill: var(--muted); }
        .signatures { display: grid; grid-template-columns: 1fr 1fr; gap: 2rem; margin-top: 3rem; }
        .signatures div { border-top: 1px solid var(--ink); padding-top: .25rem; text-align: center; }
        @media (max-width: 640px) {
          main { padding: .5rem; } th, td { padding: .3rem; } .hide-small { display: none; }
          table { display: block; overflow-x: auto; }
        }
        @media print {
          body { background: #fff; font-size: 12pt; }
          header.top, form, button, .no-print, nav, .notice { display: none !important; }
          section.card, div.card { border: none; padding: 0; }
          main { max-width: none; padding: 0; }
          a { color: inherit; text-decoration: none; }
        }
        """

    /// Live updates by short polling: every element with `data-live` is refreshed from
    /// that URL (an HTML fragment) every few seconds when the fragment's version changed,
    /// unless someone is typing in it. A
    /// session that ended sends the page to the login form. `data-print` buttons print.
    public static let script = """
        (function () {
          "use strict";
          function refresh(el) {
            if (el.contains(document.activeElement) && document.activeElement !== document.body) { return; }
            fetch(el.getAttribute("data-live"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
              .then(function (r) {
                if (r.status === 401) { window.location.reload(); return null; }
                if (!r.ok) { return null; }
                var version = r.headers.get("X-EKTP-Versi");
                if (version !== null && version === el.getAttribute("data-live-version")) { return null; }
                return r.text().then(function (html) { return { html: html, version: version }; });
              })
              .then(function (fresh) {
                if (fresh) {
                  el.innerHTML = fresh.html;
                  if (fresh.version !== null) { el.setAttribute("data-live-version", fresh.version); }
                  el.setAttribute("data-refreshed", String(Date.now()));
                }
              })
              .catch(function () { /* offline for a moment: try again on the next tick */ });
          }
          function start() {
            var live = document.querySelectorAll("[data-live]");
            live.forEach(function (el) {
              var every = parseInt(el.getAttribute("data-live-ms") || "2000", 10);
              window.setInterval(function () { refresh(el); }, every);
            });
            document.querySelectorAll("[data-print]").forEach(function (b) {
              b.addEventListener("click", function () { window.print(); });
            });
          }
          if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
        })();
        """
}
