// attunement app: the sessions list, a session beside its video, and the model to explore.
// Plain JavaScript, no libraries. Text from the data is set with textContent, never as HTML.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const LEAD_S = 2;            // a marker seeks this many seconds before the moment
const main = document.getElementById("main");
let cleanup = [];            // handlers to remove when the view changes

// ------------------------------------------------------------------ small helpers
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}
function svg(tag, attrs) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}
async function api(path, options) {
  const response = await fetch(path, options);
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail; } catch (e) { /* not JSON */ }
    throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
  }
  return response.status === 204 ? null : response.json();
}
function clock(seconds) {
  const s = Math.max(0, seconds);
  const m = Math.floor(s / 60);
  return `${m}:${(s - 60 * m).toFixed(1).padStart(4, "0")}`;
}
function pct(x) { return x === null || x === undefined ? "–" : `${Math.round(100 * x)}%`; }
function secs(x) { return x === null || x === undefined ? "–" : (x < 10 ? `${x.toFixed(1)} s` : `${Math.round(x)} s`); }
function typing(event) { return ["INPUT", "TEXTAREA", "SELECT"].includes(event.target.tagName); }
function listen(target, type, handler) { target.addEventListener(type, handler); cleanup.push(() => target.removeEventListener(type, handler)); }
function fail(error) { main.replaceChildren(el("h1", { text: "Something went wrong" }), el("p", { text: error.message })); }

