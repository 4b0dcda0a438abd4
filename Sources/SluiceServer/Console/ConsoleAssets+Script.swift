extension ConsoleAssets {
    /// Pages: the live overview (the admin stats stream, the server's SVG charts), connections (list,
    /// close), keys and apps (create, list, revoke, grants), the stream viewer (a Private SSE stream
    /// opened with a token the admin buys for a key) and the log browser (`GET /v1/admin/events`).
    static let js = #"""
        "use strict";
        // The operator console. The admin token lives in this tab's session storage and travels only in the
        // Authorization header, never in a URL. Every piece of data (tweet text, names, filters) is inserted
        // as text (textContent, text nodes), never as HTML; the page's policy allows no inline script.
        const TOKEN_KEY = "sluice.adminToken";
        const PAGES = ["overview", "connections", "keys", "apps", "viewer", "log"];
        const CHARTS = ["throughput", "streams", "lag", "outbox"];
        const $ = (id) => document.getElementById(id);

        // Each sign-in (and sign-out) starts a new generation: work scheduled by an older one does nothing,
        // so signing out stops every stream and timer for good.
        let generation = 0;
        let token = null;
        let statsController = null;
        let previous = null;
        let timers = [];

        function later(delay, action) {
          const scheduled = generation;
          timers.push(setTimeout(() => { if (scheduled === generation) action(); }, delay));
        }

        /// An element with attributes and children; strings become text nodes, never markup.
        function el(tag, attributes = {}, ...children) {
          const node = document.createElement(tag);
          for (const [name, value] of Object.entries(attributes)) {
            if (name === "onclick") node.addEventListener("click", value);
            else if (value !== undefined && value !== null) node.setAttribute(name, String(value));
          }
          for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
          return node;
        }

        function setText(id, text) { $(id).textContent = text; }

        /// JSON with ids kept exact: a browser's numbers round integers above 2^53, so those keep their
        /// source digits (JSON.rawJSON, which JSON.stringify writes as they were) where the browser has it.
        function parseExact(text) {
          if (typeof JSON.rawJSON !== "function") return JSON.parse(text);
          return JSON.parse(text, (key, value, context) =>
            typeof value === "number" && !Number.isSafeInteger(value) && Number.isInteger(value) && context?.source ? JSON.rawJSON(context.source) : value);
        }

        /// A value from `parseExact` as text (a kept integer is an object holding its digits).
        function plain(value) { return value !== null && typeof value === "object" && "rawJSON" in value ? value.rawJSON : value; }

        /// An id as text: its `_str` twin when the object has one.
        function idOf(object, name) { return object?.[`${name}_str`] ?? plain(object?.[name]) ?? "?"; }
        function format(n) { return Math.round(n ?? 0).toLocaleString("en-US"); }
        function time(iso) { return iso ? new Date(iso).toLocaleTimeString() : "–"; }
        function showError(message) { const p = $("page-error"); p.textContent = message; p.hidden = !message; }

        /// A request to the admin API with the token; throws with the error's message on a refusal.
        async function api(path, options = {}) {
          const headers = Object.assign({ Authorization: `Bearer ${token}` }, options.headers || {});
          const response = await fetch(path, Object.assign({}, options, { headers }));
          if (response.status === 401 || response.status === 403) {
            const body = await response.json().catch(() => ({}));
            if (response.status === 401 || body?.error?.code === "admin_disabled") { signOut(response.status === 403 ? "disabled" : "refused"); }
            throw new Error(body?.error?.message || `refused (${response.status})`);
          }
          if (!response.ok) {
            const body = await response.json().catch(() => ({}));
            throw new Error(body?.error?.message || `the server answered ${response.status}`);
          }
          return response;
        }
        async function apiJSON(path, options) { return (await api(path, options)).json(); }
        async function postJSON(path, body) {
          return apiJSON(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        }

        function current() {
          const page = location.hash.slice(1);
          return PAGES.includes(page) ? page : "overview";
        }

        function show(section) {
          for (const id of ["disabled", "sign-in", ...PAGES]) $(id).hidden = id !== section;
          const signedIn = PAGES.includes(section);
          $("sign-out").hidden = !signedIn;
          $("nav").hidden = !signedIn;
          for (const link of $("nav").querySelectorAll("a")) link.classList.toggle("current", link.getAttribute("href") === `#${section}`);
        }

        function openPage() {
          if (!token) return;
          const page = current();
          show(page);
          showError("");
          if (page === "connections") refreshConnections();
          if (page === "keys") refreshKeys();
          if (page === "apps") refreshApps();
          if (page === "viewer") refreshViewerKeys();
          if (page === "log" && !logState.loaded) loadLog(0);
        }

        // MARK: Overview

        function sumFigures(nodes, name) { return nodes.reduce((total, node) => total + (node[name] ?? 0), 0); }

        function render(reading) {
          const nodes = reading.nodes?.length ? reading.nodes : [];
          setText("node", `node ${reading.node}${nodes.length > 1 ? ` · ${nodes.length} nodes` : ""}`);
          setText("updated", `updated ${new Date(reading.at).toLocaleTimeString()}`);
          const total = (name) => sumFigures(nodes, name);
          setText("private-streams", format(total("private_streams")));
          setText("site-streams", format(total("site_streams")));
          setText("user-streams", format(total("user_streams")));
          setText("ingested", format(total("ingested")));
          setText("log-position", format(Math.max(0, ...nodes.map((n) => n.log_head))));
          setText("lag", format(Math.max(0, ...nodes.map((n) => n.log_head - n.log_position))));
          setText("outbox-bytes", format(total("outbox_bytes")));
          setText("slow-readers", format(total("slow_reader_disconnects")));
          setText("tokens", `${format(total("tokens_issued"))} / ${format(total("tokens_refused"))}`);
          setText("http-connections", format(total("http_connections")));
          const now = { at: Date.parse(reading.at), deliveries: total("deliveries"), ingest: total("ingested") };
          if (previous && now.at > previous.at) {
            const seconds = (now.at - previous.at) / 1000;
            setText("deliveries-rate", format(Math.max(0, (now.deliveries - previous.deliveries) / seconds)));
            setText("ingest-rate", format(Math.max(0, (now.ingest - previous.ingest) / seconds)));
          }
          previous = now;
          const rows = nodes.map((n) => el("tr", { "data-node": n.node },
            el("td", {}, n.node),
            ...[n.private_streams, n.site_streams, n.user_streams, n.deliveries, n.ingested, n.log_position, n.log_head - n.log_position, n.outbox_bytes]
              .map((v) => el("td", { class: "number" }, format(v)))));
          $("nodes-table").tBodies[0].replaceChildren(...rows);
          if (current() === "overview") refreshCharts();
        }

        // The charts are SVG drawn by the server (the module `sluice bench plot` uses), fetched with the
        // token and shown through blob URLs: an SVG in an <img> can run nothing.
        let chartsBusy = false;
        async function refreshCharts() {
          if (chartsBusy) return;
          chartsBusy = true;
          try {
            await Promise.all(CHARTS.map(async (name) => {
              const blob = await (await api(`/v1/admin/stats/charts/${name}?minutes=5`)).blob();
              const image = $(`chart-${name}`);
              const old = image.src;
              image.src = URL.createObjectURL(blob);
              if (old.startsWith("blob:")) URL.revokeObjectURL(old);
            }));
          } catch (error) {
            // The next reading tries again.
          } finally {
            chartsBusy = false;
          }
        }

        /// Reads a Server-Sent Events body, calling `onEvent(name, data)` for each event.
        async function readEvents(response, onEvent) {
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          let buffer = "";
          for (;;) {
            const { value: chunk, done } = await reader.read();
            if (done) return;
            buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, "\n");
            let end;
            while ((end = buffer.indexOf("\n\n")) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              let name = "message";
              const data = [];
              for (const line of block.split("\n")) {
                if (line.startsWith("event:")) name = line.slice(6).trim();
                else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
              }
              if (data.length) onEvent(name, data.join("\n"));
            }
          }
        }

        // Follows the admin stats stream with fetch, which can send the token (an EventSource cannot).
        async function follow() {
          statsController?.abort();
          statsController = new AbortController();
          const mine = generation;
          try {
            const response = await api("/v1/admin/stats/stream", { signal: statsController.signal });
            if (mine !== generation) return;
            if (!PAGES.includes(current()) || $("sign-in").hidden === false || $("nav").hidden) openPage();
            await readEvents(response, (name, data) => { if (name === "stats") render(JSON.parse(data)); });
            // Each stream lasts a while: the next one follows at once.
            later(0, follow);
          } catch (error) {
            // Cut off (a restart, a shutdown): follow again once the server is back; a refusal signed out.
            if (error.name !== "AbortError" && token) later(2000, follow);
          }
        }

        // MARK: Connections

        let connectionsTimer = null;
        async function refreshConnections() {
          try {
            const listing = await apiJSON("/v1/admin/connections");
            const unreachable = listing.unreachable_nodes.length ? ` · not answering: ${listing.unreachable_nodes.join(", ")}` : "";
            setText("connections-summary", `${listing.connections.length} open on ${listing.nodes.join(", ")}${unreachable}`);
            const rows = listing.connections.map((c) => el("tr", { "data-id": c.id, "data-api": c.api },
              el("td", {}, c.api === "private_sse" ? "Private SSE" : "Site Streams"),
              el("td", {}, c.id),
              el("td", {}, c.node),
              el("td", {}, c.key_id ?? c.app_id ?? ""),
              el("td", {}, c.api === "private_sse" ? JSON.stringify(c.filters ?? {}) : `${c.user_count} users: ${(c.users_str ?? []).join(", ")}`),
              el("td", { class: "number" }, `${c.age_seconds} s`),
              el("td", { class: "number" }, format(c.delivered)),
              el("td", { class: "number" }, format(c.queued_bytes)),
              el("td", {}, time(c.last_delivery_at)),
              el("td", {}, el("button", { type: "button", class: "close-connection", onclick: () => closeConnection(c.id) }, "Close"))));
            $("connections-table").tBodies[0].replaceChildren(...rows);
          } catch (error) {
            showError(`Cannot list the connections: ${error.message}`);
          }
          // One refresh pending at a time, however often the page is opened or a stream closed.
          clearTimeout(connectionsTimer);
          if (current() === "connections") connectionsTimer = setTimeout(() => { if (token && current() === "connections") refreshConnections(); }, 2000);
        }

        async function closeConnection(id) {
          try {
            await api(`/v1/admin/connections/${encodeURIComponent(id)}`, { method: "DELETE" });
          } catch (error) {
            showError(`Cannot close ${id}: ${error.message}`);
          }
          refreshConnections();
        }

        // MARK: Keys

        let keys = [];
        async function refreshKeys() {
          try {
            keys = (await apiJSON("/v1/admin/keys")).keys;
            const rows = keys.map((k) => el("tr", { "data-id": k.id, "data-name": k.name },
              el("td", {}, k.id), el("td", {}, k.name), el("td", {}, k.scopes.join(", ")),
              el("td", {}, Object.entries(k.limits).map(([name, v]) => `${name} ${v}`).join(", ")),
              el("td", {}, new Date(k.created_at).toLocaleString()),
              el("td", {}, k.revoked_at ? new Date(k.revoked_at).toLocaleString() : ""),
              el("td", {}, k.revoked_at ? "" : el("button", { type: "button", class: "revoke-key", onclick: () => revokeKey(k) }, "Revoke"))));
            $("keys-table").tBodies[0].replaceChildren(...rows);
          } catch (error) {
            showError(`Cannot list the keys: ${error.message}`);
          }
        }

        async function createKey(event) {
          event.preventDefault();
          const scopes = [...document.querySelectorAll("input[name=scope]:checked")].map((box) => box.value);
          const limits = {};
          for (const name of ["max_connections", "tokens_per_hour", "events_per_second", "idle_timeout_seconds"]) {
            const value = $(`limit-${name}`).value;
            if (value !== "") limits[name] = Number(value);
          }
          const body = { name: $("key-name").value, scopes };
          if (Object.keys(limits).length) body.limits = limits;
          try {
            const key = await postJSON("/v1/admin/keys", body);
            setText("key-secret-value", key.key);
            $("key-secret").hidden = false;
            $("key-form").reset();
            showError("");
          } catch (error) {
            showError(`Cannot create the key: ${error.message}`);
          }
          refreshKeys();
        }

        async function revokeKey(key) {
          if (!confirm(`Revoke ${key.name} (${key.id})? Its open streams end at once.`)) return;
          try {
            await api(`/v1/admin/keys/${encodeURIComponent(key.id)}`, { method: "DELETE" });
          } catch (error) {
            showError(`Cannot revoke ${key.id}: ${error.message}`);
          }
          refreshKeys();
        }

        // MARK: Apps and grants

        let selectedApp = null;
        let grantsAfter = 0;
        async function refreshApps() {
          try {
            const apps = (await apiJSON("/v1/admin/apps")).apps;
            const rows = apps.map((a) => el("tr", { "data-id": a.id, "data-name": a.name, class: selectedApp?.id === a.id ? "selected" : "" },
              el("td", {}, a.id), el("td", {}, a.name), el("td", {}, a.consumer_key), el("td", {}, a.access_token),
              el("td", {}, new Date(a.created_at).toLocaleString()),
              el("td", {}, el("button", { type: "button", class: "show-grants", onclick: () => selectApp(a) }, "Grants"))));
            $("apps-table").tBodies[0].replaceChildren(...rows);
          } catch (error) {
            showError(`Cannot list the apps: ${error.message}`);
          }
        }

        async function createApp(event) {
          event.preventDefault();
          try {
            const app = await postJSON("/v1/admin/apps", { name: $("app-name").value });
            setText("app-secret-value", [
              `consumer_key        ${app.consumer_key}`, `consumer_secret     ${app.consumer_secret}`,
              `access_token        ${app.access_token}`, `access_token_secret ${app.access_token_secret}`].join("\n"));
            $("app-secret").hidden = false;
            $("app-form").reset();
            showError("");
          } catch (error) {
            showError(`Cannot create the app: ${error.message}`);
          }
          refreshApps();
        }

        function selectApp(app) {
          selectedApp = app;
          setText("grants-app", `${app.name} (${app.id})`);
          $("grants").hidden = false;
          $("grants-table").tBodies[0].replaceChildren();
          grantsAfter = 0;
          loadGrants();
          refreshApps();
        }

        async function loadGrants() {
          const app = selectedApp;
          try {
            const page = await apiJSON(`/v1/admin/apps/${encodeURIComponent(app.id)}/grants?after=${grantsAfter}&limit=100`);
            if (app !== selectedApp) return;
            const rows = page.user_ids_str.map((user) => el("tr", { "data-user": user },
              el("td", {}, user),
              el("td", {}, el("button", { type: "button", class: "revoke-grant", onclick: () => revokeGrant(app, user) }, "Revoke"))));
            $("grants-table").tBodies[0].append(...rows);
            grantsAfter = page.next_after_str ?? grantsAfter;
            $("grants-more").hidden = !page.next_after_str;
          } catch (error) {
            showError(`Cannot list the grants: ${error.message}`);
          }
        }

        function reloadGrants() {
          $("grants-table").tBodies[0].replaceChildren();
          grantsAfter = 0;
          loadGrants();
        }

        async function grant(event) {
          event.preventDefault();
          try {
            await postJSON(`/v1/admin/apps/${encodeURIComponent(selectedApp.id)}/grants`, { user_id: $("grant-user").value });
            $("grant-form").reset();
            showError("");
          } catch (error) {
            showError(`Cannot grant: ${error.message}`);
          }
          reloadGrants();
        }

        async function revokeGrant(app, user) {
          try {
            await api(`/v1/admin/apps/${encodeURIComponent(app.id)}/grants/${encodeURIComponent(user)}`, { method: "DELETE" });
          } catch (error) {
            showError(`Cannot revoke the grant: ${error.message}`);
          }
          reloadGrants();
        }

        // MARK: Stream viewer

        const FILTERS = ["keywords", "users", "min_followers", "verified", "language", "min_retweets"];
        let viewer = { controller: null, paused: false, held: [] };

        async function refreshViewerKeys() {
          try {
            keys = (await apiJSON("/v1/admin/keys")).keys;
          } catch (error) {
            showError(`Cannot list the keys: ${error.message}`);
            return;
          }
          const chosen = $("viewer-key").value;
          const usable = keys.filter((k) => !k.revoked_at && k.scopes.includes("stream"));
          $("viewer-key").replaceChildren(...usable.map((k) => el("option", { value: k.id }, `${k.name} (${k.id})`)));
          if (usable.some((k) => k.id === chosen)) $("viewer-key").value = chosen;
          updateViewerURL();
        }

        /// The filters as a client writes them: each list's items percent-encoded, joined by commas.
        function filterQuery() {
          const parts = [];
          for (const name of FILTERS) {
            const raw = $(`filter-${name}`).value.trim();
            if (raw === "") continue;
            const value = ["keywords", "users", "language"].includes(name)
              ? raw.split(",").map((item) => item.trim()).filter(Boolean).map(encodeURIComponent).join(",")
              : encodeURIComponent(raw);
            parts.push(`${name}=${value}`);
          }
          return parts;
        }

        function updateViewerURL(streamToken) {
          setText("viewer-url", `${location.origin}/sse/private?${[`token=${streamToken ?? "TOKEN"}`, ...filterQuery()].join("&")}`);
        }

        function summary(kind, data) {
          if (kind === "tweet") return `@${data.user?.username ?? idOf(data.user, "id")}: ${data.text ?? ""}`;
          if (kind === "user") return `@${data.username ?? "?"} (${data.name ?? ""})`;
          if (kind === "status") return `${data.status ?? ""}${data.reason ? ` (${data.reason})` : ""}${data.message ? `: ${data.message}` : ""}`;
          return JSON.stringify(data);
        }

        function appendEvent(kind, payload) {
          const item = el("li", { "data-kind": kind }, el("span", { class: "kind" }, kind), summary(kind, payload.data ?? payload));
          item.addEventListener("click", () => setText("viewer-json", JSON.stringify(payload, null, 2)));
          const list = $("viewer-events");
          list.append(item);
          while (list.children.length > 500) list.firstElementChild.remove();
          list.scrollTop = list.scrollHeight;
        }

        function stopViewer(message) {
          viewer.controller?.abort();
          viewer.controller = null;
          $("viewer-start").disabled = false;
          $("viewer-stop").disabled = true;
          $("viewer-pause").disabled = true;
          if (message) setText("viewer-status", message);
        }

        async function startViewer(event) {
          event.preventDefault();
          stopViewer();
          const keyID = $("viewer-key").value;
          if (!keyID) { setText("viewer-status", "Choose a key with the stream scope (create one on the Keys page)."); return; }
          let issued;
          try {
            issued = await apiJSON(`/v1/admin/keys/${encodeURIComponent(keyID)}/tokens`, { method: "POST" });
          } catch (error) {
            setText("viewer-status", `No token: ${error.message}`);
            return;
          }
          updateViewerURL(issued.token);
          const controller = new AbortController();
          viewer = { controller, paused: false, held: [] };
          $("viewer-start").disabled = true;
          $("viewer-stop").disabled = false;
          $("viewer-pause").disabled = false;
          setText("viewer-pause", "Pause");
          setText("viewer-status", "Connecting…");
          const url = `/sse/private?${[`token=${encodeURIComponent(issued.token)}`, ...filterQuery()].join("&")}`;
          try {
            const response = await fetch(url, { signal: controller.signal });
            if (!response.ok) {
              const body = await response.json().catch(() => ({}));
              stopViewer(`Refused: ${body?.error?.message ?? response.status}`);
              return;
            }
            setText("viewer-status", "Streaming.");
            await readEvents(response, (name, data) => {
              const payload = parseExact(data);
              const kind = payload.type ?? name;
              if (viewer.controller !== controller) return;
              if (!viewer.paused) { appendEvent(kind, payload); return; }
              viewer.held.push([kind, payload]);
              setText("viewer-status", `Paused: ${viewer.held.length} held until you resume.`);
            });
            if (viewer.controller === controller) stopViewer("The stream ended.");
          } catch (error) {
            if (error.name !== "AbortError") stopViewer(`The stream broke: ${error.message}`);
          }
        }

        function togglePause() {
          viewer.paused = !viewer.paused;
          setText("viewer-pause", viewer.paused ? "Resume" : "Pause");
          setText("viewer-status", viewer.paused ? `Paused: ${viewer.held.length} held until you resume.` : "Streaming.");
          if (!viewer.paused) {
            for (const [kind, payload] of viewer.held) appendEvent(kind, payload);
            viewer.held = [];
          }
        }

        // MARK: Log browser

        const LOG_PAGE = 50;
        const logState = { loaded: false, after: 0, starts: [] };

        function eventSummary(event) {
          const data = event.data ?? {};
          switch (event.type) {
            case "tweet": return `@${data.user?.username ?? idOf(data.user, "id")}: ${data.text ?? ""}`;
            case "user_update": return `@${data.username ?? "?"} (${data.name ?? ""})`;
            case "direct_message": return `${idOf(data, "sender_id")} → ${idOf(data, "recipient_id")}`;
            default: return JSON.stringify(data).slice(0, 160);
          }
        }

        async function loadLog(after, remember = true) {
          try {
            const page = parseExact(await (await api(`/v1/admin/events?after=${after}&limit=${LOG_PAGE}`)).text());
            if (remember && logState.loaded && after !== logState.after) logState.starts.push(logState.after);
            logState.loaded = true;
            logState.after = after;
            logState.last = Number(plain(page.last_seq));
            const rows = page.events.map((e) => {
              const row = el("tr", { "data-seq": plain(e.seq), "data-json": "" },
                el("td", { class: "number" }, plain(e.seq)), el("td", {}, e.type ?? ""), el("td", {}, eventSummary(e)));
              row.addEventListener("click", () => setText("log-json", JSON.stringify(e, null, 2)));
              return row;
            });
            $("log-table").tBodies[0].replaceChildren(...rows);
            setText("log-range", page.events.length ? `events after ${after}, up to ${logState.last}` : `nothing after ${after}`);
          } catch (error) {
            showError(`Cannot read the log: ${error.message}`);
          }
        }

        async function loadLatest() {
          try {
            const reading = await apiJSON("/v1/admin/stats");
            const head = Math.max(0, ...(reading.nodes ?? []).map((n) => n.log_head));
            loadLog(Math.max(0, head - LOG_PAGE));
          } catch (error) {
            showError(`Cannot read the log: ${error.message}`);
          }
        }

        // MARK: Signing in and out

        function signIn(value) {
          token = value;
          sessionStorage.setItem(TOKEN_KEY, value);
          generation += 1;
          follow();
        }

        function signOut(why) {
          generation += 1;
          for (const timer of timers) clearTimeout(timer);
          clearTimeout(connectionsTimer);
          timers = [];
          statsController?.abort();
          stopViewer();
          token = null;
          previous = null;
          logState.loaded = false;
          sessionStorage.removeItem(TOKEN_KEY);
          for (const table of ["nodes-table", "connections-table", "keys-table", "apps-table", "grants-table", "log-table"]) $(table).tBodies[0].replaceChildren();
          for (const id of ["viewer-events"]) $(id).replaceChildren();
          for (const id of ["viewer-json", "log-json", "key-secret-value", "app-secret-value"]) setText(id, "");
          $("key-secret").hidden = true;
          $("app-secret").hidden = true;
          $("grants").hidden = true;
          setText("node", "");
          if (why === "disabled") { show("disabled"); return; }
          show("sign-in");
          setText("sign-in-error", why === "refused" ? "That admin token was refused." : "");
        }

        async function start() {
          const saved = sessionStorage.getItem(TOKEN_KEY);
          if (saved) { signIn(saved); return; }
          // Without a token: find out whether the admin API is on at all.
          const probe = await fetch("/v1/admin/stats");
          show(probe.status === 403 ? "disabled" : "sign-in");
        }

        async function copy(id, button) {
          try {
            await navigator.clipboard.writeText($(id).textContent);
            button.textContent = "Copied";
          } catch (error) {
            button.textContent = "Select the text and copy it";
          }
        }

        document.addEventListener("DOMContentLoaded", () => {
          $("sign-in-form").addEventListener("submit", (event) => {
            event.preventDefault();
            const value = $("token").value;
            $("token").value = "";
            setText("sign-in-error", "");
            signIn(value);
          });
          $("sign-out").addEventListener("click", () => signOut());
          window.addEventListener("hashchange", openPage);
          $("key-form").addEventListener("submit", createKey);
          $("key-secret-copy").addEventListener("click", (event) => copy("key-secret-value", event.target));
          $("app-form").addEventListener("submit", createApp);
          $("app-secret-copy").addEventListener("click", (event) => copy("app-secret-value", event.target));
          $("grant-form").addEventListener("submit", grant);
          $("grants-more").addEventListener("click", loadGrants);
          $("viewer-form").addEventListener("submit", startViewer);
          $("viewer-form").addEventListener("input", () => updateViewerURL());
          $("viewer-stop").addEventListener("click", () => stopViewer("Stopped."));
          $("viewer-pause").addEventListener("click", togglePause);
          $("viewer-clear").addEventListener("click", () => { $("viewer-events").replaceChildren(); setText("viewer-json", ""); viewer.held = []; });
          $("log-first").addEventListener("click", () => { logState.starts = []; loadLog(0, false); });
          $("log-next").addEventListener("click", () => { if (logState.last > logState.after) loadLog(logState.last); });
          $("log-previous").addEventListener("click", () => { if (logState.starts.length) loadLog(logState.starts.pop(), false); });
          $("log-latest").addEventListener("click", loadLatest);
          $("log-goto").addEventListener("submit", (event) => { event.preventDefault(); loadLog(Number($("log-after").value)); });
          start();
        });
        """#
}
