/* The rep's page: today's route as a list, check-ins, re-planning, offline queue.
 *
 * /today?job=<id>&rep=<rep_id>[&date=YYYY-MM-DD][&now=HH:MM]
 * Every string from the API is put in the page as text (textContent), never as HTML.
 * Check-ins go to a queue in localStorage first and are sent from there, so a lost
 * connection loses none; their ids are made here, so a retry is stored once.
 */
(function () {
  "use strict";

  const params = new URLSearchParams(location.search);
  const JOB = params.get("job") || "";
  const REP = params.get("rep") || "";
  const DATE = params.get("date") || null;
  const KEY_STORAGE = "fieldroute.apiKey"; // shared with the map page
  const QUEUE_STORAGE = "fieldroute.today.queue";
  const DAY_STORAGE = `fieldroute.today.day.${JOB}.${REP}.${DATE || ""}`;

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // ------------------------------------------------------------------ the clock

  function secondsOfDay(date) {
    return date.getHours() * 3600 + date.getMinutes() * 60 + date.getSeconds();
  }
  function parseClock(text) {
    const [h, m, s] = String(text).split(":").map(Number);
    return h * 3600 + m * 60 + (s || 0);
  }
  function clock(seconds) {
    const s = Math.max(0, Math.round(seconds));
    const pad = (n) => String(n).padStart(2, "0");
    return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  }
  const short = (text) => (text ? String(text).slice(0, 5) : "");
  // ?now=HH:MM starts the page's clock at that time (demos); it then runs with the real one.
  const OFFSET = params.get("now") ? parseClock(params.get("now")) - secondsOfDay(new Date()) : 0;
  const nowS = () => secondsOfDay(new Date()) + OFFSET;

  // ------------------------------------------------------------------ storage

  function load(key, fallback) {
    try {
      const value = JSON.parse(localStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }
  const save = (key, value) => localStorage.setItem(key, JSON.stringify(value));

  /** The day as the page knows it: accounts, the rest of the route, what was done. */
  let day = load(DAY_STORAGE, null);
  const saveDay = () => save(DAY_STORAGE, day);
  const queue = () => load(QUEUE_STORAGE, []);

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
  }

  // ------------------------------------------------------------------ API access

  const apiKey = () => $("api-key").value.trim();

  class HttpError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  async function api(path, body) {
    const headers = apiKey() ? { "X-API-Key": apiKey() } : {};
    const init = { headers };
    if (body !== undefined) {
      init.method = "POST";
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init); // throws TypeError when offline
    if (!response.ok) {
      let detail = `${response.status} ${response.statusText}`;
      try {
        detail = (await response.json()).detail || detail;
      } catch (e) { /* not a JSON error body */ }
      throw new HttpError(response.status, detail);
    }
    return response.json();
  }

  function setStatus(text, state) {
    $("status").textContent = text;
    if (state) document.body.dataset.state = state;
  }

  function showQueue() {
    const n = queue().length;
    $("queue").hidden = n === 0;
    $("queue").textContent = n ? `${n} check-in${n > 1 ? "s" : ""} waiting for signal` : "";
    document.body.dataset.queued = String(n);
  }

  // ------------------------------------------------------------------ loading the day

  function accountsOf(request) {
    if (request && Array.isArray(request.requests)) {
      const mine = request.requests.find((r) => (r.reps || []).some((p) => p.id === REP));
      return mine ? mine.accounts : [];
    }
    return (request && request.accounts) || [];
  }

  async function fetchDay() {
    const job = await api(`/v1/jobs/${encodeURIComponent(JOB)}/map`);
    let plan = job.result;
    if (DATE) {
      plan = await api(`/v1/jobs/${encodeURIComponent(JOB)}/days/${DATE}?rep_id=${encodeURIComponent(REP)}`);
    } else if (!plan || !Array.isArray(plan.routes)) {
      plan = await api(`/v1/jobs/${encodeURIComponent(JOB)}/results/${encodeURIComponent(REP)}`);
    }
    const route = (plan.routes || []).find((r) => r.rep_id === REP);
    if (!route) throw new Error(`Rep ${REP} has no route in job ${JOB}.`);
    const accounts = {};
    for (const a of accountsOf(job.request)) {
      accounts[a.id] = { name: a.name || null, address: addressText(a.address), windows: a.windows || [] };
    }
    const query = `rep_id=${encodeURIComponent(REP)}${DATE ? `&date=${DATE}` : ""}`;
    const checkins = await api(`/v1/jobs/${encodeURIComponent(JOB)}/checkins?${query}`);
    const done = [], skipped = {};
    let position = route.stops[0].location;
    for (const c of checkins.checkins) {
      if (c.status === "done") done.push(c.account_id);
      else skipped[c.account_id] = c.reason;
    }
    day = { route, unassigned: plan.unassigned || [], accounts, done, skipped, position, arrivals: {} };
    for (const id of done.concat(Object.keys(skipped))) {
      const stop = route.stops.find((s) => s.account_id === id);
      if (stop && stop.location) position = stop.location;
    }
    day.position = position;
    saveDay();
  }

  function addressText(address) {
    if (!address) return null;
    if (typeof address === "string") return address;
    return [address.street, address.housenumber, address.postcode, address.city]
      .filter(Boolean).join(" ") || null;
  }

  // ------------------------------------------------------------------ drawing

  const map = L.map("map", { zoomControl: true, attributionControl: false });
  const layer = L.layerGroup().addTo(map);

  function navLink(location) {
    const where = `${location.lat},${location.lon}`;
    const android = /Android/i.test(navigator.userAgent);
    const href = android
      ? `geo:${where}?q=${where}`
      : `https://www.google.com/maps/dir/?api=1&destination=${encodeURIComponent(where)}`;
    return el("a", { class: "nav", href, target: "_blank", rel: "noopener" }, "Navigate");
  }

  function windowText(windows) {
    return windows.length ? windows.map((w) => `${short(w.start)}–${short(w.end)}`).join(", ") : "any time";
  }

  function render() {
    const list = $("stops");
    list.replaceChildren();
    layer.clearLayers();
    if (!day) return;
    const handled = new Set(day.done.concat(Object.keys(day.skipped)));
    const visits = day.route.stops.filter((s) => s.type === "visit" && !handled.has(s.account_id));
    $("title").textContent = `Today · ${REP}`;
    visits.forEach((stop, i) => {
      const info = day.accounts[stop.account_id] || { name: null, address: null, windows: [] };
      const arrived = day.arrivals[stop.account_id] !== undefined;
      const item = el("li", { class: i === 0 ? "stop next" : "stop", "data-account": stop.account_id },
        el("div", { class: "head" },
          el("span", { class: "n" }, `${i + 1}.`),
          el("span", { class: "name" }, info.name || stop.account_id)),
        el("div", { class: "when" },
          `Arrive ${short(stop.arrival)} · window ${windowText(info.windows)}`),
        info.address ? el("div", { class: "where" }, info.address) : null);
      if (i === 0) {
        const actions = el("div", { class: "actions" });
        if (stop.location) actions.append(navLink(stop.location));
        const main = el("button", { type: "button", class: "done" }, arrived ? "Done" : "Arrived");
        main.addEventListener("click", () => (arrived ? checkIn(stop, "done") : arrive(stop)));
        const reason = el("select", { class: "reason", "aria-label": "skip reason" },
          ["closed", "refused", "postponed"].map((r) => el("option", { value: r }, r)));
        const skip = el("button", { type: "button", class: "skip" }, "Skip");
        skip.addEventListener("click", () => checkIn(stop, "skipped", reason.value));
        actions.append(main, reason, skip);
        item.append(actions);
      }
      list.append(item);
    });
    if (!visits.length) list.append(el("li", { class: "stop" }, "No more visits today."));
    const end = day.route.stops[day.route.stops.length - 1];
    if (end && end.type === "end") {
      list.append(el("li", { class: "stop end" }, `Day ends ${short(end.arrival)}`));
    }
    const leftOut = day.unassigned.filter((u) => !handled.has(u.account_id) || day.skipped[u.account_id]);
    $("left-out").hidden = leftOut.length === 0;
    $("unassigned").replaceChildren(...leftOut.map((u) => el("li", {}, `${u.account_id}: ${u.reason} — ${u.detail}`)));
    $("done-section").hidden = day.done.length === 0;
    $("done").replaceChildren(...day.done.map((id) => el("li", {}, (day.accounts[id] || {}).name || id)));
    drawMap(visits);
  }

  function drawMap(visits) {
    const points = [];
    if (day.position && day.position.lat !== undefined) {
      points.push([day.position.lat, day.position.lon]);
      L.circleMarker(points[0], { radius: 9, color: "#0b3d2e", fillOpacity: 1 }).addTo(layer);
    }
    visits.forEach((stop, i) => {
      if (!stop.location || stop.location.lat === undefined) return;
      const p = [stop.location.lat, stop.location.lon];
      points.push(p);
      L.circleMarker(p, { radius: 8, color: i === 0 ? "#c62828" : "#1565c0", fillOpacity: 0.9 })
        .bindTooltip(`${i + 1}`, { permanent: true, direction: "top" }).addTo(layer);
    });
    const line = day.route.geometry && day.route.geometry.coordinates;
    if (line && line.length > 1) {
      L.polyline(line.map(([lon, lat]) => [lat, lon]), { color: "#1565c0", weight: 4 }).addTo(layer);
    } else if (points.length > 1) {
      L.polyline(points, { color: "#1565c0", weight: 4, dashArray: "6 6" }).addTo(layer);
    }
    if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.2), { maxZoom: 16 });
  }

  // ------------------------------------------------------------------ check-ins

  function arrive(stop) {
    day.arrivals[stop.account_id] = nowS();
    saveDay();
    render();
  }

  async function checkIn(stop, status, reason) {
    const now = nowS();
    const arrival = status === "done" ? day.arrivals[stop.account_id] ?? now : now;
    const checkin = { id: newId(), rep_id: REP, account_id: stop.account_id, status, arrival: clock(arrival) };
    if (status === "done") checkin.departure = clock(Math.max(now, arrival));
    else checkin.reason = reason;
    if (DATE) checkin.date = DATE;
    save(QUEUE_STORAGE, queue().concat([{ job: JOB, checkin }]));
    if (status === "done") day.done.push(stop.account_id);
    else day.skipped[stop.account_id] = reason;
    if (stop.location) day.position = stop.location;
    saveDay();
    render();
    showQueue();
    await sync();
  }

  /** Send the queued check-ins, oldest first; stop at the first one without signal. */
  async function flush() {
    for (const item of queue()) {
      try {
        await api(`/v1/jobs/${encodeURIComponent(item.job)}/checkins`, item.checkin);
      } catch (error) {
        if (!(error instanceof HttpError)) return false; // no signal: keep it queued
        setStatus(`Check-in refused: ${error.message}`, "error");
      }
      save(QUEUE_STORAGE, queue().filter((q) => q.checkin.id !== item.checkin.id));
      showQueue();
    }
    return true;
  }

  async function replan(extraS) {
    const body = {
      job_id: JOB, rep_id: REP, position: day.position, now: clock(nowS() + (extraS || 0)),
      done: day.done, skipped: Object.entries(day.skipped).map(([account_id, reason]) => ({ account_id, reason })),
    };
    if (DATE) body.date = DATE;
    const result = await api("/v1/day-plans/replan", body);
    const route = result.routes.find((r) => r.rep_id === REP);
    const handled = day.done.concat(Object.keys(day.skipped));
    // The re-planned route holds the rest; keep the handled stops for the done list.
    day.route = { ...route, stops: route.stops };
    day.unassigned = result.unassigned.filter((u) => u.reason !== "ALREADY_VISITED" || !handled.includes(u.account_id));
    day.changed = result.changed_stops;
    day.moved = (result.postponed_to || []).map((v) => `${v.account_id} → ${v.date}`);
    saveDay();
  }

  async function sync(extraS) {
    if (!navigator.onLine) {
      offline();
      return;
    }
    setStatus("Sending…", "busy");
    try {
      if (!(await flush())) return offline();
      await replan(extraS);
      document.body.dataset.online = "true";
      render();
      setStatus(`Re-planned at ${short(clock(nowS()))}` +
        (day.changed ? ` · ${day.changed} stop(s) changed` : " · order kept") +
        (day.moved && day.moved.length ? ` · postponed: ${day.moved.join(", ")}` : ""), "ready");
    } catch (error) {
      if (!(error instanceof HttpError)) return offline();
      render();
      setStatus(`Re-plan failed: ${error.message}`, "error");
    }
  }

  function offline() {
    document.body.dataset.online = "false";
    setStatus("Offline: showing the last plan; check-ins are kept on this phone.", "offline");
    showQueue();
  }

  // ------------------------------------------------------------------ start

  $("api-key").value = localStorage.getItem(KEY_STORAGE) || "";
  $("api-key").addEventListener("change", () => localStorage.setItem(KEY_STORAGE, apiKey()));
  $("late").addEventListener("click", () => sync(60 * Number($("late-minutes").value)));
  window.addEventListener("online", () => sync());
  window.addEventListener("offline", offline);
  // Some phones miss the "online" event: retry queued check-ins every 10 seconds too.
  setInterval(() => {
    if (queue().length && navigator.onLine && document.body.dataset.state !== "busy") sync();
  }, 10000);

  async function start() {
    if (!JOB || !REP) {
      setStatus("Open this page as /today?job=<job id>&rep=<rep id>.", "error");
      return;
    }
    showQueue();
    try {
      if (queue().length) await flush();
      await fetchDay();
      render();
      setStatus(`${REP}: ${day.route.totals.visits} visits planned`, "ready");
    } catch (error) {
      if (day && !(error instanceof HttpError)) {
        render();
        offline();
      } else {
        setStatus(`Could not load the day: ${error.message}`, "error");
      }
    }
  }
  start();
})();