// ------------------------------------------------------------------ the timeline drawing
// rows: [{label, runs: [[onset, offset, name]], colours, height}] and markers; returns {node, setCursor}
function drawTimeline({ duration, rows, repairs = [], ruptures = [], episodes = [], leaders = {}, signals = [],
                        marks = [], onSeek = null, width = 1200 }) {
  const left = 110, right = 10, scale = (width - left - right) / Math.max(duration, 1e-9);
  const x = (t) => left + t * scale;
  let y = episodes.length ? 22 : 6;
  const node = svg("svg", { class: "timeline", viewBox: `0 0 ${width} 10`, role: "img",
                            "aria-label": "Timeline of both partners' states, matching, repairs and ruptures" });
  for (const ep of episodes) {
    node.append(svg("line", { x1: x(ep.onset_s), x2: x(ep.onset_s), y1: 0, y2: 20, stroke: "#9AA5B1" }));
    const t = svg("text", { x: x(ep.onset_s) + 4, y: 15, "font-size": 13 }); t.textContent = ep.name; node.append(t);
  }
  for (const row of rows) {
    const h = row.height || 28;
    const label = svg("text", { x: 4, y: y + h / 2 + 5, class: "lane-label" }); label.textContent = row.label;
    node.append(label);
    if (row.line) {  // a signal or a level: a step line between its lowest and highest value
      const [lo, hi] = row.range;
      const yy = (v) => y + h - 2 - ((v - lo) / Math.max(hi - lo, 1e-9)) * (h - 4);
      let d = "";
      row.line.t.forEach((t, i) => { d += `${i ? "L" : "M"}${x(t).toFixed(1)},${yy(row.line.v[i]).toFixed(1)}`; });
      node.append(svg("rect", { x: left, y, width: width - left - right, height: h, fill: "#F6F7F9" }));
      node.append(svg("path", { d, fill: "none", stroke: row.stroke || "#1F5FA8", "stroke-width": 1.5,
                                class: row.cls || "signal" }));
    } else {
      for (const [a, b, name] of row.runs) {
        const r = svg("rect", { x: x(a), y, width: Math.max(x(b) - x(a), 0.5), height: h,
                                fill: (row.colours && row.colours[name]) || "#B5B5B5", class: row.cls || "" });
        const tip = svg("title"); tip.textContent = `${row.label}: ${name} (${clock(a)}–${clock(b)})`; r.append(tip);
        node.append(r);
      }
    }
    y += h + 4;
  }
  const markerY = y + 12;
  if (repairs.length || ruptures.length || marks.length) {
    const label = svg("text", { x: 4, y: markerY + 5, class: "lane-label" }); label.textContent = "repairs";
    node.append(label);
    for (const r of ruptures) {
      const m = svg("path", { d: `M${x(r.time_s)},${markerY - 9}l-5,-8h10z`, fill: "#9AA5B1",
                              class: "marker rupture-marker", "data-time": r.time_s });
      const tip = svg("title"); tip.textContent = `moment out of step at ${clock(r.time_s)}`; m.append(tip);
      node.append(m);
    }
    for (const r of repairs) {
      const [colour, shape] = leaders[r.led_by] || ["#333333", "diamond"];
      const cx = x(r.time_s), s = 7;
      const m = shape === "circle" ? svg("circle", { cx, cy: markerY, r: s })
        : shape === "square" ? svg("rect", { x: cx - s, y: markerY - s, width: 2 * s, height: 2 * s })
        : svg("path", { d: `M${cx},${markerY - s - 2}l${s + 2},${s + 2}l-${s + 2},${s + 2}l-${s + 2},-${s + 2}z` });
      m.setAttribute("fill", colour);
      m.setAttribute("class", "marker repair-marker");
      m.setAttribute("data-time", r.time_s);
      const tip = svg("title");
      tip.textContent = `repair at ${clock(r.time_s)}, ${r.led_by === "joint" ? "both together" : "led by the " + r.led_by}`;
      m.append(tip);
      node.append(m);
    }
    for (const mk of marks) {
      const clip = mk.end_s !== undefined && mk.end_s !== null;
      if (clip) node.append(svg("rect", { x: x(mk.time_s), y: markerY + 11, width: Math.max(x(mk.end_s) - x(mk.time_s), 1),
                                          height: 4, fill: "#D9704F", class: "mark-clip" }));
      const m = svg("path", { d: `M${x(mk.time_s)},${markerY + 9}l-5,8h10z`, fill: "#D9704F",
                              class: "marker mark-marker", "data-time": mk.time_s });
      const tip = svg("title");
      tip.textContent = `your ${clip ? `clip ${clock(mk.time_s)}–${clock(mk.end_s)}` : `mark at ${clock(mk.time_s)}`}: ${mk.note}`;
      m.append(tip);
      node.append(m);
    }
    y = markerY + 22;
  }
  // time axis
  const step = [5, 10, 15, 30, 60, 120, 300, 600].find((s) => duration / s <= 12) || 1200;
  for (let t = 0; t <= duration + 1e-9; t += step) {
    node.append(svg("line", { x1: x(t), x2: x(t), y1: y, y2: y + 5, stroke: "#9AA5B1" }));
    const label = svg("text", { x: x(t), y: y + 18, "font-size": 12, "text-anchor": "middle", class: "lane-label" });
    label.textContent = clock(t).replace(/\.0$/, ""); node.append(label);
  }
  y += 24;
  const cursor = svg("line", { x1: left, x2: left, y1: 0, y2: y, stroke: "#C0392B", "stroke-width": 2, class: "cursor" });
  node.append(cursor);
  node.setAttribute("viewBox", `0 0 ${width} ${y}`);
  if (onSeek) {
    node.addEventListener("click", (event) => {
      const target = event.target.closest(".marker");
      if (target) { onSeek(Math.max(0, Number(target.dataset.time) - LEAD_S)); return; }
      const box = node.getBoundingClientRect();
      const t = ((event.clientX - box.left) * width / box.width - left) / scale;
      if (t >= 0 && t <= duration) onSeek(t);
    });
  }
  return { node, setCursor: (t) => { const cx = x(Math.min(Math.max(t, 0), duration)); cursor.setAttribute("x1", cx); cursor.setAttribute("x2", cx); } };
}

