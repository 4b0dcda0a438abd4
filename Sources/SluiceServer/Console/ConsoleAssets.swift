/// The operator console's page, style and script, written for this project and embedded in the binary
/// (no CDN, no build step): the page here, the style and the script in the two extensions. The script
/// inserts every piece of data as text (`textContent`), never as HTML, and the page allows no inline
/// script or style (`ConsoleController.securityPolicy`).
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
            <nav id="nav" hidden>
              <a href="#overview">Overview</a>
              <a href="#connections">Connections</a>
              <a href="#keys">Keys</a>
              <a href="#apps">Apps</a>
              <a href="#viewer">Stream viewer</a>
              <a href="#log">Log</a>
            </nav>
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
            <p id="page-error" class="error" role="alert" hidden></p>
            <section id="overview" class="page" hidden>
              <h2>Overview <span id="updated" class="muted"></span></h2>
              <div class="figures">
                <figure><figcaption>Private SSE streams</figcaption><output id="private-streams">–</output></figure>
                <figure><figcaption>Site Streams connections</figcaption><output id="site-streams">–</output></figure>
                <figure><figcaption>User streams carried</figcaption><output id="user-streams">–</output></figure>
                <figure><figcaption>Deliveries/s</figcaption><output id="deliveries-rate">–</output></figure>
                <figure><figcaption>Events ingested/s</figcaption><output id="ingest-rate">–</output></figure>
                <figure><figcaption>Events ingested</figcaption><output id="ingested">–</output></figure>
                <figure><figcaption>Log position</figcaption><output id="log-position">–</output></figure>
                <figure><figcaption>Largest fan-out lag (events)</figcaption><output id="lag">–</output></figure>
                <figure><figcaption>Outbox bytes</figcaption><output id="outbox-bytes">–</output></figure>
                <figure><figcaption>Slow-reader disconnects</figcaption><output id="slow-readers">–</output></figure>
                <figure><figcaption>Tokens issued / refused</figcaption><output id="tokens">–</output></figure>
                <figure><figcaption>HTTP connections</figcaption><output id="http-connections">–</output></figure>
              </div>
              <h3>Nodes</h3>
              <table id="nodes-table">
                <thead><tr><th>node</th><th>Private SSE</th><th>Site Streams</th><th>user streams</th><th>deliveries</th><th>ingested</th><th>log position</th><th>lag</th><th>outbox bytes</th></tr></thead>
                <tbody></tbody>
              </table>
              <div class="charts">
                <img id="chart-throughput" alt="Deliveries and events ingested per second, last 5 minutes">
                <img id="chart-streams" alt="Open streams, last 5 minutes">
                <img id="chart-lag" alt="Fan-out lag behind the log, last 5 minutes">
                <img id="chart-outbox" alt="Bytes waiting in outboxes, last 5 minutes">
              </div>
            </section>
            <section id="connections" class="page" hidden>
              <h2>Connections <span id="connections-summary" class="muted"></span></h2>
              <table id="connections-table">
                <thead><tr><th>API</th><th>id</th><th>node</th><th>key or app</th><th>filters or users</th><th>age</th><th>delivered</th><th>queued bytes</th><th>last delivery</th><th></th></tr></thead>
                <tbody></tbody>
              </table>
            </section>
            <section id="keys" class="page" hidden>
              <h2>API keys</h2>
              <form id="key-form" class="stacked">
                <label>Name <input id="key-name" required maxlength="100"></label>
                <fieldset><legend>Scopes</legend>
                  <label><input type="checkbox" name="scope" value="stream" checked> stream</label>
                  <label><input type="checkbox" name="scope" value="ingest"> ingest</label>
                  <label><input type="checkbox" name="scope" value="read"> read</label>
                </fieldset>
                <fieldset><legend>Limits (empty: the defaults)</legend>
                  <label>connections <input id="limit-max_connections" type="number" min="1"></label>
                  <label>tokens per hour <input id="limit-tokens_per_hour" type="number" min="1"></label>
                  <label>events per second <input id="limit-events_per_second" type="number" min="1"></label>
                  <label>idle timeout (s) <input id="limit-idle_timeout_seconds" type="number" min="1"></label>
                </fieldset>
                <button type="submit">Create key</button>
              </form>
              <div id="key-secret" class="secret" hidden>
                <p>The new key's secret, shown this once:</p>
                <code id="key-secret-value"></code> <button id="key-secret-copy" type="button">Copy</button>
              </div>
              <table id="keys-table">
                <thead><tr><th>id</th><th>name</th><th>scopes</th><th>limits</th><th>created</th><th>revoked</th><th></th></tr></thead>
                <tbody></tbody>
              </table>
            </section>
            <section id="apps" class="page" hidden>
              <h2>Site Streams apps</h2>
              <form id="app-form">
                <label>Name <input id="app-name" required maxlength="100"></label>
                <button type="submit">Create app</button>
              </form>
              <div id="app-secret" class="secret" hidden>
                <p>The new app's credentials, secrets shown this once:</p>
                <pre id="app-secret-value"></pre> <button id="app-secret-copy" type="button">Copy</button>
              </div>
              <table id="apps-table">
                <thead><tr><th>id</th><th>name</th><th>consumer key</th><th>access token</th><th>created</th><th></th></tr></thead>
                <tbody></tbody>
              </table>
              <div id="grants" hidden>
                <h3>Grants of <span id="grants-app"></span></h3>
                <form id="grant-form">
                  <label>User id <input id="grant-user" required inputmode="numeric" pattern="[0-9]+"></label>
                  <button type="submit">Grant</button>
                </form>
                <table id="grants-table"><thead><tr><th>user id</th><th></th></tr></thead><tbody></tbody></table>
                <button id="grants-more" type="button" hidden>More</button>
              </div>
            </section>
            <section id="viewer" class="page" hidden>
              <h2>Stream viewer</h2>
              <form id="viewer-form" class="stacked">
                <label>Key <select id="viewer-key" required></select></label>
                <label>keywords <input id="filter-keywords" placeholder="swift,#ai"></label>
                <label>users <input id="filter-users" placeholder="alice,12"></label>
                <label>min_followers <input id="filter-min_followers" type="number" min="0"></label>
                <label>verified <select id="filter-verified"><option value="">any</option><option value="true">true</option><option value="false">false</option></select></label>
                <label>language <input id="filter-language" placeholder="en,fr"></label>
                <label>min_retweets <input id="filter-min_retweets" type="number" min="0"></label>
                <button id="viewer-start" type="submit">Buy a token and watch</button>
                <button id="viewer-stop" type="button" disabled>Stop</button>
                <button id="viewer-pause" type="button" disabled>Pause</button>
                <button id="viewer-clear" type="button">Clear</button>
              </form>
              <p>A client would open: <code id="viewer-url"></code></p>
              <p id="viewer-status" class="muted" role="status"></p>
              <div class="split">
                <ol id="viewer-events" class="events"></ol>
                <pre id="viewer-json" class="json"></pre>
              </div>
            </section>
            <section id="log" class="page" hidden>
              <h2>Event log</h2>
              <div class="toolbar">
                <button id="log-first" type="button">First page</button>
                <button id="log-previous" type="button">Previous page</button>
                <button id="log-next" type="button">Next page</button>
                <button id="log-latest" type="button">Latest</button>
                <form id="log-goto"><label>After sequence <input id="log-after" type="number" min="0" required></label><button type="submit">Go</button></form>
                <span id="log-range" class="muted"></span>
              </div>
              <div class="split">
                <table id="log-table"><thead><tr><th>seq</th><th>type</th><th>summary</th></tr></thead><tbody></tbody></table>
                <pre id="log-json" class="json"></pre>
              </div>
            </section>
          </main>
        </body>
        </html>
        """#
}
