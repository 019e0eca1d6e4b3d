// fieldroute map page: draws a day plan, a visit schedule (day by day, with a date
// picker) or a territory plan over the road network.
//
// Base layer: the prepared road network (GET /map/roads/{name}.geojson) on a canvas.
// Plans come from a job (GET /v1/jobs/{id} until it is finished, then
// GET /v1/jobs/{id}/map for request + result) or from JSON pasted into the panel.
// Overlays use an SVG renderer so that each stop, route and polygon is a DOM element
// with a class (fr-stop, fr-route, fr-unassigned, fr-territory, fr-account, fr-home).
//
// Every string from a request or a result (ids, names, addresses, reasons, details)
// comes from a CRM or a user: it is only ever put into the page as text (DOM nodes made
// by el() / text(), textContent), never as HTML. Leaflet's tooltips, popups and
// divIcons are given DOM elements, not HTML strings. The page is served with a
// Content-Security-Policy that forbids inline script.
"use strict";

(function () {
  const PALETTE = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
    "#8c564b", "#e377c2", "#bcbd22", "#393b79", "#637939", "#843c39",
  ];
  const KEY_STORAGE = "fieldroute.apiKey";
  const ATTRIBUTION = "Roads © OpenStreetMap contributors (ODbL)";

  const $ = (id) => document.getElementById(id);
  const map = L.map("map", { preferCanvas: true, zoomSnap: 0.25 });
  map.setView([0, 0], 2);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  const svg = L.svg({ padding: 0.5 });
  const roadsLayer = L.layerGroup().addTo(map);
  const planLayer = L.layerGroup().addTo(map);
  let roadsName = null;
  let roadsBounds = null;
  let planShown = false; // a plan was drawn: the empty page's status must not replace it

  // ------------------------------------------------------------------ small helpers

  /** Create an element with text children (never HTML strings: names come from users). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "style") node.style.cssText = v;
      else node.setAttribute(k, v);
    });
    children.flat(Infinity).forEach((c) => {
      if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    });
    return node;
  }

  /** A <span> holding the parts as text: what Leaflet tooltips and icons are given. */
  function text(...parts) {
    return el("span", {}, ...parts);
  }

  function setStatus(message, state) {
    const status = $("status");
    status.textContent = message;
    status.className = state === "error" ? "error" : "";
    if (state) document.body.dataset.state = state;
  }

  function hours(seconds) {
    const minutes = Math.round(seconds / 60);
    return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}`;
  }

  const km = (metres) => (metres / 1000).toFixed(1);
  const pct = (fraction) => `${(100 * fraction).toFixed(1)}%`;
  const isGeo = (loc) => loc && typeof loc.lat === "number" && typeof loc.lon === "number";
  const latLng = (loc) => [loc.lat, loc.lon];

  function definitionList(rows) {
    return el("dl", { class: "fr-popup" },
      rows.filter(([, v]) => v !== null && v !== undefined && v !== "")
        .map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  }

  function table(headers, rows) {
    return el("table", {},
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c) => el("td", {}, c))))));
  }

  function swatch(color) {
    return el("span", { class: "swatch", style: `background:${color}` });
  }

  // ------------------------------------------------------------------ API access

  function apiKey() {
    return $("api-key").value.trim();
  }

  async function api(path, asBlob) {
    const headers = apiKey() ? { "X-API-Key": apiKey() } : {};
    const response = await fetch(path, { headers });
    if (!response.ok) {
      let detail = `${response.status} ${response.statusText}`;
      try {
        detail = (await response.json()).detail || detail;
      } catch (e) { /* not a JSON error body */ }
      throw new Error(detail);
    }
    return asBlob ? response.blob() : response.json();
  }

  /** A link that downloads an authenticated export (a plain href would lack the key). */
  function downloadLink(label, path, filename) {
    const link = el("a", { href: path }, label);
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      try {
        const url = URL.createObjectURL(await api(path, true));
        const save = el("a", { href: url, download: filename });
        document.body.append(save);
        save.click();
        save.remove();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
      } catch (error) {
        setStatus(`Export failed: ${error.message}`, "error");
      }
    });
    return link;
  }

  // ------------------------------------------------------------------ base layer

  let roadsLoading = null; // {name, promise} of the road layer being fetched

  /** Draw the road network `name` as the base layer (once; concurrent calls share a fetch). */
  function loadRoads(name) {
    if (!name || name === roadsName) return Promise.resolve();
    if (roadsLoading && roadsLoading.name === name) return roadsLoading.promise;
    const promise = (async () => {
      const response = await fetch(`/map/roads/${encodeURIComponent(name)}.geojson`);
      if (!response.ok) throw new Error(`no road network '${name}' on this service`);
      const data = await response.json();
      roadsLayer.clearLayers();
      L.geoJSON(data, {
        style: { color: "#a0a0a0", weight: 1, opacity: 0.9 },
        interactive: false,
        attribution: ATTRIBUTION,
      }).addTo(roadsLayer);
      map.attributionControl.addAttribution(ATTRIBUTION);
      roadsName = name;
      const [w, s, e, n] = data.bbox;
      roadsBounds = L.latLngBounds([s, w], [n, e]);
    })().finally(() => {
      if (roadsLoading && roadsLoading.promise === promise) roadsLoading = null;
    });
    roadsLoading = { name, promise };
    return promise;
  }

  // ------------------------------------------------------------------ input places

  /** Coordinates and names of accounts and reps from a request (results omit them). */
  function placesOf(request) {
    const accounts = {};
    const reps = {};
    ((request && request.accounts) || []).forEach((a) => { accounts[a.id] = a; });
    ((request && request.reps) || []).forEach((r) => { reps[r.id] = r.home || r.start; });
    return { accounts, reps };
  }

  // ------------------------------------------------------------------ day plan

  /** `?date=` of a schedule day's exports ("" for a day plan). */
  function dayQuery(plan, sep) {
    return plan.scheduleDate ? `${sep}date=${encodeURIComponent(plan.scheduleDate)}` : "";
  }

  function drawDayPlan(plan, places, jobId) {
    const bounds = L.latLngBounds([]);
    const routeRows = [];
    const currency = plan.currency || "";
    const money = (amount) => `${amount.toFixed(2)} ${currency}`.trim();
    plan.routes.forEach((route, r) => {
      const color = PALETTE[r % PALETTE.length];
      const geoStops = route.stops.filter((s) => isGeo(s.location));
      const coords = route.geometry && route.geometry.coordinates;
      const line = coords && coords.length >= 2
        ? coords.map(([lon, lat]) => [lat, lon])
        : geoStops.map((s) => latLng(s.location));
      if (line.length >= 2) {
        L.polyline(line, { renderer: svg, color, weight: 4, opacity: 0.8, className: "fr-route" })
          .bindTooltip(text(`${route.rep_id}: ${route.totals.visits} visits`), { sticky: true })
          .addTo(planLayer);
        line.forEach((p) => bounds.extend(p));
      }
      let number = 0;
      route.stops.forEach((stop) => {
        if (!isGeo(stop.location)) return;
        const where = latLng(stop.location);
        bounds.extend(where);
        if (stop.type === "visit") {
          number += 1;
          const account = places.accounts[stop.account_id] || {};
          const marker = L.marker(where, {
            icon: L.divIcon({ className: "fr-stop", html: text(number), iconSize: [24, 24] }),
            title: `${route.rep_id} · ${number}. ${account.name || stop.account_id}`,
            riseOnHover: true,
          }).bindPopup(definitionList([
            ["Visit", `${number}. ${account.name || stop.account_id}`],
            ["Account", stop.account_id],
            ["Rep", route.rep_id],
            ["Arrival", stop.arrival],
            ["Start", stop.start],
            ["Departure", stop.departure],
            ["Wait", stop.wait_s ? hours(stop.wait_s) : null],
            ["Drive", `${stop.drive_start ? `from ${stop.drive_start}, ` : ""}` +
              `${hours(stop.travel_s)}, ${km(stop.distance_m)} km`],
            ["Address", account.address],
          ])).addTo(planLayer);
          marker.getElement().style.background = color;
          marker.getElement().dataset.rep = route.rep_id;
        } else if (stop.type === "start" || stop.type === "end") {
          L.marker(where, {
            icon: L.divIcon({ className: "fr-depot", iconSize: [12, 12] }),
            title: `${route.rep_id} ${stop.type}`,
          }).bindPopup(definitionList([
            ["Rep", route.rep_id],
            [stop.type === "start" ? "Leaves" : "Arrives", stop.type === "start" ? stop.departure : stop.arrival],
          ])).addTo(planLayer);
        }
      });
      const t = route.totals;
      const last = route.stops[route.stops.length - 1];
      routeRows.push([
        el("span", {}, swatch(color), route.rep_id), t.visits, hours(t.drive_s), hours(t.wait_s),
        route.day_end || (last ? last.arrival : ""), km(t.distance_m), money(t.cost),
        el("span", { class: "nav", "data-rep": route.rep_id }),
        el("span", { class: "rep-ics", "data-rep": route.rep_id }),
      ]);
    });

    const unassignedItems = plan.unassigned.map((u) => {
      const account = places.accounts[u.account_id] || {};
      const loc = isGeo(u.location) ? u.location : account.location;
      if (isGeo(loc)) {
        L.circleMarker(latLng(loc), {
          renderer: svg, radius: 6, color: "#666", weight: 1, fillColor: "#bdbdbd",
          fillOpacity: 0.9, className: "fr-unassigned",
        }).bindPopup(definitionList([
          ["Unassigned", account.name || u.account_id],
          ["Reason", u.reason],
          ["Why", u.detail],
        ])).addTo(planLayer);
        bounds.extend(latLng(loc));
      }
      return el("li", {}, el("b", {}, u.account_id), ` ${u.reason}: ${u.detail}`);
    });

    const s = plan.summary;
    const dayEnds = plan.routes.map((r) => r.day_end).filter(Boolean).sort();
    $("summary").replaceChildren(
      el("h2", {}, plan.scheduleDate ? `Visit schedule, ${plan.date}` : `Day plan ${plan.date}`,
        plan.network ? ` · ${plan.network}` : ""),
      table(["", ""], [
        ["Visits", s.visits], ["Unassigned", s.unassigned], ["Drive", hours(s.drive_s)],
        ["Idle (waiting)", hours(s.wait_s)], ["Visiting", hours(s.visit_s)],
        ["Last day ends", dayEnds.length ? dayEnds[dayEnds.length - 1] : null],
        ["Distance", `${km(s.distance_m)} km`], ["Travel cost", money(s.cost)],
      ]));
    const routesTable = table(
      ["Rep", "Visits", "Drive", "Idle", "Day ends", "km", `Cost (${currency})`, "Navigate", "Day"],
      routeRows);
    const details = [el("h2", {}, "Routes"), routesTable];
    if (jobId) {
      const base = `/v1/jobs/${encodeURIComponent(jobId)}`;
      routesTable.querySelectorAll("span.rep-ics").forEach((cell) => {
        const rep = cell.dataset.rep;
        cell.append(downloadLink("ics",
          `${base}/calendar.ics?rep_id=${encodeURIComponent(rep)}${dayQuery(plan, "&")}`,
          `fieldroute-${plan.date}-${rep}.ics`));
        if (plan.scheduleDate) {
          cell.append(" ", downloadLink("all days",
            `${base}/calendar.ics?rep_id=${encodeURIComponent(rep)}`,
            `fieldroute-schedule-${rep}.ics`));
        }
      });
      details.push(el("p", { class: "exports" }, "Export: ",
        downloadLink("calendar (.ics)", `${base}/calendar.ics${dayQuery(plan, "?")}`,
          `fieldroute-${plan.date}.ics`),
        downloadLink("GPX", `${base}/route.gpx${dayQuery(plan, "?")}`,
          `fieldroute-${plan.date}.gpx`)));
      api(`${base}/links${dayQuery(plan, "?")}`).then((links) => {
        links.routes.forEach((route) => {
          const cell = routesTable.querySelector(`span.nav[data-rep="${CSS.escape(route.rep_id)}"]`);
          if (!cell) return;
          const legs = route.navigation.length;
          route.navigation.forEach((url, i) => {
            cell.append(el("a", {
              href: url, target: "_blank", rel: "noopener", title: `leg ${i + 1} of ${legs}`,
            }, legs > 1 ? String(i + 1) : "open"), " ");
          });
        });
      }).catch(() => { /* links are a convenience */ });
    }
    if (unassignedItems.length) {
      details.push(el("h2", {}, `Unassigned (${unassignedItems.length})`),
        el("ul", { class: "unassigned" }, unassignedItems));
    }
    $("details").replaceChildren(...details);
    return bounds;
  }

  // ------------------------------------------------------------------ visit schedule

  const WEEKDAY = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  let scheduleShown = null; // {result, places, jobId} of the schedule on the page

  /** One date of a schedule as a day plan (the routes are day-plan routes). */
  function scheduleDay(result, date) {
    const day = result.days.find((d) => d.date === date) || { date, routes: [] };
    const totals = day.routes.map((r) => r.totals);
    const sum = (key) => totals.reduce((acc, t) => acc + (t[key] || 0), 0);
    const missing = (result.unassigned || []).map((u) => ({
      account_id: u.account_id, reason: u.reason, detail: u.detail,
    }));
    return {
      date, scheduleDate: date, network: result.network, routes: day.routes,
      unassigned: missing,
      summary: {
        visits: sum("visits"), unassigned: missing.length, drive_s: sum("drive_s"),
        distance_m: sum("distance_m"), visit_s: sum("visit_s"), wait_s: sum("wait_s"),
        break_s: sum("break_s"), cost: sum("cost"),
      },
    };
  }

  function drawScheduleDay(date) {
    const { result, places, jobId } = scheduleShown;
    planLayer.clearLayers();
    const bounds = drawDayPlan(scheduleDay(result, date), places, jobId);
    const t = result.summary.total;
    $("summary").append(
      el("h2", {}, "Whole horizon"),
      table(["", ""], [
        ["Days", result.days.length],
        ["Visits planned / requested",
          `${result.summary.visits_planned} / ${result.summary.visits_requested}`],
        ["Drive", hours(t.drive_s)], ["Distance", `${km(t.distance_m)} km`],
        ["Drive share", pct(t.drive_share)], ["Travel cost", t.cost.toFixed(2)],
      ]),
      el("h2", {}, "Per rep and week"),
      table(["Rep", "Week", "Visits", "Drive", "km", "Drive share"],
        result.summary.per_rep_week.map((k) => [
          k.rep_id, k.week, k.visits, hours(k.drive_s), km(k.distance_m), pct(k.drive_share),
        ])));
    document.body.dataset.date = date;
    return bounds;
  }

  function showSchedule(result, places, jobId) {
    scheduleShown = { result, places, jobId };
    const select = $("schedule-date");
    select.replaceChildren(...result.days.map((d) => {
      const visits = d.routes.reduce((acc, r) => acc + r.totals.visits, 0);
      const weekday = WEEKDAY[new Date(`${d.date}T12:00:00Z`).getUTCDay()];
      return el("option", { value: d.date }, `${d.date} ${weekday} · ${visits} visits`);
    }));
    $("schedule-nav").hidden = false;
    const first = result.days.find((d) => d.routes.some((r) => r.totals.visits)) || result.days[0];
    if (first) select.value = first.date;
    return drawScheduleDay(select.value);
  }

  function pickDay(step) {
    if (!scheduleShown) return;
    const select = $("schedule-date");
    const index = select.selectedIndex + step;
    if (step && (index < 0 || index >= select.options.length)) return;
    if (step) select.selectedIndex = index;
    const bounds = drawScheduleDay(select.value);
    // no zoom animation: the day is shown at once, whole (and a screenshot never catches
    // the map between two days)
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], animate: false });
    setStatus(`Visit schedule: ${select.value}`, "ready");
  }

  $("schedule-date").addEventListener("change", () => pickDay(0));
  $("schedule-prev").addEventListener("click", () => pickDay(-1));
  $("schedule-next").addEventListener("click", () => pickDay(1));

  // ------------------------------------------------------------------ territories

  function drawTerritories(plan, places) {
    const bounds = L.latLngBounds([]);
    const colors = {};
    const numbers = {}; // a rep's number (1, 2, ...): the label of its home marker
    plan.territories.forEach((t, i) => {
      colors[t.rep_id] = PALETTE[i % PALETTE.length];
      numbers[t.rep_id] = i + 1;
    });
    plan.territories.forEach((t) => {
      if (!t.polygon) return;
      const layer = L.geoJSON(t.polygon, {
        renderer: svg, className: "fr-territory", color: colors[t.rep_id], weight: 2,
        fillColor: colors[t.rep_id], fillOpacity: 0.12,
      }).bindTooltip(text(`${t.rep_id}: ${t.accounts} accounts`), { sticky: true })
        .addTo(planLayer);
      bounds.extend(layer.getBounds());
    });
    const movedFrom = {};
    (plan.moves || []).forEach((m) => { movedFrom[m.account_id] = m.from_rep; });
    Object.entries(plan.assignment).forEach(([accountId, repId]) => {
      const account = places.accounts[accountId];
      if (!account || !isGeo(account.location)) return;
      L.circleMarker(latLng(account.location), {
        renderer: svg, radius: 5, color: "#fff", weight: 1, fillColor: colors[repId],
        fillOpacity: 0.95, className: "fr-account",
      }).bindPopup(definitionList([
        ["Account", account.name || accountId],
        ["Rep", repId],
        ["Moved from", movedFrom[accountId]],
        ["Visits / 4 weeks", account.visits_per_4_weeks],
      ])).addTo(planLayer);
      bounds.extend(latLng(account.location));
    });
    (plan.unassigned || []).forEach((u) => {
      const account = places.accounts[u.account_id];
      if (!account || !isGeo(account.location)) return;
      L.circleMarker(latLng(account.location), {
        renderer: svg, radius: 5, color: "#666", weight: 1, fillColor: "#bdbdbd",
        fillOpacity: 0.9, className: "fr-unassigned",
      }).bindPopup(definitionList([["Unassigned", u.account_id], ["Reason", u.reason],
        ["Why", u.detail]])).addTo(planLayer);
      bounds.extend(latLng(account.location));
    });
    Object.entries(places.reps).forEach(([repId, home]) => {
      if (!isGeo(home)) return;
      // ids often share a prefix ("rep-1", "rep-2"): label homes by the rep's number,
      // which the territory table shows next to the rep's id
      const number = numbers[repId];
      const marker = L.marker(latLng(home), {
        icon: L.divIcon({
          className: "fr-home", html: text(number === undefined ? "?" : number), iconSize: [22, 22],
        }),
        title: `${number === undefined ? "" : `${number}. `}${repId} (home)`,
      }).bindPopup(definitionList([["Home of rep", repId], ["Rep number", number]]))
        .addTo(planLayer);
      marker.getElement().style.background = colors[repId] || "#444";
      marker.getElement().dataset.rep = repId;
      bounds.extend(latLng(home));
    });

    const s = plan.summary;
    $("summary").replaceChildren(
      el("h2", {}, "Territory plan", plan.network ? ` · ${plan.network}` : ""),
      table(["", ""], [
        ["Balanced on", s.metric], ["Largest deviation", pct(s.max_deviation)],
        ["Within tolerance", s.within_tolerance ? "yes" : "no"],
        ["Drive per week", `${s.total_drive_h_per_week.toFixed(1)} h`], ["Moves", s.moves],
      ]),
      el("ul", { class: "unassigned" }, (s.explanation || []).map((line) => el("li", {}, line))));
    $("details").replaceChildren(...[
      el("h2", {}, "Territories (per week)"),
      table(["#", "Rep", "Accts", "Work h", "Drive h", "km", "Util.", "Dev."],
        plan.territories.map((t) => [
          numbers[t.rep_id], el("span", {}, swatch(colors[t.rep_id]), t.rep_id), t.accounts,
          t.workload_h_per_week.toFixed(1), t.drive_h_per_week.toFixed(1),
          t.drive_km_per_week.toFixed(0), pct(t.utilisation), pct(t.deviation),
        ])),
      (plan.unassigned || []).length
        ? [el("h2", {}, `Unassigned (${plan.unassigned.length})`),
          el("ul", { class: "unassigned" }, plan.unassigned.map((u) => el("li", {},
            el("b", {}, u.account_id), ` ${u.reason}: ${u.detail}`)))]
        : [],
    ].flat());
    return bounds;
  }

  // ------------------------------------------------------------------ loading

  /** Draw a plan: a response, a job body or {request, result}. */
  async function render(doc, jobId) {
    const result = doc.result || doc;
    const request = doc.request || null;
    const kind = result.routes ? "day-plan"
      : result.territories ? "territories"
        : result.days && result.visits ? "visit-schedule" : null;
    if (!kind) {
      throw new Error("this JSON is neither a day plan, a visit schedule nor a territory plan");
    }
    const network = result.network || (request && request.network);
    try {
      await loadRoads(network);
    } catch (error) {
      console.warn(error);
    }
    planLayer.clearLayers();
    const places = placesOf(request);
    scheduleShown = null;
    $("schedule-nav").hidden = kind !== "visit-schedule";
    const bounds = kind === "day-plan" ? drawDayPlan(result, places, jobId)
      : kind === "visit-schedule" ? showSchedule(result, places, jobId)
        : drawTerritories(result, places);
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
    else if (roadsBounds) map.fitBounds(roadsBounds);
    document.body.dataset.kind = kind;
    planShown = true;
    const note = bounds.isValid() ? "" : ": nothing to draw (no coordinates, e.g. a matrix plan)";
    setStatus((jobId ? `Job ${jobId} (${kind})` : `Pasted ${kind}`) + note, "ready");
  }

  async function loadJob(jobId) {
    setStatus(`Loading job ${jobId}…`, "loading");
    for (;;) {
      const job = await api(`/v1/jobs/${encodeURIComponent(jobId)}`);
      if (job.status === "succeeded") break;
      if (job.status === "failed" || job.status === "cancelled") {
        throw new Error(`job ${job.status}${job.error ? `: ${job.error.detail}` : ""}`);
      }
      setStatus(`Job ${job.status}, ${Math.round(100 * job.progress)}% done…`, "loading");
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await render(await api(`/v1/jobs/${encodeURIComponent(jobId)}/map`), jobId);
  }

  function fail(error) {
    setStatus(error.message || String(error), "error");
  }

  $("api-key").value = localStorage.getItem(KEY_STORAGE) || "";
  $("api-key").addEventListener("change", () => localStorage.setItem(KEY_STORAGE, apiKey()));
  $("job-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const jobId = $("job-id").value.trim();
    if (!jobId) return;
    localStorage.setItem(KEY_STORAGE, apiKey());
    history.replaceState(null, "", `?job=${encodeURIComponent(jobId)}`);
    loadJob(jobId).catch(fail);
  });
  $("show-json").addEventListener("click", () => {
    let doc;
    try {
      doc = JSON.parse($("plan-json").value);
    } catch (error) {
      fail(new Error(`not valid JSON: ${error.message}`));
      return;
    }
    render(doc, null).catch(fail);
  });

  const params = new URLSearchParams(window.location.search);
  if (params.get("job")) {
    $("job-id").value = params.get("job");
    loadJob(params.get("job")).catch(fail);
  } else {
    fetch("/health").then((r) => r.json()).then(async (health) => {
      const name = params.get("network") || (health.networks || [])[0];
      if (!name) {
        if (!planShown) setStatus("No road network is prepared on this service.", "empty");
        return;
      }
      await loadRoads(name);
      if (planShown) return; // a plan was pasted while the roads loaded
      if (roadsBounds) map.fitBounds(roadsBounds);
      setStatus(`Roads of ${name}. Load a job or paste a plan.`, "empty");
    }).catch(fail);
  }
})();