function legend(colours, partners, band = []) {
  const box = el("div", { class: "legend" });
  const item = (colour, text) => box.append(el("span", {}, el("span", { class: "swatch", "data-colour": colour }), text));
  for (const [name, colour] of Object.entries(colours.states || {})) item(colour, name);
  item(colours.band.matched, "in step");
  item(colours.band.mismatched, "out of step");
  const present = new Set(band.map((run) => run[2]));
  if (present.has("not scored")) item(colours.band["not scored"], "not scored (e.g. the still face)");
  if (present.has("excluded")) item(colours.band.excluded, "not coded or excluded");
  for (const p of partners) if (colours.leaders[p]) item(colours.leaders[p][0], `repair led by the ${p}`);
  if (colours.leaders.joint) item(colours.leaders.joint[0], "repair, both together");
  box.querySelectorAll(".swatch").forEach((s) => { s.style.background = s.dataset.colour; });
  return box;
}

function table(rows) {
  if (!rows.length) return el("p", { class: "quiet", text: "No rows." });
  const columns = Object.keys(rows[0]);
  const head = el("tr", {}, ...columns.map((c) => el("th", { text: c })));
  const body = rows.map((r) => el("tr", {}, ...columns.map((c) => {
    const v = r[c];
    return el("td", { text: v === null ? "" : (typeof v === "number" ? String(Math.round(v * 1e4) / 1e4) : String(v)) });
  })));
  return el("div", { class: "tablewrap" }, el("table", { class: "data" }, el("thead", {}, head), el("tbody", {}, ...body)));
}

// ------------------------------------------------------------------ a player: the video, or a clock without one
// Two videos (a camera on each partner): the first drives, the second follows its play, pause, seeks and rate,
// and is put back in step whenever it drifts more than DRIFT_S. Times are the codes' seconds: a video with
// offset_s shows the moment coded at t at t + offset_s of its own time.
const DRIFT_S = 0.1;
function makePlayer(view) {
  if (view.videos && view.videos.length) {
    const videos = view.videos.map((v, i) => el("video", {
      id: i ? `video-${i + 1}` : "video", class: i ? "follower" : "driver", controls: !i, muted: i > 0, preload: "auto",
      playsinline: true, src: v.url, "data-offset": v.offset_s, title: v.name }));
    const [driver, ...followers] = videos;
    const offsets = view.videos.map((v) => v.offset_s);
    const time = () => driver.currentTime - offsets[0];
    const place = (video, i, t) => {
      const at = Math.max(0, t + offsets[i]);
      video.currentTime = Number.isFinite(video.duration) ? Math.min(at, video.duration) : at;
    };
    const follow = () => followers.forEach((video, k) => {
      const i = k + 1, wanted = time() + offsets[i];
      if (wanted < 0 || (Number.isFinite(video.duration) && wanted > video.duration)) { video.pause(); return; }
      if (Math.abs(video.currentTime - wanted) > DRIFT_S) place(video, i, time());
      if (video.playbackRate !== driver.playbackRate) video.playbackRate = driver.playbackRate;
      if (!driver.paused && video.paused) video.play().catch(() => {});
      if (driver.paused && !video.paused) video.pause();
    });
    followers.forEach((video) => { video.muted = true; });
    for (const type of ["play", "pause", "seeking", "seeked", "timeupdate", "ratechange"]) driver.addEventListener(type, follow);
    const timer = setInterval(follow, 250);
    cleanup.push(() => clearInterval(timer));
    return { node: el("div", { class: videos.length > 1 ? "player two" : "player" }, ...videos), media: driver,
             get time() { return time(); },
             seek(t) { videos.forEach((video, i) => place(video, i, t)); },
             play() { return driver.play(); }, pause() { driver.pause(); }, get paused() { return driver.paused; },
             on(type, fn) { driver.addEventListener(type, fn); } };
  }
  // No video beside the codes: a clock plays the timeline on its own.
  let t = 0, playing = false, last = 0;
  const listeners = { timeupdate: [] };
  const shown = el("div", { class: "time", text: clock(0) });
  const emit = () => { shown.textContent = clock(t); listeners.timeupdate.forEach((fn) => fn()); };
  const tick = (now) => {
    if (!playing) return;
    t = Math.min(view.duration_s, t + (now - last) / 1000); last = now; emit();
    if (t >= view.duration_s) playing = false; else requestAnimationFrame(tick);
  };
  const player = {
    node: el("div", { class: "clock" }, el("p", { class: "quiet", text: "No video beside these codes: the timeline plays on its own clock." }), shown),
    media: null, get time() { return t; }, seek(s) { t = Math.min(Math.max(s, 0), view.duration_s); emit(); },
    play() { if (!playing) { playing = true; last = performance.now(); requestAnimationFrame(tick); } return Promise.resolve(); },
    pause() { playing = false; }, get paused() { return !playing; },
    on(type, fn) { (listeners[type] = listeners[type] || []).push(fn); },
  };
  return player;
}

