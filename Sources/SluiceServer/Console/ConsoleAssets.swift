/// The operator console's page, style and script, written for this project and embedded in the binary
/// (no CDN, no build step). The script inserts every piece of data as text (`textContent`), never as
/// HTML, and the page allows no inline script or style (`ConsoleController.securityPolicy`).
enum ConsoleAssets {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Sluice console</title>
          <link rel="stylesheet" href="/console/console.css">
          <script src="/console/console.js" defer></script>
        </head>
        <body>
          <header>
            <h1>Sluice</h1>
            <span id="node" class="muted"></span>
            <button id="sign-out" type="button" hidden>Sign out</button>
          </header>
          <main>
            <section id="disabled" hidden>
              <h2>The admin API is disabled</h2>
              <p>Start the server with <code>--admin-token</code> (or <code>SLUICE_ADMIN_TOKEN</code>) to use the console.</p>
            </section>
            <section id="sign-in" hidden>
              <h2>Sign in</h2>
              <form id="sign-in-form">
                <label for="token">Admin token</label>
                <input id="token" name="token" type="password" autocomplete="off" required>
                <button type="submit">Sign in</button>
              </form>
              <p id="sign-in-error" class="error" role="alert"></p>
            </section>
            <section id="overview" hidden>
              <h2>Overview <span id="updated" class="muted"></span></h2>
              <div class="figures">
                <figure><figcaption>Private SSE streams</figcaption><output id="private-streams">–</output></figure>
                <figure><figcaption>Site Streams connections</figcaption><output id="site-streams">–</output></figure>
                <figure><figcaption>User streams carried</figcaption><output id="user-streams">–</output></figure>
                <figure><figcaption>Deliveries/s</figcaption><output id="deliveries-rate">–</output></figure>
                <figure><figcaption>Events ingested/s</figcaption><output id="ingest-rate">–</output></figure>
                <figure><figcaption>Events ingested</figcaption><output id="ingested">–</output></figure>
                <figure><figcaption>Log position</figcaption><output id="log-position">–</output></figure>
                <figure><figcaption>Outbox bytes</figcaption><output id="outbox-bytes">–</output></figure>
                <figure><figcaption>Slow-reader disconnects</figcaption><output id="slow-readers">–</output></figure>
                <figure><figcaption>Tokens issued / refused</figcaption><output id="tokens">–</output></figure>
                <figure><figcaption>HTTP connections</figcaption><output id="http-connections">–</output></figure>
              </div>
              <div class="charts">
                <figure><figcaption>Deliveries/s, last 5 minutes</figcaption><svg id="deliveries-chart" viewBox="0 0 300 60" preserveAspectRatio="none"></svg></figure>
                <figure><figcaption>Events ingested/s, last 5 minutes</figcaption><svg id="ingest-chart" viewBox="0 0 300 60" preserveAspectRatio="none"></svg></figure>
              </div>
            </section>
          </main>
        </body>
        </html>
        """#

    static let css = #"""
        body { font: 15px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
        header { display: flex; gap: 1em; align-items: baseline; padding: 0.8em 1.5em; background: #1d2430; color: #fff; }
        header h1 { font-size: 1.2em; margin: 0; }
        header button { margin-left: auto; }
        main { padding: 1em 1.5em; }
        .muted { color: #8a93a3; font-size: 0.85em; }
        .error { color: #b42318; }
        .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(12em, 1fr)); gap: 0.8em; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(24em, 1fr)); gap: 0.8em; margin-top: 1em; }
        figure { margin: 0; padding: 0.8em; background: #fff; border: 1px solid #dde1e7; border-radius: 6px; }
        figcaption { color: #5b6575; font-size: 0.85em; }
        output { display: block; font-size: 1.6em; font-variant-numeric: tabular-nums; }
        svg { width: 100%; height: 60px; }
        svg polyline { fill: none; stroke: #2563eb; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
        form { display: flex; gap: 0.5em; align-items: center; }
        """#

    static let js = #"""
        "use strict";
        // The admin token lives in this tab's session storage, and travels only in the Authorization
        // header: never in a URL. Every figure is inserted as text.
        const TOKEN_KEY = "sluice.adminToken";
        const HISTORY = 300;
        const $ = (id) => document.getElementById(id);
        let controller = null;
        let previous = null;
        // Each sign-in (and sign-out) starts a new generation: a reconnection scheduled by an older one
        // does nothing, so signing out stops the stream for good.
        let generation = 0;
        let retry = null;

        function again(token, delay) {
          const scheduled = generation;
          retry = setTimeout(() => { if (scheduled === generation) follow(token); }, delay);
        }
        const rates = { deliveries: [], ingest: [] };

        function show(section) {
          for (const id of ["disabled", "sign-in", "overview"]) $(id).hidden = id !== section;
          $("sign-out").hidden = section !== "overview";
        }

        function sum(series, name) {
          let total = 0;
          for (const [key, value] of Object.entries(series)) {
            if (key === name || key.startsWith(name + "{")) total += value;
          }
          return total;
        }

        function value(series, key) { return series[key] ?? 0; }

        function setText(id, text) { $(id).textContent = text; }

        function format(n) { return Math.round(n).toLocaleString("en-US"); }

        function draw(id, points) {
          const svg = $(id);
          const max = Math.max(1, ...points);
          const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
          const step = 300 / Math.max(1, HISTORY - 1);
          const start = HISTORY - points.length;
          line.setAttribute("points", points.map((p, i) => `${((start + i) * step).toFixed(1)},${(58 - (p / max) * 56).toFixed(1)}`).join(" "));
          svg.replaceChildren(line);
        }

        function render(reading) {
          const s = reading.series;
          setText("node", `node ${reading.node}`);
          setText("updated", `updated ${new Date(reading.at).toLocaleTimeString()}`);
          setText("private-streams", format(value(s, 'sluice_open_connections{api="private_sse"}')));
          setText("site-streams", format(value(s, 'sluice_open_connections{api="site_streams"}')));
          setText("user-streams", format(value(s, 'sluice_site_user_streams{api="site_streams"}')));
          setText("ingested", format(sum(s, "sluice_events_ingested_total")));
          setText("log-position", format(value(s, "sluice_log_position")));
          setText("outbox-bytes", format(sum(s, "sluice_outbox_bytes")));
          setText("slow-readers", format(sum(s, "sluice_slow_reader_disconnects_total")));
          setText("tokens", `${format(value(s, 'sluice_stream_tokens_total{result="issued"}'))} / ${format(value(s, 'sluice_stream_tokens_total{result="rate_limited"}'))}`);
          setText("http-connections", format(value(s, "sluice_http_connections")));
          const now = { at: Date.parse(reading.at), deliveries: sum(s, "sluice_deliveries_total"), ingest: sum(s, "sluice_events_ingested_total") };
          if (previous && now.at > previous.at) {
            const seconds = (now.at - previous.at) / 1000;
            for (const figure of ["deliveries", "ingest"]) {
              const rate = Math.max(0, (now[figure] - previous[figure]) / seconds);
              rates[figure].push(rate);
              if (rates[figure].length > HISTORY) rates[figure].shift();
              setText(`${figure}-rate`, format(rate));
            }
            draw("deliveries-chart", rates.deliveries);
            draw("ingest-chart", rates.ingest);
          }
          previous = now;
        }

        // Reads the admin stats stream (Server-Sent Events) with fetch, which can send the token.
        async function follow(token) {
          controller?.abort();
          controller = new AbortController();
          const mine = generation;
          let response;
          try {
            response = await fetch("/v1/admin/stats/stream", { headers: { Authorization: `Bearer ${token}` }, signal: controller.signal });
          } catch (error) {
            if (error.name !== "AbortError") again(token, 2000);
            return;
          }
          if (mine !== generation) return;
          if (response.status === 403) { sessionStorage.removeItem(TOKEN_KEY); show("disabled"); return; }
          if (response.status === 401) {
            sessionStorage.removeItem(TOKEN_KEY);
            show("sign-in");
            setText("sign-in-error", "That admin token was refused.");
            return;
          }
          if (!response.ok) { again(token, 2000); return; }
          show("overview");
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          let buffer = "";
          try {
            for (;;) {
              const { value: chunk, done } = await reader.read();
              if (done) break;
              buffer += decoder.decode(chunk, { stream: true });
              let end;
              while ((end = buffer.indexOf("\n\n")) >= 0) {
                const block = buffer.slice(0, end);
                buffer = buffer.slice(end + 2);
                const data = block.split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trimStart()).join("\n");
                if (data) render(JSON.parse(data));
              }
            }
            // Each stream lasts a while: the next one follows at once.
            again(token, 0);
          } catch (error) {
            // Cut off (a restart, a shutdown): follow it again once the server is back.
            if (error.name !== "AbortError") again(token, 2000);
          }
        }

        async function start() {
          const token = sessionStorage.getItem(TOKEN_KEY);
          if (token) { follow(token); return; }
          // Without a token: find out whether the admin API is on at all.
          const probe = await fetch("/v1/admin/stats");
          show(probe.status === 403 ? "disabled" : "sign-in");
        }

        document.addEventListener("DOMContentLoaded", () => {
          $("sign-in-form").addEventListener("submit", (event) => {
            event.preventDefault();
            const token = $("token").value;
            $("token").value = "";
            setText("sign-in-error", "");
            sessionStorage.setItem(TOKEN_KEY, token);
            generation += 1;
            follow(token);
          });
          $("sign-out").addEventListener("click", () => {
            generation += 1;
            clearTimeout(retry);
            controller?.abort();
            sessionStorage.removeItem(TOKEN_KEY);
            show("sign-in");
          });
          start();
        });
        """#
}