// ------------------------------------------------------------------ views
async function showSessions() {
  const data = await api("/api/sessions");
  const cards = data.sessions.map((s) => el("a", { class: "card session-card", href: `#/session/${s.key}` },
    el("div", { class: "name", text: s.session }),
    el("div", { class: "meta", text: `${clock(s.duration_s).replace(/\.\d$/, "")} · ${s.source}` }),
    el("div", { class: "meta", text: [s.videos > 1 ? `${s.videos} videos` : s.has_video ? "video" : "no video", s.fitted ? "model fitted" : null].filter(Boolean).join(" · ") })));
  main.replaceChildren(
    el("h1", { text: `Sessions in ${data.folder}` }),
    cards.length ? el("div", { class: "cards" }, ...cards)
      : el("p", { text: "No coded sessions here yet. Put coded files (ELAN, BORIS, Datavyu, CSV…) in this folder, with each video beside its codes under the same name." }),
    data.problems.length ? el("div", { class: "problems" }, el("h2", { text: "Files that could not be shown" }),
      ...data.problems.map((p) => el("p", { text: p.message }))) : null,
    el("h2", { text: "Explore the model" }),
    el("p", {}, el("a", { class: "button", href: "#/explore", text: "Try what happens when she waits a little longer →" })));
}

async function showSession(key) {
  const view = await api(`/api/sessions/${key}`);
  let marks = (await api(`/api/sessions/${key}/marks`)).marks;
  const player = makePlayer(view);
  const timelineBox = el("div", { id: "timeline" });
  const now = el("span", { class: "now", text: clock(0) });
  let drawing = null;
  const seek = (t) => { player.seek(t); drawing.setCursor(t); now.textContent = clock(t); };
  const rows = () => {
    const out = view.partners.map((p) => ({ label: p, runs: view.lanes[p], colours: view.colours.states, cls: `lane lane-${p}` }));
    out.push({ label: "in step?", runs: view.band, colours: view.colours.band, height: 14, cls: "band" });
    for (const s of view.signals) {
      const lo = Math.min(...s.v), hi = Math.max(...s.v);
      out.push({ label: `${s.partner} ${s.signal}`, line: { t: s.t, v: s.v }, range: [lo, hi], height: 30,
                 stroke: (view.colours.leaders[s.partner] || ["#1F5FA8"])[0] });
    }
    return out;
  };
  const redraw = () => {
    drawing = drawTimeline({ duration: view.duration_s, rows: rows(), repairs: view.repairs, ruptures: view.ruptures,
                             episodes: view.episodes, leaders: view.colours.leaders, marks, onSeek: seek });
    timelineBox.replaceChildren(drawing.node);
    drawing.setCursor(player.time);
  };
  const follow = () => { drawing.setCursor(player.time); now.textContent = clock(player.time); };
  player.on("timeupdate", follow);
  player.on("seeked", follow);
  const jump = (list, direction) => {
    const targets = list.map((r) => Math.max(0, r.time_s - LEAD_S));
    const t = player.time;
    const pick = direction > 0 ? targets.find((s) => s > t + 0.05) : [...targets].reverse().find((s) => s < t - 0.5);
    if (pick !== undefined) seek(pick);
  };
  const button = (text, title, fn, id) => el("button", { type: "button", title, onclick: fn, id, text });
  const controls = el("div", { class: "controls" },
    button("▶ / ❚❚", "Play or pause (space)", () => (player.paused ? player.play() : player.pause()), "play"),
    button("◀ repair", "Previous repair (p)", () => jump(view.repairs, -1), "prev-repair"),
    button("repair ▶", "Next repair (n)", () => jump(view.repairs, 1), "next-repair"),
    button("◀ out of step", "Previous moment out of step (shift+r)", () => jump(view.ruptures, -1), "prev-rupture"),
    button("out of step ▶", "Next moment out of step (r)", () => jump(view.ruptures, 1), "next-rupture"),
    now);
  listen(document, "keydown", (event) => {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "n") jump(view.repairs, 1);
    else if (event.key === "p") jump(view.repairs, -1);
    else if (event.key === "r") jump(view.ruptures, 1);
    else if (event.key === "R") jump(view.ruptures, -1);
    else if (event.key === " " && !(view.videos && view.videos.length)) { event.preventDefault(); player.paused ? player.play() : player.pause(); }
    else return;
  });

  // marks: a moment, or a clip with a start and an end; each can be edited or removed
  const note = el("textarea", { id: "mark-note", rows: 2, maxlength: 500, placeholder: "A note for this moment (what to show the parent)" });
  const list = el("ul", { id: "marks" });
  const send = (path, method, body) => api(path, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const changed = (mark) => { marks = [...marks.filter((x) => x.id !== mark.id), mark].sort((a, b) => a.time_s - b.time_s); showMarks(); redraw(); };
  const seconds = (text) => {  // "1:05.5" or "65.5" → 65.5; "" → null
    if (!text.trim()) return null;
    const parts = text.trim().split(":").map(Number);
    return parts.reduce((acc, p) => acc * 60 + p, 0);
  };
  const editor = (m, row) => {
    const start = el("input", { class: "edit-start", value: clock(m.time_s), size: 7, "aria-label": "start (m:ss)" });
    const end = el("input", { class: "edit-end", value: m.end_s != null ? clock(m.end_s) : "", size: 7, placeholder: "moment",
                              "aria-label": "end (m:ss; empty for a moment)" });
    const text = el("textarea", { class: "edit-note", rows: 2, maxlength: 500 }); text.value = m.note;
    const problem = el("span", { class: "problem" });
    const save = async () => {
      const body = { note: text.value };  // times only when changed: the fields show tenths of a second
      if (start.value !== clock(m.time_s)) body.time_s = seconds(start.value);
      if (end.value !== (m.end_s != null ? clock(m.end_s) : "")) body.end_s = seconds(end.value);
      if (Number.isNaN(body.time_s) || Number.isNaN(body.end_s) || body.time_s === null) {
        problem.textContent = "Write times as minutes:seconds, e.g. 1:05.5 (leave the end empty for a moment)."; return;
      }
      try { changed(await send(`/api/sessions/${key}/marks/${m.id}`, "PATCH", body)); } catch (error) { problem.textContent = error.message; }
    };
    row.replaceChildren(el("div", { class: "editor" },
      el("label", {}, "from ", start, el("button", { type: "button", class: "small", text: "now", onclick: () => { start.value = clock(player.time); } })),
      el("label", {}, " to ", end, el("button", { type: "button", class: "small", text: "now", onclick: () => { end.value = clock(player.time); } })),
      text,
      el("div", {}, el("button", { type: "button", class: "save primary", text: "save", onclick: save }),
        el("button", { type: "button", class: "small", text: "cancel", onclick: showMarks }), problem)));
  };
  const showMarks = () => {
    list.replaceChildren(...marks.map((m) => {
      const row = el("li", { class: m.end_s != null ? "mark clip" : "mark", "data-id": m.id });
      row.append(
        el("button", { type: "button", class: "at", text: m.end_s != null ? `${clock(m.time_s)}–${clock(m.end_s)}` : clock(m.time_s),
                       onclick: () => seek(m.end_s != null ? m.time_s : Math.max(0, m.time_s - LEAD_S)) }),
        el("span", { class: "note", text: m.note || "(no note)" }),
        el("button", { type: "button", class: "edit small", text: "edit", onclick: () => editor(m, row) }),
        el("button", { type: "button", class: "remove small", text: "remove", onclick: async () => {
          await api(`/api/sessions/${key}/marks/${m.id}`, { method: "DELETE" });
          marks = marks.filter((x) => x.id !== m.id); showMarks(); redraw();
        } }));
      return row;
    }));
  };
  let clipStart = null;
  const clipButton = el("button", { type: "button", id: "clip-mark", text: "Start a clip here" });
  const addMark = async (body) => { changed(await send(`/api/sessions/${key}/marks`, "POST", { ...body, note: note.value })); note.value = ""; };
  clipButton.addEventListener("click", async () => {
    if (clipStart === null) { clipStart = player.time; clipButton.textContent = `End the clip here (from ${clock(clipStart)})`; return; }
    const [a, b] = [clipStart, player.time].sort((u, v) => u - v);
    clipStart = null; clipButton.textContent = "Start a clip here";
    if (b > a) await addMark({ time_s: a, end_s: b });
  });
  const marksBox = el("section", { class: "marks" }, el("h2", { text: "Marks for feedback" }), note,
    el("div", { class: "controls" },
      el("button", { type: "button", class: "primary", id: "add-mark", text: "Mark this moment", onclick: () => addMark({ time_s: player.time }) }),
      clipButton,
      el("a", { class: "button", id: "export-csv", href: `/api/sessions/${key}/clips.csv`, text: "Clip list (CSV)" }),
      el("a", { class: "button", id: "export-eaf", href: `/api/sessions/${key}/marks.eaf`, text: "ELAN tier (.eaf)" })),
    list);

  const account = el("section", { class: "account" }, el("h2", { text: "What we see" }),
    el("ul", {}, ...view.account.map((s) => el("li", { text: s }))));
  const explore = el("p", {}, el("a", { class: "button", href: view.fitted ? `#/explore?session=${key}` : "#/explore",
    text: view.fitted ? "Explore this pair's model: what if…? →" : "Explore the model: what if…? →" }));
  const research = el("details", { class: "research", id: "research" }, el("summary", { text: "For researchers: the tables" }),
    el("p", { class: "quiet", text: `Source: ${view.source} · scheme: ${view.scheme}` }),
    el("h2", { text: "Measures" }), table(view.measures), el("h2", { text: "Mismatch episodes" }), table(view.mismatches),
    view.fit_words.length ? el("div", {}, el("h2", { text: "The fitted model in plain words" }), table(view.fit_words)) : null);
  main.replaceChildren(el("h1", { text: view.session }),
    el("div", { class: "session" }, player.node, account),
    el("div", { class: "strip" }, controls, timelineBox, legend(view.colours, view.partners, view.band),
       el("p", { class: "quiet", text: "Click a marker to see the moment from 2 seconds before. Keys: n / p next and previous repair, r / R next and previous moment out of step." })),
    el("div", { class: "session" }, marksBox, explore),
    research);
  showMarks();
  redraw();
}

// ------------------------------------------------------------------ explore the model
async function showExplore(params) {
  const session = params.get("session");
  const config = await api(`/api/explore/sliders${session ? `?session=${session}` : ""}`);
  const observed = session ? await api(`/api/sessions/${session}`) : null;
  let preset = params.get("preset") || "attuned";
  let start = () => (observed && config.fitted ? config.fitted : config.scenarios[preset]);
  let values = { ...start() };
  let baseline = null, pending = null, busy = false;
  const traces = el("div", { class: "traces", id: "traces" });
  const numbers = el("div", { class: "numbers", id: "numbers" });
  const said = el("p", { class: "account", id: "sim-account" });
  const expected = el("section", { class: "expected", id: "what-if" });
  const waits = el("p", { id: "waits" });
  const body = (v) => JSON.stringify({ preset, values: v, seconds: observed ? Math.min(600, Math.max(10, Math.round(observed.duration_s))) : 180,
                                        dt: 0.25, seed: 1, session: observed && config.fitted ? session : null });
  const simulate = (v) => api("/api/explore", { method: "POST", headers: { "Content-Type": "application/json" }, body: body(v) });
  const trace = (title, sim, id) => {
    const colours = sim.colours;
    const rows = [
      { label: "baby", runs: sim.infant, colours: colours.states, cls: "lane lane-infant" },
      { label: "caregiver", runs: sim.caregiver, colours: colours.states, cls: "lane lane-caregiver" },
      { label: "in step?", runs: sim.band, colours: colours.band, height: 14, cls: "band" },
      { label: "his arousal", line: stepLine(sim.arousal), range: [0, 2], height: 34, stroke: "#C0392B", cls: "arousal" },
    ];
    const drawing = drawTimeline({ duration: sim.seconds, rows });
    drawing.node.setAttribute("id", id);
    return el("div", {}, el("h3", { text: title }), drawing.node,
              legend({ states: colours.states, band: colours.band, leaders: {} }, [], sim.band));
  };
  const number = (value, what, was) => el("div", { class: "number" }, el("div", { class: "value", text: value }),
    el("div", { class: "what", text: what }), was ? el("div", { class: "was", text: `before: ${was}` }) : null);
  const render = (sim) => {
    const before = baseline.summary, now = sim.summary;
    numbers.replaceChildren(
      number(pct(now.prop_matched), "of the time in step", pct(before.prop_matched)),
      number(String(now.repairs), "moments repaired", String(before.repairs)),
      number(secs(now.latency_median_s), "typical time to repair", secs(before.latency_median_s)),
      number(String(now.repairs_led_infant), "repairs he led", String(before.repairs_led_infant)));
    waits.textContent = `With these settings she waits about ${secs(sim.waits_s)} after he looks away (before: ${secs(baseline.waits_s)}).`;
    said.textContent = sim.account;
    showExpected(sim.counterfactual);
    const parts = [];
    if (observed) {
      parts.push(el("div", {}, el("h3", { text: "What was coded in this session" }),
        drawTimeline({ duration: observed.duration_s, rows: [
          ...observed.partners.map((p) => ({ label: p, runs: observed.lanes[p], colours: observed.colours.states })),
          { label: "in step?", runs: observed.band, colours: observed.colours.band, height: 14 }] }).node,
        legend({ states: observed.colours.states, band: observed.colours.band, leaders: {} }, [], observed.band)));
    }
    parts.push(trace(observed && config.fitted ? "The model of this pair, as estimated" : `The ${preset} scenario`, baseline, "trace-baseline"));
    parts.push(trace("With your changes", sim, "trace-changed"));
    traces.replaceChildren(...parts);
    traces.dataset.version = String(Number(traces.dataset.version || 0) + 1);
  };
  // a fitted pair: what the model expects on average (its posterior), beside the one run above
  const showExpected = (cf) => {
    if (!cf) { expected.replaceChildren(); return; }
    const labels = (names) => names.map((n) => config.sliders[n].label.toLowerCase()).join("; ");
    const skipped = cf.not_estimated.length ? el("p", { class: "quiet",
      text: `Not estimated for this pair, so the model keeps it as it is: ${labels(cf.not_estimated)}.` }) : null;
    if (!cf.outcomes.length) {
      expected.replaceChildren(el("h2", { text: "What to expect for this pair" }),
        el("p", { text: "Move a slider: the model will say what it expects for this pair on average, and how sure it is." }), skipped);
      return;
    }
    expected.replaceChildren(el("h2", { text: "What to expect for this pair" }),
      el("p", { text: `The run above is one of many that could happen. Over ${cf.draws} simulated sessions as long as theirs, ` +
                      `drawn from what the model learned about this pair, with ${labels(Object.keys(cf.changes))} set as you chose ` +
                      `(each interval holds ${Math.round(100 * cf.level)} % of the simulated changes):` }),
      el("ul", {}, ...cf.outcomes.map((o) => el("li", { class: `outcome outcome-${o.outcome}`, text: `${o.said}.` }))), skipped);
  };
  const run = async () => {
    if (busy) { pending = true; return; }
    busy = true; traces.classList.add("busy");
    try {
      if (!baseline) baseline = await simulate(start());
      render(await simulate(values));
    } catch (error) { said.textContent = error.message; }
    busy = false; traces.classList.remove("busy");
    if (pending) { pending = false; run(); }
  };
  const sliders = el("div", { class: "sliders" });
  const drawSliders = () => {
    sliders.replaceChildren(...Object.entries(config.sliders).map(([name, s]) => {
      const input = el("input", { type: "range", id: `slider-${name}`, name, min: s.min, max: s.max, step: 0.1, value: values[name],
                                  "aria-label": s.label });
      let timer = null;
      input.addEventListener("input", () => { values[name] = Number(input.value); clearTimeout(timer); timer = setTimeout(run, 120); });
      return el("div", { class: "slider" }, el("label", { for: `slider-${name}`, text: s.label }), input,
        el("div", { class: "ends" }, el("span", { text: s.low }), el("span", { text: s.high })));
    }));
  };
  const scenarios = el("div", { class: "scenarios" }, ...Object.keys(config.scenarios).map((name) =>
    el("button", { type: "button", id: `scenario-${name}`, class: name === preset && !(observed && config.fitted) ? "chosen" : "",
                   text: name === "attuned" ? "Scenario 1: she waits (attuned)" : "Scenario 2: she follows him (intrusive)",
                   onclick: () => { location.hash = `#/explore?preset=${name}`; } })));
  main.replaceChildren(el("h1", { text: observed ? `What if…? ${observed.session}` : "Explore the model: what if…?" }),
    el("p", { text: "A simulated baby and caregiver. Move a slider to change what she does; the baby's states and arousal respond. These are model sessions, not a recording." }),
    observed && config.fitted ? el("p", { class: "quiet", text: "The sliders start from this pair's own fitted estimates." }) : scenarios,
    sliders, waits, numbers, expected, traces, said);
  drawSliders();
  await run();
}

function stepLine(runs) {
  const levels = { calm: 0, alert: 1, "over-aroused": 2 };
  const t = [], v = [];
  for (const [a, b, name] of runs) { t.push(a, b); v.push(levels[name], levels[name]); }
  return { t, v };
}

// ------------------------------------------------------------------ routing
async function route() {
  cleanup.forEach((fn) => fn()); cleanup = [];
  const hash = location.hash || "#/";
  const [path, query] = hash.slice(1).split("?");
  document.getElementById("nav-sessions").classList.toggle("here", path === "/");
  document.getElementById("nav-explore").classList.toggle("here", path.startsWith("/explore"));
  try {
    if (path.startsWith("/session/")) await showSession(path.slice("/session/".length));
    else if (path.startsWith("/explore")) await showExplore(new URLSearchParams(query || ""));
    else await showSessions();
    document.body.dataset.ready = path;
  } catch (error) { fail(error); }
}
window.addEventListener("hashchange", route);
route();
